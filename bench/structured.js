'use strict';
/**
 * Structured output cost: validating a ~2 KB answer against a 30-field nested schema, per item
 * (p50, p99), beside JSON.parse alone on the same text, and the one-off cost of compiling the
 * schema (paid once per execution). Run alone: `node bench/structured.js` after `npm run build`.
 */
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const DIST = process.env.BENCH_DIST ? path.resolve(process.env.BENCH_DIST) : path.join(__dirname, '..', 'dist');
const ITEMS = 20_000;
const COMPILES = 200;

/** 30 fields in the schema: 20 at the top, 6 in an address, 4 in each line item; the answer is about 2 KB. */
function schemaAndAnswer() {
	const top = {};
	const answer = {};
	for (let i = 0; i < 20; i++) {
		const kind = i % 3;
		top[`field${i}`] = kind === 0 ? { type: 'string', minLength: 1 } : kind === 1 ? { type: 'number', minimum: 0 } : { type: 'string', format: 'date' };
		answer[`field${i}`] = kind === 0 ? `value number ${i} with some words in it` : kind === 1 ? i * 3.25 : '2026-01-31';
	}
	const address = { street: 'string', city: 'string', zip: 'string', country: 'string', email: 'string', phone: 'string' };
	top.address = {
		type: 'object',
		properties: Object.fromEntries(Object.keys(address).map((k) => [k, k === 'email' ? { type: 'string', format: 'email' } : { type: 'string' }])),
		required: Object.keys(address),
		additionalProperties: false,
	};
	answer.address = { street: '1 Long Road', city: 'Springfield', zip: '12345', country: 'Freedonia', email: 'billing@example.com', phone: '+1 555 0100' };
	top.lines = {
		type: 'array',
		items: {
			type: 'object',
			properties: { item: { type: 'string' }, quantity: { type: 'integer', minimum: 1 }, price: { type: 'number' }, currency: { enum: ['EUR', 'USD', 'GBP'] } },
			required: ['item', 'quantity', 'price', 'currency'],
			additionalProperties: false,
		},
	};
	answer.lines = Array.from({ length: 14 }, (_, i) => ({ item: `Line item ${i} with a description`, quantity: i + 1, price: 9.99 + i, currency: 'EUR' }));
	const schema = { type: 'object', properties: top, required: Object.keys(top), additionalProperties: false };
	return { schema, text: JSON.stringify(answer) };
}

function percentile(sorted, p) {
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function measureStructured() {
	const { SchemaValidators } = require(path.join(DIST, 'nodes/VisionChat/structured/schemaValidator'));
	const { checkAnswer } = require(path.join(DIST, 'nodes/VisionChat/structured/structuredAnswer'));
	const { schema, text } = schemaAndAnswer();
	const validators = new SchemaValidators();
	const plan = { schema, retries: 0, validators };
	if (checkAnswer(text, plan).jsonError) throw new Error(`the bench answer is not valid: ${checkAnswer(text, plan).jsonError}`);
	const time = (fn) => {
		const samples = new Float64Array(ITEMS);
		for (let i = 0; i < 2000; i++) fn(); // warm up
		for (let i = 0; i < ITEMS; i++) {
			const t0 = performance.now();
			fn();
			samples[i] = performance.now() - t0;
		}
		const sorted = Array.from(samples).sort((a, b) => a - b);
		return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
	};
	const parseOnly = time(() => JSON.parse(text));
	const validate = time(() => checkAnswer(text, plan));
	const compiles = [];
	for (let i = 0; i < COMPILES; i++) {
		const fresh = new SchemaValidators();
		const t0 = performance.now();
		fresh.violationsOf(schema, {});
		compiles.push(performance.now() - t0);
	}
	compiles.sort((a, b) => a - b);
	return { answerBytes: Buffer.byteLength(text), parseOnly, validate, compileMs: percentile(compiles, 50) };
}

module.exports = { measureStructured };

if (require.main === module) {
	const r = measureStructured();
	console.log(`answer ${r.answerBytes} B, 30-field nested schema`);
	console.log(`JSON.parse alone:        p50 ${r.parseOnly.p50.toFixed(4)} ms, p99 ${r.parseOnly.p99.toFixed(4)} ms`);
	console.log(`parse + validate (node): p50 ${r.validate.p50.toFixed(4)} ms, p99 ${r.validate.p99.toFixed(4)} ms (target p50 < 0.2 ms)`);
	console.log(`compile once per execution: ${r.compileMs.toFixed(3)} ms`);
}
