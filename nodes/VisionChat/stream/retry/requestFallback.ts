import { VisionStreamError } from '../errors/streamError';

/**
 * Optional fields some servers refuse outright: `stream_options` (Mistral, older Azure API
 * versions and vLLM) and `response_format` (several relays and local servers). Usage and the
 * server-side JSON mode are nice-to-haves: ask once more without the field rather than fail.
 */
const DROPPABLE: Array<{ field: string; named: RegExp; consequence: string }> = [
	{ field: 'stream_options', named: /stream_options|include_usage/i, consequence: 'so usage is absent' },
	{ field: 'response_format', named: /response_format|json_schema|json_object/i, consequence: 'the answer is checked as JSON by the node instead' },
];

export interface Fallback {
	body: Record<string, unknown>;
	warning: string;
}

/** The body without the field this failure refused, or undefined when it is something else. */
export function withoutRefusedField(body: unknown, error: unknown): Fallback | undefined {
	if (!body || typeof body !== 'object') return undefined;
	if (!(error instanceof VisionStreamError) || (error.httpCode !== 400 && error.httpCode !== 422)) return undefined;
	const fields = body as Record<string, unknown>;
	for (const { field, named, consequence } of DROPPABLE) {
		if (!(field in fields)) continue;
		// Strict servers (Pydantic-style) name unknown fields only as "extra inputs/fields are not permitted".
		const refused = named.test(error.message) || (field === 'stream_options' && /extra (inputs|fields)|extra_forbidden/i.test(error.message));
		if (!refused) continue;
		const { [field]: _dropped, ...rest } = fields;
		return { body: rest, warning: `The server refused ${field} (${error.message}); sent again without it, ${consequence}` };
	}
	return undefined;
}
