'use strict';
/**
 * The loopback model's answers for structured records and PDFs (see answers.js for the others).
 *
 *   recordFor(schema, tag)   the record a model answers for a JSON schema: every property filled,
 *                            strings "<key> <tag>", numbers derived from key and tag, arrays one
 *                            element; tag = sha12 of the first image or file the request carried
 *   partsOf(body)            the content parts of the user turn after the prompt, decoded:
 *                            [{ type: 'text', text } | { type: 'image', mimeType, bytes, size }
 *                            | { type: 'file', filename, mimeType, bytes }]
 *   describeParts(parts)     the answer of the e2e-pdf-* models: what they received, part by part
 *
 * Record conversations: the first answer breaks the schema (numbers as "12,50" strings), the
 * answer to the node's repair turn (it carries an assistant message) is valid, so JSON Retries
 * and `_visionChat.jsonAttempts` are exercised in every record run.
 */
const crypto = require('crypto');
const { pngSize } = require('../support/n8n/png');

const sha12 = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex').slice(0, 12);
const dataUrl = (url) => /^data:([^;,]+);base64,(.*)$/s.exec(url || '');

function partsOf(body) {
	const user = ((body && body.messages) || []).find((m) => m.role === 'user' && Array.isArray(m.content));
	if (!user) return [];
	return user.content.slice(1).map((part) => {
		if (part.type === 'text') return { type: 'text', text: part.text };
		if (part.type === 'file') {
			const match = dataUrl(part.file && part.file.file_data);
			return { type: 'file', filename: part.file && part.file.filename, mimeType: match && match[1], bytes: match ? Buffer.from(match[2], 'base64') : undefined };
		}
		const match = dataUrl(typeof part.image_url === 'string' ? part.image_url : part.image_url && part.image_url.url);
		const bytes = match ? Buffer.from(match[2], 'base64') : undefined;
		return { type: 'image', mimeType: match && match[1], bytes, size: bytes && pngSize(bytes) };
	});
}

function describeParts(parts) {
	const one = (p) => {
		if (p.type === 'text') return `text ${Buffer.byteLength(p.text)} bytes`;
		if (p.type === 'file') return `file ${p.filename} ${p.mimeType} ${p.bytes ? p.bytes.length : '?'} bytes`;
		return `image ${p.size ? `${p.size.width}x${p.size.height}` : '?x?'} ${p.mimeType}`;
	};
	return `Parts: ${parts.map(one).join(' | ')}`;
}

const numberFor = (key, tag) => (parseInt(sha12(`${key}:${tag}`).slice(0, 6), 16) % 100000) / 100;

function recordFor(schema, tag, key = '', broken = false) {
	const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
	if (type === 'object') return Object.fromEntries(Object.entries(schema.properties || {}).map(([k, s]) => [k, recordFor(s, tag, k, broken)]));
	if (type === 'array') return [recordFor(schema.items || {}, tag, key, broken)];
	if (type === 'number' || type === 'integer') return broken ? String(numberFor(key, tag)).replace('.', ',') : numberFor(key, tag);
	if (type === 'boolean') return true;
	return `${key} ${tag}`;
}

/** The tag of a request: sha12 of its first image or file. */
function tagOf(body) {
	const first = partsOf(body).find((p) => p.bytes);
	return first ? sha12(first.bytes) : 'none';
}

function makeRecordRoutes(server, { streamAnswer, jsonAnswer }) {
	/** The answer for a json_schema request: a record of that schema, broken on the first try. */
	const recordAnswer = (req, res) => {
		const format = req.json.response_format;
		const schema = format && format.type === 'json_schema' && format.json_schema && format.json_schema.schema;
		if (!schema) return jsonAnswer(400, { error: { message: `e2e: expected response_format json_schema, got ${JSON.stringify(format)}` } })(req, res);
		const repairTurn = req.json.messages.some((m) => m.role === 'assistant');
		return streamAnswer(req, res, JSON.stringify(recordFor(schema, tagOf(req.json), '', !repairTurn)));
	};
	const pdfAnswer = (req, res) => streamAnswer(req, res, describeParts(partsOf(req.json)));
	for (const model of ['e2e-pdf-images', 'e2e-pdf-file', 'e2e-pdf-text', 'e2e-pdf-mixed', 'e2e-pdf-pages', 'e2e-pdf-max']) server.route(model, pdfAnswer);
	return { recordAnswer };
}

module.exports = { makeRecordRoutes, recordFor, partsOf, describeParts, tagOf, sha12 };
