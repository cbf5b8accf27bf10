import { InputError } from '../helpers/inputError';
import { isPlainObject, parseJson } from '../helpers/jsonOption';
import type { BodyOptions } from '../request/bodyOptions';
import { schemaFromExample } from './schemaFromExample';
import type { StructuredOptions } from './structuredOptions';

type FormatOptions = Pick<BodyOptions, 'responseFormat' | 'jsonSchema'> & Pick<StructuredOptions, 'jsonExample'>;

/** The `response_format` sent: text, any JSON object, or a schema (given, or derived from an example). */
export function responseFormatOf(options: FormatOptions): Record<string, unknown> {
	if (options.responseFormat === 'json_schema') {
		const given = schemaOption(options);
		// Accept both the bare schema and the API's {name, schema, strict} wrapper.
		const wrapped = isPlainObject(given.schema) && typeof given.name === 'string' ? given : { name: 'response', strict: true, schema: given };
		return { type: 'json_schema', json_schema: wrapped };
	}
	if (options.responseFormat === 'json_example') {
		return { type: 'json_schema', json_schema: { name: 'response', strict: true, schema: exampleSchema(options) } };
	}
	return { type: options.responseFormat };
}

/** The schema answers are checked against; undefined when any JSON will do (or no JSON was asked for). */
export function answerSchemaOf(options: FormatOptions): Record<string, unknown> | undefined {
	if (options.responseFormat === 'json_example') return exampleSchema(options);
	if (options.responseFormat !== 'json_schema') return undefined;
	const given = schemaOption(options);
	return isPlainObject(given.schema) && typeof given.name === 'string' ? given.schema : given;
}

export function asksForJson(options: FormatOptions): boolean {
	return options.responseFormat === 'json_object' || options.responseFormat === 'json_schema' || options.responseFormat === 'json_example';
}

function schemaOption(options: FormatOptions): Record<string, unknown> {
	const schema = parseJson(options.jsonSchema ?? '', 'JSON Schema', 'a JSON schema object');
	if (!isPlainObject(schema)) {
		throw new InputError('"JSON Schema" must be a JSON object', 'Enter a JSON schema such as {"type": "object", "properties": {...}}');
	}
	return schema;
}

function exampleSchema(options: FormatOptions): Record<string, unknown> {
	const example = parseJson(options.jsonExample ?? '', 'JSON Example', 'an example record such as {"total": 12.5, "vendor": "ACME"}');
	if (!isPlainObject(example) && !Array.isArray(example)) {
		throw new InputError('"JSON Example" must be a JSON object or array', 'Paste an example record such as {"total": 12.5, "vendor": "ACME"}');
	}
	return schemaFromExample(example);
}
