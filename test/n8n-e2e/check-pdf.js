'use strict';
/**
 * PDF attachments in a real n8n (workflows-records.js pdfWorkflow, run with `n8n execute`): the
 * fixtures of test/fixtures/pdf read from disk into binary "attachment_0", sent in every PDF
 * Mode; checked on what the loopback model received and on the Result's `documents` report.
 * This is PDFium (WebAssembly, @hyzyla/pdfium) running from the package as n8n's Community
 * Nodes installer installed it. Also the Read Invoice node of examples/email-invoices-to-sheet.json
 * (JSON From Example, record output, JSON Retries) and its Google Sheets column expressions.
 */
const assert = require('assert/strict');
const fs = require('fs');
const path = require('path');

const wf = require('./workflows');
const { PDF_FILES, MAILBOX } = require('./workflows-records');
const { partsOf, describeParts, recordFor, tagOf, sha12 } = require('./answers-records');
const { safeParse, outputOf, tail, section } = require('./execution');

const PDF_DIR = path.join(__dirname, '..', 'fixtures', 'pdf');
const squash = (text) => text.replace(/\s+/g, ' ');
const DIGITAL_PAGES = [
	'This invoice covers the spring lamp order for the Lisbon office',
	'The total amount due is EUR 1,234.56, payable by 30 June 2026.',
	'Please quote reference NW-7731 when paying by bank transfer.',
];

async function pdfChecks(ctx) {
	const { check, server } = ctx;
	section('PDF attachments (Read/Write Files → Vision Chat) in every PDF Mode, and the invoice example\'s record');
	const pdf = {};
	for (const [key, file] of Object.entries(PDF_FILES)) {
		pdf[key] = fs.readFileSync(path.join(PDF_DIR, file));
		fs.writeFileSync(path.join(ctx.filesDir, file), pdf[key]);
	}
	await check('@hyzyla/pdfium (PDFium WebAssembly) is installed beside the package, as the Community Nodes installer did it', () => {
		const packageDir = path.join(ctx.userFolder, '.n8n', 'nodes', 'node_modules', 'n8n-nodes-vision-stream');
		const entry = require.resolve('@hyzyla/pdfium', { paths: [packageDir] });
		assert.ok(entry.startsWith(path.join(ctx.userFolder, '.n8n', 'nodes')), `resolved outside the user folder: ${entry}`);
		const wasm = fs.readdirSync(path.dirname(entry), { recursive: true }).filter((f) => String(f).endsWith('.wasm'));
		assert.ok(wasm.length > 0, `no .wasm file next to ${entry}`);
	});
	const run = await ctx.n8nRun('n8n execute PDF workflow', ['execute', `--id=${wf.IDS.pdf}`, '--rawOutput']);
	const execution = safeParse(run);
	const ok = await check('n8n execute: the PDF workflow runs to the end', () => {
		assert.equal(run.code, 0, tail(run.stdout + run.stderr));
		assert.equal(execution && execution.status, 'success');
	});
	if (!ok) return;
	const received = (model) => {
		const requests = server.requests.filter((q) => q.json && q.json.model === model);
		assert.equal(requests.length, 1, `${requests.length} requests for ${model}`);
		return partsOf(requests[0].json);
	};
	/** The Result of a node: one item, its text is what the server received, its documents report. */
	const resultOf = (name, parts, report) => {
		const items = outputOf(execution, name);
		assert.equal(items.length, 1);
		assert.equal(items[0].json.text, describeParts(parts), 'the Result text is not the answer to this request');
		const bytesSent = parts.reduce((sum, p) => sum + (p.type === 'text' ? Buffer.byteLength(p.text) : p.bytes.length), 0);
		assert.deepEqual(items[0].json.documents, [{ ...report, bytesSent }]);
		return items[0].json;
	};
	const pngPages = (parts, longEdge) => {
		for (const p of parts) {
			assert.equal(p.type, 'image');
			assert.equal(p.mimeType, 'image/png');
			assert.ok(p.size, 'not a PNG (no IHDR at bytes 12-23)');
			assert.equal(Math.max(p.size.width, p.size.height), longEdge, `page ${p.size.width}x${p.size.height}`);
			assert.ok(p.size.height > p.size.width, 'an A4 page should be portrait');
		}
		assert.equal(new Set(parts.map((p) => sha12(p.bytes))).size, parts.length, 'two pages rendered to the same image');
		return parts.map((p) => `${p.size.width}x${p.size.height}`).join(', ');
	};

	await check('Page Images (default): one PNG image_url part per page, long edge 1600 (PNG header), documents report', () => {
		const parts = received('e2e-pdf-images');
		assert.equal(parts.length, 3);
		resultOf('PDF Images', parts, { pages: 3, sent: [1, 2, 3], mode: 'images' });
		return pngPages(parts, 1600);
	});
	await check('PDF File: one file part whose file_data decodes to the PDF byte for byte, documents report', () => {
		const parts = received('e2e-pdf-file');
		assert.equal(parts.length, 1);
		assert.equal(parts[0].type, 'file');
		assert.equal(parts[0].filename, PDF_FILES.digital);
		assert.equal(parts[0].mimeType, 'application/pdf');
		assert.ok(parts[0].bytes.equals(pdf.digital), 'file_data is not the PDF');
		resultOf('PDF File', parts, { pages: 3, sent: [1, 2, 3], mode: 'file' });
	});
	await check('Text Layer: one "[Page N]" text part per page with that page\'s text, no image, documents report', () => {
		const parts = received('e2e-pdf-text');
		assert.deepEqual(parts.map((p) => p.type), ['text', 'text', 'text']);
		parts.forEach((p, i) => {
			assert.ok(p.text.startsWith(`[Page ${i + 1}]\n`), p.text.slice(0, 40));
			assert.ok(squash(p.text).includes(DIGITAL_PAGES[i]), `page ${i + 1} lacks "${DIGITAL_PAGES[i]}"`);
			assert.ok(squash(p.text).includes(`Page ${i + 1} of 3`));
		});
		resultOf('PDF Text', parts, { pages: 3, sent: [1, 2, 3], mode: 'text' });
	});
	await check('Text Layer on mixed-3pages.pdf: pages 1 and 3 as text, page 2 (scanned) as a 1600 px PNG, a warning says so', () => {
		const parts = received('e2e-pdf-mixed');
		assert.deepEqual(parts.map((p) => p.type), ['text', 'image', 'text']);
		assert.ok(squash(parts[0].text).includes('The meeting starts at 09:30 in room Aurora'));
		assert.ok(squash(parts[2].text).startsWith('[Page 3] ') && squash(parts[2].text).includes('Minutes approved by the board on 4 April 2026'));
		pngPages([parts[1]], 1600);
		const result = resultOf('PDF Text Mixed', parts, { pages: 3, sent: [1, 2, 3], mode: 'text' });
		assert.ok((result.warnings || []).some((w) => /page 2 has no text layer and was sent as an image/.test(w)), JSON.stringify(result.warnings));
	});
	await check('PDF Pages "2-3" with PDF Render Long Edge 800: pages 2 and 3 only, 800 px PNGs', () => {
		const parts = received('e2e-pdf-pages');
		assert.equal(parts.length, 2);
		resultOf('PDF Pages', parts, { pages: 3, sent: [2, 3], mode: 'images' });
		return pngPages(parts, 800);
	});
	await check('PDF Max Pages 2 without a selection: pages 1-2 sent, a warning names page 3', () => {
		const parts = received('e2e-pdf-max');
		assert.deepEqual(parts.map((p) => p.text.split('\n')[0]), ['[Page 1]', '[Page 2]']);
		const result = resultOf('PDF Max Pages', parts, { pages: 3, sent: [1, 2], mode: 'text' });
		assert.ok((result.warnings || []).some((w) => /pages 3 of 3 were not sent/.test(w)), JSON.stringify(result.warnings));
	});
	await invoiceExampleChecks(check, { execution, server });
}

/** The Read Invoice node of examples/email-invoices-to-sheet.json, as shipped, on the PDF attachment. */
async function invoiceExampleChecks(check, { execution, server }) {
	const requests = server.requests.filter((q) => q.json && q.json.response_format && /^This invoice was attached/.test(q.json.messages[0].content[0].text));
	const schema = requests[0] && requests[0].json.response_format.json_schema.schema;
	await check('email-invoices example, Read Invoice: the prompt reads the mail\'s subject; the strict schema of its JSON Example; PDF pages as images', () => {
		assert.equal(requests.length, 2, 'expected the first try and one JSON retry');
		assert.ok(requests[0].json.messages[0].content[0].text.includes(`with the subject "${MAILBOX.subject}"`));
		assert.equal(requests[0].json.response_format.json_schema.strict, true);
		assert.deepEqual(schema.required, ['invoiceNumber', 'vendor', 'invoiceDate', 'dueDate', 'currency', 'net', 'vat', 'total']);
		assert.equal(schema.additionalProperties, false);
		assert.deepEqual([schema.properties.total.type, schema.properties.vendor.type], ['number', 'string']);
		assert.deepEqual(partsOf(requests[0].json).map((p) => p.type), ['image', 'image', 'image']);
	});
	await check('email-invoices example, JSON Retries 1: the answer breaking the schema is sent back with its violations; the second is used', () => {
		const messages = requests[1].json.messages;
		const [assistant, repair] = messages.slice(-2);
		assert.equal(assistant.role, 'assistant');
		assert.match(assistant.content, /"total":"[0-9]+,[0-9]+"/);
		assert.equal(repair.role, 'user');
		assert.match(JSON.stringify(repair.content), /\$\.net|\$\.vat|\$\.total/);
	});
	const tag = requests[0] ? tagOf(requests[0].json) : '';
	const record = schema ? recordFor(schema, tag) : {};
	await check('email-invoices example, record output: the Result item IS the record, node facts under _visionChat', () => {
		const [item] = outputOf(execution, 'Read Invoice');
		const { _visionChat: meta, ...fields } = item.json;
		assert.deepEqual(fields, record);
		assert.equal(meta.jsonAttempts, 2);
		assert.equal(meta.model, 'test-model');
		assert.equal(meta.finishReason, 'stop');
		assert.deepEqual(meta.documents.map((d) => [d.pages, d.sent, d.mode]), [[3, [1, 2, 3], 'images']]);
	});
	await check('email-invoices example, its Google Sheets columns read the record directly ($json.total) and the mail fields', () => {
		const [row] = outputOf(execution, 'Invoice Row');
		assert.deepEqual(row.json, {
			Received: MAILBOX.date,
			From: MAILBOX.from,
			Invoice: record.invoiceNumber,
			Vendor: record.vendor,
			'Invoice Date': record.invoiceDate,
			Due: record.dueDate,
			Currency: record.currency,
			Net: record.net,
			VAT: record.vat,
			Total: record.total,
		});
		assert.equal(typeof row.json.Total, 'number');
	});
}

module.exports = { pdfChecks };
