import { VisionStreamError } from './streamError';
import { displayUrl } from '../request/endpoint';
import { serverMessageOf } from './serverMessage';

const STATUS_HINTS: Record<number, string> = {
	400: 'The server rejected the request: check the model name and the options (the message above says which)',
	401: 'The API key was refused: check the API key in the credential',
	403: 'The API key is not allowed to do this: check its permissions or the model access of your account',
	404: 'Nothing answers at this URL: check the base URL in the credential (it usually ends in /v1) and the model name',
	405: 'This URL does not accept POST: check the base URL in the credential (it usually ends in /v1)',
	408: 'The server timed out waiting for the request: try again, or send smaller images',
	413: 'The request is too large for the server: send fewer or smaller images, or use detail "low"',
	415: 'The server does not accept JSON here: check the base URL in the credential',
	422: 'The server could not process the request: check the model name and the options',
	429: 'Rate limit or quota reached: wait and retry, raise "Max Retries", or check your plan',
	500: 'The server failed: try again later',
	502: 'A gateway in front of the model failed: try again later',
	503: 'The service is unavailable or overloaded: try again later',
	504: 'A gateway timed out waiting for the model: try again later',
};

export function httpError(status: number, body: string, contentType: string, requestUrl: string, location?: string): VisionStreamError {
	// Query strings may carry a gateway's key: messages show them masked.
	const url = displayUrl(requestUrl);
	if (status >= 300 && status < 400) {
		// Redirects are not followed: the Authorization header must never go to another host.
		const target = location ? displayUrl(new URL(location, requestUrl).href) : 'another address';
		return new VisionStreamError(`The server redirected the request (HTTP ${status}) to ${target}`, {
			kind: 'http',
			httpCode: status,
			url,
			hint: location
				? `Use the new address as the base URL in the credential (the key is not sent to redirected addresses): ${target.replace(/\/(chat\/completions|models)$/, '')}`
				: 'Check the base URL in the credential',
		});
	}
	const serverMessage = serverMessageOf(body, contentType);
	// A 404 that talks about the model comes from a server that is there but lacks the model.
	const unknownModel = status === 404 && /model/i.test(serverMessage);
	let lead: string;
	if (status === 401) lead = 'The API key was refused (HTTP 401)';
	else if (unknownModel) lead = 'The server does not know this model (HTTP 404)';
	else if (status === 404) lead = `Nothing found at ${url} (HTTP 404)`;
	else lead = `The server answered HTTP ${status}`;
	return new VisionStreamError(`${lead}: ${serverMessage}`, {
		kind: 'http',
		httpCode: status,
		serverMessage,
		url,
		hint: unknownModel
			? 'Pick a model the server offers under Model → From List, or check the model ID'
			: (STATUS_HINTS[status] ?? (status >= 500 ? 'The server failed: try again later' : undefined)),
	});
}

/** A body of JSON lines (NDJSON) comes from a native API such as Ollama's /api/chat, not the OpenAI-compatible one. */
export function ndjsonError(): VisionStreamError {
	return new VisionStreamError(
		'The server answered with newline-delimited JSON (NDJSON), the format of a native API, not the server-sent events of an OpenAI-compatible chat completions API',
		{
			kind: 'protocol',
			hint: 'Use the server\'s OpenAI-compatible base URL, which usually ends in /v1 (Ollama: http://localhost:11434/v1)',
		},
	);
}
