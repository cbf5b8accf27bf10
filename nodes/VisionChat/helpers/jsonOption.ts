import { InputError } from './inputError';

/** The value of a JSON option: parsed when it is text, as is when an expression produced an object. */
export function parseJson(value: string | object, label: string, shape: string): unknown {
	if (typeof value !== 'string') return value;
	if (!value.trim()) return undefined;
	let problem: string;
	try {
		return JSON.parse(value);
	} catch (error) {
		problem = (error as Error).message;
	}
	// Thrown outside the catch: the node turns InputError into a NodeOperationError for the item.
	throw new InputError(`"${label}" is not valid JSON: ${problem}`, `Enter ${shape}`);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
