import { VisionStreamError } from '../errors/streamError';

/**
 * Some servers refuse `stream_options` outright (Mistral, older Azure API versions, older
 * vLLM). Usage is a nice-to-have: ask once more without it rather than fail the item.
 * Returns the smaller body, or undefined when this failure is something else.
 */
export function withoutRejectedStreamOptions(body: unknown, error: unknown): Record<string, unknown> | undefined {
	if (!body || typeof body !== 'object' || !('stream_options' in body)) return undefined;
	if (!(error instanceof VisionStreamError) || (error.httpCode !== 400 && error.httpCode !== 422)) return undefined;
	if (!/stream_options|include_usage|extra (inputs|fields)|extra_forbidden/i.test(error.message)) return undefined;
	const { stream_options: _dropped, ...rest } = body as Record<string, unknown>;
	return rest;
}
