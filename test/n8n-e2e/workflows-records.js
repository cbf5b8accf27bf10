'use strict';
/**
 * Test workflows for structured records and PDFs, built from the shipped examples so that their
 * Vision Chat nodes run exactly as written and the examples' own column expressions are evaluated:
 *
 *   receiptFormWorkflow(example)   examples/receipt-to-sheet.json with the Google Sheets node
 *                                  replaced by a Set node holding its column expressions, and a
 *                                  Form completion page showing that row (submitted via n8n start)
 *   pdfWorkflow({ filesDir, invoiceExample })   a PDF read from disk into binary "attachment_0"
 *                                  (as the IMAP node names attachments) through every PDF mode, page
 *                                  selection, max pages, and the Read Invoice node of
 *                                  examples/email-invoices-to-sheet.json (run with `n8n execute`)
 */
const { IDS, VISION_TYPE, node, nodeId, vision, manual, readFiles, set, workflow } = require('./workflows');

const RECEIPT_FORM_PATH = 'e2e-receipt-record';
const PDF_FILES = { digital: 'digital-3pages.pdf', mixed: 'mixed-3pages.pdf' };
const MAILBOX = { subject: 'Invoice INV-2026-0042 for the Lisbon office', from: 'billing@example.test', date: '2026-04-01T09:00:00.000Z' };

const byType = (example, type) => example.nodes.find((n) => n.type === type);
const copyOf = (original, extra = {}) => ({ ...JSON.parse(JSON.stringify(original)), id: nodeId(), ...extra });

/** The Google Sheets node's column expressions as a Set node (numbers stay numbers). */
function rowFromSheetColumns(name, position, sheetNode, numeric) {
	const columns = Object.entries(sheetNode.parameters.columns.value);
	return set(name, position, columns.map(([column, value]) => [column, value, numeric.includes(column) ? 'number' : 'string']));
}

/** Set 3.4 keeps the binary data only with the other fields and "Strip Binary Data" off. */
function keepBinary(setNode) {
	Object.assign(setNode.parameters, { includeOtherFields: true, options: { stripBinary: false } });
	return setNode;
}

function receiptFormWorkflow(example) {
	const trigger = byType(example, 'n8n-nodes-base.formTrigger');
	const reader = byType(example, VISION_TYPE);
	const nodes = [
		copyOf(trigger, { webhookId: '3a1f0c2e-5b7d-4e1a-9c11-0e2e000000f1', parameters: { ...trigger.parameters, options: { ...trigger.parameters.options, path: RECEIPT_FORM_PATH } } }),
		copyOf(reader),
		rowFromSheetColumns('Expense Row', [520, 0], byType(example, 'n8n-nodes-base.googleSheets'), ['Total']),
		node(
			'Show Row',
			'n8n-nodes-base.form',
			2.5,
			[780, 0],
			{ operation: 'completion', respondWith: 'text', completionTitle: 'Saved', completionMessage: '={{ JSON.stringify($json) }}', options: {} },
			{ webhookId: '3a1f0c2e-5b7d-4e1a-9c11-0e2e000000f2' },
		),
	];
	return workflow(IDS.receipt, 'E2E: receipt form to a record (examples/receipt-to-sheet.json)', nodes, [
		[trigger.name, 0, reader.name],
		[reader.name, 0, 'Expense Row'],
		['Expense Row', 0, 'Show Row'],
	]);
}

/** The Vision Chat nodes of the PDF workflow reading the invoice: [name, model, options]. */
const PDF_NODES = [
	['PDF Images', 'e2e-pdf-images', {}], // the defaults: page images, long edge 1600
	['PDF File', 'e2e-pdf-file', { pdfMode: 'file' }],
	['PDF Text', 'e2e-pdf-text', { pdfMode: 'text' }],
	['PDF Pages', 'e2e-pdf-pages', { pdfMode: 'images', pdfPages: '2-3', pdfRenderLongEdge: 800 }],
	['PDF Max Pages', 'e2e-pdf-max', { pdfMode: 'text', pdfMaxPages: 2 }],
];

function pdfWorkflow({ filesDir, invoiceExample }) {
	const mailbox = 'Invoice Mailbox'; // the name the example's column expressions refer to
	const reader = byType(invoiceExample, VISION_TYPE);
	const attachment = (name, position, file) => readFiles(name, position, `${filesDir}/${file}`, { dataPropertyName: 'attachment_0' });
	const nodes = [
		manual(),
		attachment('Read Attachment', [220, 0], PDF_FILES.digital),
		// What the IMAP node gives: the mail's fields and the attachment as binary "attachment_0".
		keepBinary(set(mailbox, [440, 0], Object.entries(MAILBOX))),
		...PDF_NODES.map(([name, model, options], i) => vision(name, [700, -400 + i * 160], model, { prompt: 'Read this document', binaryPropertyName: '*', options })),
		copyOf(reader, { position: [700, 400] }),
		rowFromSheetColumns('Invoice Row', [960, 400], byType(invoiceExample, 'n8n-nodes-base.googleSheets'), ['Net', 'VAT', 'Total']),
		attachment('Read Mixed Attachment', [220, 600], PDF_FILES.mixed),
		vision('PDF Text Mixed', [700, 600], 'e2e-pdf-mixed', { prompt: 'Read this document', binaryPropertyName: 'attachment_0', options: { pdfMode: 'text' } }),
	];
	const links = [
		['Start', 0, 'Read Attachment'],
		['Read Attachment', 0, mailbox],
		...PDF_NODES.map(([name]) => [mailbox, 0, name]),
		[mailbox, 0, reader.name],
		[reader.name, 0, 'Invoice Row'],
		['Start', 0, 'Read Mixed Attachment'],
		['Read Mixed Attachment', 0, 'PDF Text Mixed'],
	];
	return workflow(IDS.pdf, 'E2E: PDF attachments in every PDF mode', nodes, links);
}

module.exports = { receiptFormWorkflow, pdfWorkflow, RECEIPT_FORM_PATH, PDF_FILES, PDF_NODES, MAILBOX };
