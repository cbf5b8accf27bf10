import { request, type Dispatcher } from 'undici';
import { performance } from 'node:perf_hooks';
import { ChatStreamAccumulator } from './accumulate';
import { jsonBody, type RequestBody } from './body';
import { dispatcherFor } from './dispatcher';
import { VisionStreamError, type AttemptRecord } from './errors';
import { DEFAULT_TIMEOUTS, HttpFailure, MidStreamFailure, TotalTimeout, finish, toStreamError } from './failures';
import { ChunkDecoder, DEFAULT_MAX_EVENT_BYTES, errorMessageOf, snippet } from './events';
import { httpError, looksLikeHtml, summariseHtml } from './httpErrors';
import { backoffDelayMs, serverRequestedDelayMs, sleep, DEFAULT_BACKOFF, type BackoffSettings } from './retry';
import type { ChatCompletion, ChatCompletionChunk, ChatStreamResult } from './types';

export { DEFAULT_TIMEOUTS };

export interface ChunkInfo {
	/** 0-based position of the chunk in the stream. */
	sequence: number;
	/** ms since the request started. */
	receivedMs: number;
}

export interface StreamChatOptions {
	/** The full chat completions URL. */
	url: string;
	apiKey: string;
	/** A JSON-serialisable body (may contain InlineImage values) or a prepared RequestBody. */
	body: unknown;
	headers?: Record<string, string>;
	signal?: AbortSignal;
	/** Called for every chunk as it arrives, before it is folded into the answer. */
	onChunk?: (chunk: ChatCompletionChunk, info: ChunkInfo) => void;
	/** `n` of the request: how many choices must finish for the answer to be complete. */
	expectedChoices?: number;
	/** Time without any data between chunks before giving up. */
	idleTimeoutMs?: number;
	/** Time from sending the request to the response headers. */
	firstByteTimeoutMs?: number;
	connectTimeoutMs?: number;
	/** Optional limit on the whole request, retries included. */
	totalTimeoutMs?: number;
	maxRetries?: number;
	backoff?: BackoffSettings;
	/** A server asking for a longer wait than this is not retried. */
	maxRetryAfterMs?: number;
	maxEventBytes?: number;
	allowUnauthorizedCerts?: boolean;
	dispatcher?: Dispatcher;
}


const MAX_ERROR_BODY_BYTES = 64 * 1024;
const MAX_JSON_BODY_BYTES = 64 * 1024 * 1024;

/**
 * Sends one chat completion request with `stream: true` and returns the assembled answer.
 * Retries transient failures that happen before any answer content arrived; never after,
 * since that would duplicate text. Every failure is a VisionStreamError carrying what it can.
 */
export async function streamChatCompletion(options: StreamChatOptions): Promise<ChatStreamResult> {
	const startedAt = performance.now();
	const body = isRequestBody(options.body) ? options.body : jsonBody(options.body);
	const maxRetries = Math.max(0, options.maxRetries ?? 2);
	const attempts: AttemptRecord[] = [];

	const totalController = options.totalTimeoutMs ? new AbortController() : undefined;
	const totalTimer = totalController
		? setTimeout(() => totalController.abort(new TotalTimeout()), options.totalTimeoutMs)
		: undefined;
	const signal = combineSignals(options.signal, totalController?.signal);

	try {
		for (let attempt = 1; ; attempt++) {
			try {
				const result = await attemptOnce(options, body, signal, startedAt);
				result.attempts = attempt;
				return result;
			} catch (error) {
				const failure = toStreamError(error, signal, options);
				const retryable = failure.retryable && attempt <= maxRetries && !signal?.aborted;
				const record: AttemptRecord = { attempt, outcome: failure.error.message, httpCode: failure.error.httpCode };
				attempts.push(record);
				if (!retryable) throw finish(failure.error, attempts, options.apiKey);
				const requested = failure.retryAfterMs;
				if (requested !== undefined && requested > (options.maxRetryAfterMs ?? 60_000)) {
					failure.error.message += ` (the server asked to wait ${Math.ceil(requested / 1000)} s before retrying, longer than we wait)`;
					throw finish(failure.error, attempts, options.apiKey);
				}
				record.delayMs = requested ?? backoffDelayMs(attempt - 1, options.backoff ?? DEFAULT_BACKOFF);
				try {
					await sleep(record.delayMs, signal);
				} catch (abortReason) {
					throw finish(toStreamError(abortReason, signal, options).error, attempts, options.apiKey);
				}
			}
		}
	} finally {
		if (totalTimer) clearTimeout(totalTimer);
	}
}

async function attemptOnce(
	options: StreamChatOptions,
	body: RequestBody,
	signal: AbortSignal | undefined,
	startedAt: number,
): Promise<ChatStreamResult> {
	const headers: Record<string, string> = {
		...options.headers,
		authorization: `Bearer ${options.apiKey}`,
		'content-type': 'application/json',
		accept: 'text/event-stream, application/json',
		'content-length': String(body.length),
	};
	const response = await request(options.url, {
		method: 'POST',
		headers,
		body: body.stream(),
		signal,
		headersTimeout: options.firstByteTimeoutMs ?? DEFAULT_TIMEOUTS.firstByteTimeoutMs,
		bodyTimeout: options.idleTimeoutMs ?? DEFAULT_TIMEOUTS.idleTimeoutMs,
		dispatcher:
			options.dispatcher ??
			dispatcherFor({
				connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_TIMEOUTS.connectTimeoutMs,
				allowUnauthorizedCerts: options.allowUnauthorizedCerts ?? false,
			}),
	});

	const contentType = headerValue(response.headers['content-type']).toLowerCase();
	if (response.statusCode < 200 || response.statusCode >= 300) {
		const text = await readText(response.body, MAX_ERROR_BODY_BYTES);
		throw new HttpFailure(
			httpError(response.statusCode, text, contentType, options.url, headerValue(response.headers.location) || undefined),
			serverRequestedDelayMs(response.headers),
		);
	}

	const accumulator = new ChatStreamAccumulator();
	let timeToFirstTokenMs: number | null = null;
	let completion: ChatStreamResult['completion'] | undefined;
	const onChunk = options.onChunk;
	const decoder = new ChunkDecoder(
		{
			onChunk(chunk) {
				// The clock is read only when someone needs it: it is a measurable share of the per-chunk cost.
				if (onChunk) {
					const receivedMs = performance.now() - startedAt;
					onChunk(chunk, { sequence: accumulator.chunkCount, receivedMs });
					if (accumulator.push(chunk) && timeToFirstTokenMs === null) timeToFirstTokenMs = receivedMs;
				} else if (accumulator.push(chunk) && timeToFirstTokenMs === null) {
					timeToFirstTokenMs = performance.now() - startedAt;
				}
			},
			onDone() {
				completion = 'done';
			},
		},
		options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES,
	);

	const iterator = response.body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
	try {
		const first = await iterator.next();
		const head = first.done ? '' : first.value.subarray(0, 64).toString('utf8');
		if (!contentType.includes('text/event-stream') && !/^\s*(data|event|id|retry)?:/.test(head)) {
			// Not SSE: a JSON error, a whole non-streamed answer, or something else entirely.
			const rest = first.done ? '' : await readRest(first.value, iterator, MAX_JSON_BODY_BYTES);
			return nonStreamedResult(rest, contentType, accumulator, startedAt, options.url);
		}
		if (!first.done) decoder.feed(first.value);
		for (let next = await iterator.next(); !next.done && !decoder.done; next = await iterator.next()) {
			decoder.feed(next.value);
		}
		if (!decoder.done) decoder.end();
	} catch (error) {
		response.body.destroy();
		throw new MidStreamFailure(error, accumulator);
	}
	if (decoder.done) {
		// [DONE] arrived: whatever follows is not ours to wait for; free the socket.
		response.body.dump({ limit: 65_536 }).catch(() => undefined);
	}

	if (completion === undefined && accumulator.allChoicesFinished(options.expectedChoices ?? 1)) {
		completion = 'finish_reason';
	}
	if (completion === undefined) {
		throw new MidStreamFailure(
			new VisionStreamError(
				accumulator.chunkCount === 0
					? 'The server closed the stream without sending any chunk'
					: `The stream ended before the answer was complete (no finish_reason and no [DONE] after ${accumulator.chunkCount} chunks)`,
				{ kind: 'incomplete', hint: 'The server or a proxy cut the answer short: try again, or raise the timeouts of proxies in between' },
			),
			accumulator,
		);
	}
	return resultOf(accumulator, completion, timeToFirstTokenMs, startedAt);
}

function resultOf(
	accumulator: ChatStreamAccumulator,
	completion: ChatStreamResult['completion'],
	timeToFirstTokenMs: number | null,
	startedAt: number,
): ChatStreamResult {
	return {
		id: accumulator.id,
		model: accumulator.model,
		created: accumulator.created,
		systemFingerprint: accumulator.systemFingerprint,
		choices: accumulator.choiceResults(),
		usage: accumulator.usage,
		chunkCount: accumulator.chunkCount,
		completion,
		timeToFirstTokenMs,
		durationMs: Math.round((performance.now() - startedAt) * 1000) / 1000,
		attempts: 1,
	};
}

function nonStreamedResult(
	text: string,
	contentType: string,
	accumulator: ChatStreamAccumulator,
	startedAt: number,
	url: string,
): ChatStreamResult {
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch {
		const what = looksLikeHtml(text, contentType) ? summariseHtml(text) : snippet(text) || '(empty body)';
		throw new VisionStreamError(`The server answered 200 but not with an event stream or JSON: ${what}`, {
			kind: 'protocol',
			serverMessage: what,
			url,
			hint: 'Check the base URL in the credential: it must point at an OpenAI-compatible API (usually ending in /v1)',
		});
	}
	const object = (parsed ?? {}) as Record<string, unknown>;
	if (object.error !== undefined && object.error !== null) {
		const message = errorMessageOf(object);
		throw new VisionStreamError(`The server answered 200 with an error: ${message}`, {
			kind: 'server',
			serverMessage: message,
			url,
		});
	}
	if (!Array.isArray(object.choices)) {
		throw new VisionStreamError(`The server answered 200 with JSON that is not a chat completion: ${snippet(text)}`, {
			kind: 'protocol',
			url,
			hint: 'Check the base URL in the credential: it must point at an OpenAI-compatible API (usually ending in /v1)',
		});
	}
	if (object.object === 'chat.completion.chunk') {
		accumulator.push(object as ChatCompletionChunk);
	} else {
		accumulator.acceptCompletion(object as ChatCompletion);
	}
	const ttft = performance.now() - startedAt;
	return resultOf(accumulator, 'non_streamed', ttft, startedAt);
}

function combineSignals(...signals: Array<AbortSignal | undefined>): AbortSignal | undefined {
	const present = signals.filter((s): s is AbortSignal => s !== undefined);
	if (present.length <= 1) return present[0];
	return AbortSignal.any(present);
}

function isRequestBody(value: unknown): value is RequestBody {
	return typeof value === 'object' && value !== null && typeof (value as RequestBody).stream === 'function' && typeof (value as RequestBody).length === 'number';
}

function headerValue(value: string | string[] | undefined): string {
	return Array.isArray(value) ? value.join(', ') : (value ?? '');
}

async function readText(body: AsyncIterable<Buffer> & { destroy(): void }, limit: number): Promise<string> {
	const chunks: Buffer[] = [];
	let size = 0;
	try {
		for await (const chunk of body) {
			chunks.push(chunk);
			size += chunk.length;
			if (size >= limit) {
				body.destroy();
				break;
			}
		}
	} catch {
		// A broken error body still leaves us the status code and what arrived.
	}
	return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

async function readRest(first: Buffer, iterator: AsyncIterator<Buffer>, limit: number): Promise<string> {
	const chunks = [first];
	let size = first.length;
	for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
		chunks.push(next.value);
		size += next.value.length;
		if (size > limit) throw new VisionStreamError(`The server's answer is larger than ${limit / 1048576} MB and is not a stream`, { kind: 'protocol' });
	}
	return Buffer.concat(chunks).toString('utf8');
}

