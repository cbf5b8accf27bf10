import { request } from 'undici';
import { keyHeaders, type KeyAuth } from '../request/auth';
import { dispatcherFor } from './dispatcher';
import { VisionStreamError, redactSecret } from '../errors/streamError';
import { httpError } from '../errors/httpErrors';
import { displayUrl, modelsUrl } from '../request/endpoint';
import { decodedBody, headerValue, readText } from './responseBody';

export interface ModelInfo {
	id: string;
}

const MAX_LIST_BYTES = 16 * 1024 * 1024;

export interface ListModelsOptions {
	baseUrl: string;
	apiKey: string;
	auth?: KeyAuth;
	headers?: Record<string, string>;
	signal?: AbortSignal;
	timeoutMs?: number;
	allowUnauthorizedCerts?: boolean;
}

/** GET {baseUrl}/models: the credential test and the model picker. */
export async function listModels(options: ListModelsOptions): Promise<ModelInfo[]> {
	const url = modelsUrl(options.baseUrl);
	const timeoutMs = options.timeoutMs ?? 20_000;
	let response;
	try {
		response = await request(url, {
			method: 'GET',
			headers: { ...options.headers, ...keyHeaders(options.apiKey, options.auth), accept: 'application/json' },
			signal: options.signal,
			headersTimeout: timeoutMs,
			bodyTimeout: timeoutMs,
			dispatcher: dispatcherFor({ connectTimeoutMs: timeoutMs, allowUnauthorizedCerts: options.allowUnauthorizedCerts ?? false }),
		});
	} catch (error) {
		const code = (error as { code?: string }).code;
		throw new VisionStreamError(`Could not reach ${displayUrl(url)}: ${(error as Error).message}${code ? ` (${code})` : ''}`, {
			kind: 'network',
			url,
			hint: 'Check the base URL in the credential and that the server is reachable from n8n',
			cause: error,
		});
	}
	const text = await readText(decodedBody(response.body, headerValue(response.headers['content-encoding'])), MAX_LIST_BYTES);
	const contentType = String(response.headers['content-type'] ?? '');
	if (response.statusCode < 200 || response.statusCode >= 300) {
		const failure = httpError(response.statusCode, text, contentType, url, headerValue(response.headers.location).split(',')[0] || undefined);
		failure.message = redactSecret(failure.message, options.apiKey);
		throw failure;
	}
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch {
		throw new VisionStreamError(`${displayUrl(url)} did not answer with JSON; is the base URL an OpenAI-compatible API?`, { kind: 'protocol', url });
	}
	// OpenAI answers {data:[...]}; some local servers answer a bare array or {models:[...]}.
	const record = parsed as { data?: unknown; models?: unknown };
	const list = Array.isArray(parsed) ? parsed : Array.isArray(record.data) ? record.data : Array.isArray(record.models) ? record.models : undefined;
	if (!list) throw new VisionStreamError(`${displayUrl(url)} answered JSON without a model list`, { kind: 'protocol', url });
	return list
		.map((entry: unknown) => {
			if (typeof entry === 'string') return { id: entry };
			const model = entry as { id?: string; name?: string; model?: string };
			return { id: model.id ?? model.name ?? model.model ?? '' };
		})
		.filter((model: ModelInfo) => model.id);
}
