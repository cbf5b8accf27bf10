import { Validator, type OutputUnit } from '@cfworker/json-schema';

export interface Violation {
	/** Where in the answer, as a JSONPath: `$.items[0].price`. */
	path: string;
	message: string;
}

/** Keywords that only say "something below me failed": their children carry the real reason. */
const CONTAINERS = new Set(['properties', 'items', 'prefixItems', 'additionalProperties', 'allOf', '$ref', '$dynamicRef', 'dependentSchemas', 'unevaluatedProperties', 'unevaluatedItems', 'patternProperties']);

/**
 * One compiled validator per schema text: compiled once per execution, reused for every item.
 * @cfworker/json-schema interprets the schema (no code generation), knows draft-07 and
 * 2020-12, and is pure JavaScript: it runs wherever n8n runs.
 */
export class SchemaValidators {
	private readonly compiled = new Map<string, Validator>();

	violationsOf(schema: Record<string, unknown>, value: unknown): Violation[] {
		const key = JSON.stringify(schema);
		let validator = this.compiled.get(key);
		if (!validator) {
			const draft = typeof schema.$schema === 'string' && schema.$schema.includes('draft-07') ? '7' : '2020-12';
			validator = new Validator(schema as object, draft, false);
			this.compiled.set(key, validator);
		}
		const outcome = validator.validate(value);
		if (outcome.valid) return [];
		return outcome.errors.filter((unit) => !CONTAINERS.has(unit.keyword)).map((unit) => violationOf(unit, value));
	}
}

function violationOf(unit: OutputUnit, root: unknown): Violation {
	const segments = pointerSegments(unit.instanceLocation);
	const path = jsonPath(segments);
	const value = valueAt(root, segments);
	switch (unit.keyword) {
		case 'type':
			return { path, message: `expected ${/Expected "?([^".]+)"?/.exec(unit.error)?.[1] ?? 'another type'}, got ${shown(value)}` };
		case 'required': {
			const field = /property "([^"]+)"/.exec(unit.error)?.[1];
			return field ? { path: jsonPath([...segments, field]), message: 'required, but missing' } : { path, message: unit.error };
		}
		case 'false':
			return { path, message: 'not allowed by the schema' };
		case 'format':
			return { path, message: `expected format ${/format "([^"]+)"/.exec(unit.error)?.[1] ?? ''}, got ${shown(value)}`.trim() };
		case 'enum':
		case 'const':
			return { path, message: `${unit.error.replace(/^Instance does not match /, 'expected ').replace(/\.$/, '')}, got ${shown(value)}` };
		default:
			return { path, message: unit.error.replace(/\.$/, '') };
	}
}

function pointerSegments(location: string): string[] {
	const pointer = location.replace(/^#/, '');
	if (!pointer) return [];
	return pointer
		.slice(1)
		.split('/')
		.map((segment) => decodeURIComponent(segment).replace(/~1/g, '/').replace(/~0/g, '~'));
}

function jsonPath(segments: string[]): string {
	let path = '$';
	for (const segment of segments) {
		if (/^\d+$/.test(segment)) path += `[${segment}]`;
		else if (/^[A-Za-z_$][\w$]*$/.test(segment)) path += `.${segment}`;
		else path += `[${JSON.stringify(segment)}]`;
	}
	return path;
}

function valueAt(root: unknown, segments: string[]): unknown {
	let value = root;
	for (const segment of segments) {
		if (value === null || typeof value !== 'object') return undefined;
		value = (value as Record<string, unknown>)[segment];
	}
	return value;
}

function shown(value: unknown): string {
	if (value === undefined) return 'nothing';
	const text = JSON.stringify(value);
	return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
