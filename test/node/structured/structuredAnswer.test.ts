import { parseAnswerJson } from '../../../nodes/VisionChat/structured/answerJson';
import { schemaFromExample } from '../../../nodes/VisionChat/structured/schemaFromExample';
import { SchemaValidators } from '../../../nodes/VisionChat/structured/schemaValidator';
import { responseFormatOf } from '../../../nodes/VisionChat/structured/responseFormat';
import { addUsage, checkAnswer, repairRequest } from '../../../nodes/VisionChat/structured/structuredAnswer';

describe('the JSON inside an answer', () => {
	it.each([
		['{"a":1}', { a: 1 }],
		['  [1, 2]\n', [1, 2]],
		['```json\n{"a": {"b": [true]}}\n```', { a: { b: [true] } }],
		['```\n{"a":1}\n```', { a: 1 }],
		['\n```JSON \r\n{"x": "y"}\r\n```\n', { x: 'y' }],
	])('reads %j', (text, value) => {
		expect(parseAnswerJson(text)).toEqual({ ok: true, value });
	});

	it.each([
		['Here is the JSON: {"a":1}', /does not start with \{ or \[/],
		['{"a":1} I hope this helps', /not valid JSON/],
		['```json\n{"a":1}\n```\nDone.', /not JSON|not valid JSON/],
		['', /empty/],
		['{"a":', /not valid JSON/],
	])('refuses prose around or broken JSON: %j', (text, message) => {
		const parsed = parseAnswerJson(text);
		expect(parsed.ok).toBe(false);
		expect(!parsed.ok && parsed.message).toMatch(message);
	});
});

describe('a strict schema from an example', () => {
	it('requires every field, forbids others, takes types from values and arrays from their first element', () => {
		expect(schemaFromExample({ vendor: 'ACME', total: 12.5, paid: true, note: null, items: [{ name: 'x', qty: 2 }], tags: [] })).toEqual({
			type: 'object',
			properties: {
				vendor: { type: 'string' },
				total: { type: 'number' },
				paid: { type: 'boolean' },
				note: { type: ['string', 'null'] },
				items: {
					type: 'array',
					items: { type: 'object', properties: { name: { type: 'string' }, qty: { type: 'number' } }, required: ['name', 'qty'], additionalProperties: false },
				},
				tags: { type: 'array', items: {} },
			},
			required: ['vendor', 'total', 'paid', 'note', 'items', 'tags'],
			additionalProperties: false,
		});
	});

	it('is what json_example sends as a strict json_schema', () => {
		expect(responseFormatOf({ responseFormat: 'json_example', jsonExample: '{"total": 1}' })).toEqual({
			type: 'json_schema',
			json_schema: { name: 'response', strict: true, schema: { type: 'object', properties: { total: { type: 'number' } }, required: ['total'], additionalProperties: false } },
		});
	});
});

describe('validation against the user\'s schema', () => {
	const schema = {
		type: 'object',
		properties: {
			vendor: { type: 'string' },
			total: { type: 'number', minimum: 0 },
			date: { type: 'string', format: 'date' },
			email: { type: 'string', format: 'email' },
			currency: { enum: ['EUR', 'USD'] },
			kind: { const: 'receipt' },
			code: { type: 'string', pattern: '^[A-Z]{3}$' },
			items: { type: 'array', maxItems: 3, items: { type: 'object', properties: { price: { type: 'number' } }, required: ['price'] } },
		},
		required: ['total', 'date', 'vendor'],
		additionalProperties: false,
	};
	const validators = new SchemaValidators();

	it('names the first violations with their JSON paths', () => {
		const violations = validators.violationsOf(schema, {
			total: '12,50',
			date: '31/01/2026',
			email: 'nobody',
			currency: 'GBP',
			kind: 'invoice',
			code: 'ab',
			items: [{ price: 1 }, {}],
			extra: 1,
		});
		expect(violations).toEqual(
			expect.arrayContaining([
				{ path: '$.vendor', message: 'required, but missing' },
				{ path: '$.total', message: 'expected number, got "12,50"' },
				{ path: '$.date', message: 'expected format date, got "31/01/2026"' },
				{ path: '$.email', message: 'expected format email, got "nobody"' },
				{ path: '$.currency', message: expect.stringMatching(/^expected .*EUR.*USD.*, got "GBP"$/) },
				{ path: '$.kind', message: expect.stringMatching(/got "invoice"$/) },
				{ path: '$.code', message: expect.stringMatching(/pattern/) },
				{ path: '$.items[1].price', message: 'required, but missing' },
				{ path: '$.extra', message: 'not allowed by the schema' },
			]),
		);
		expect(violations).toHaveLength(9);
	});

	it('accepts a valid record and a draft-07 schema', () => {
		expect(validators.violationsOf(schema, { total: 3, date: '2026-01-31', vendor: 'x' } as never)).toEqual([]);
		expect(validators.violationsOf({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', required: ['a'] }, {})).toEqual([{ path: '$.a', message: 'required, but missing' }]);
	});

	it('an answer that breaks the schema keeps the parsed value and lists the problems; the repair turn quotes them', () => {
		const plan = { schema, retries: 1, validators };
		const checked = checkAnswer('```json\n{"total": "12,50", "date": "2026-01-31", "vendor": "A"}\n```', plan);
		expect(checked.json).toEqual({ total: '12,50', date: '2026-01-31', vendor: 'A' });
		expect(checked.jsonError).toBe('the answer does not match the schema: $.total: expected number, got "12,50"');
		expect(repairRequest(checked, plan)).toContain('- $.total: expected number, got "12,50"');
		expect(checkAnswer('nope', { retries: 0, validators })).toEqual({ jsonError: 'the answer is not JSON: it does not start with { or [' });
	});
});

describe('usage of several tries', () => {
	it('adds every number, nested details included', () => {
		expect(addUsage({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, prompt_tokens_details: { cached_tokens: 2 } }, { prompt_tokens: 20, completion_tokens: 7, total_tokens: 27, prompt_tokens_details: { cached_tokens: 0 }, cost: 0.5 })).toEqual({
			prompt_tokens: 30,
			completion_tokens: 12,
			total_tokens: 42,
			prompt_tokens_details: { cached_tokens: 2 },
			cost: 0.5,
		});
		expect(addUsage(undefined, { total_tokens: 1 })).toEqual({ total_tokens: 1 });
	});
});
