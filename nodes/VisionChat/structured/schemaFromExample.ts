/**
 * A strict schema from an example, the no-code way: every field required, no other fields,
 * types from the example's values, arrays from their first element. Numbers are "number"
 * (an example 3 must not forbid 3.5); null means "this may be missing": string or null.
 */
export function schemaFromExample(example: unknown): Record<string, unknown> {
	if (example === null) return { type: ['string', 'null'] };
	if (Array.isArray(example)) return { type: 'array', items: example.length > 0 ? schemaFromExample(example[0]) : {} };
	switch (typeof example) {
		case 'string':
			return { type: 'string' };
		case 'number':
			return { type: 'number' };
		case 'boolean':
			return { type: 'boolean' };
		case 'object': {
			const record = example as Record<string, unknown>;
			const properties: Record<string, unknown> = {};
			for (const [key, value] of Object.entries(record)) properties[key] = schemaFromExample(value);
			return { type: 'object', properties, required: Object.keys(record), additionalProperties: false };
		}
		default:
			return {};
	}
}
