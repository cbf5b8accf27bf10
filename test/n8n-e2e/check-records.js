'use strict';
/**
 * Structured records through a form in a running n8n (workflows-records.js receiptFormWorkflow):
 * a receipt photo uploaded like a browser does → the Read Receipt node of
 * examples/receipt-to-sheet.json as shipped (JSON From Example, JSON Output "record", JSON
 * Retries 1) → the example's Google Sheets column expressions in a Set node ($json.vendor,
 * $json.lines.map(…), $json._visionChat.model) → a Form completion page showing that row.
 * publishReceiptForm(ctx) runs before `n8n start`; receiptFormChecks(check, ctx) while it runs.
 */
const assert = require('assert/strict');

const support = require('../support/n8n');
const wf = require('./workflows');
const { RECEIPT_FORM_PATH } = require('./workflows-records');
const { recordFor, sha12 } = require('./answers-records');
const { waitForForm, submitForm } = require('./form-client');
const { tail } = require('./execution');

// What JSON From Example must derive from the example's JSON Example (docs/structured-output.md).
const strict = (properties) => ({ type: 'object', properties, required: Object.keys(properties), additionalProperties: false });
const RECEIPT_SCHEMA = strict({
	vendor: { type: 'string' },
	date: { type: 'string' },
	currency: { type: 'string' },
	total: { type: 'number' },
	lines: { type: 'array', items: strict({ item: { type: 'string' }, price: { type: 'number' } }) },
});

async function publishReceiptForm(ctx) {
	const published = await ctx.n8nRun('n8n publish:workflow (receipt record form)', ['publish:workflow', `--id=${wf.IDS.receipt}`]);
	await ctx.check('n8n publish:workflow activates the receipt record form', () => assert.equal(published.code, 0, tail(published.stdout + published.stderr)));
}

async function receiptFormChecks(check, { port, server }) {
	const formUrl = `http://127.0.0.1:${port}/form/${RECEIPT_FORM_PATH}`;
	const { page } = await waitForForm(formUrl, "name='field-0'");
	await check('receipt form: GET /form/<path> renders the example\'s form with its file field', () => {
		assert.match(page, /Send a receipt/);
		assert.match(page, /type='file'|type="file"/);
	});
	const photo = support.pngFor('receipt').bytes;
	const before = server.requests.length;
	const submitted = await submitForm(formUrl, port, [['field-0', { bytes: photo, type: 'image/png', fileName: 'receipt.png' }]]);
	const requests = server.requests.slice(before).filter((q) => q.json && q.json.model === 'claude-sonnet-4-20250514');
	await check('receipt form: the photo reached the model with the strict schema derived from the JSON Example', () => {
		assert.equal(requests.length, 2, `${requests.length} requests: expected the first try and one JSON retry`);
		assert.deepEqual(requests[0].json.response_format, { type: 'json_schema', json_schema: { name: 'response', strict: true, schema: RECEIPT_SCHEMA } });
		const image = requests[0].json.messages[0].content[1].image_url;
		assert.equal(image.url, `data:image/png;base64,${photo.toString('base64')}`);
		assert.equal(image.detail, 'high');
	});
	await check('receipt form: JSON Retries 1 sent the broken answer back with "$.total" and used the corrected one', () => {
		const [assistant, repair] = requests[1].json.messages.slice(-2);
		assert.equal(assistant.role, 'assistant');
		assert.match(assistant.content, /"total":"[0-9]+,[0-9]+"/);
		assert.equal(repair.role, 'user');
		assert.match(JSON.stringify(repair.content), /\$\.total/);
	});
	const record = recordFor(RECEIPT_SCHEMA, sha12(photo));
	await check('receipt form: the completion page shows the row built by the example\'s column expressions on the record', () => {
		assert.equal(submitted.status, 'form-waiting', submitted.html.slice(0, 300));
		assert.deepEqual(JSON.parse(submitted.message), {
			Vendor: record.vendor,
			Date: record.date,
			Currency: record.currency,
			Total: record.total,
			Lines: record.lines.map((l) => `${l.item} ${l.price}`).join('; '),
			Model: 'test-model',
		});
		return `Vendor "${record.vendor}", Total ${record.total}`;
	});
}

module.exports = { publishReceiptForm, receiptFormChecks };
