'use strict';
/**
 * What the loopback OpenAI-compatible server (test/server.ts) answers in the end-to-end suite (e2e.test.js).
 * Each answer is derived from the request itself (the image bytes, the URLs), so the suite can
 * check that every result belongs to its own input item.
 */
const crypto = require('crypto');
const { pngSize } = require('../support/n8n/png');
const { makeRecordRoutes } = require('./answers-records');

/** The image parts of a chat request: [{ url, detail?, bytes?, mimeType? }]. */
function imagesOf(body) {
	const images = [];
	for (const message of (body && body.messages) || []) {
		if (!Array.isArray(message.content)) continue;
		for (const part of message.content) {
			if (!part || part.type !== 'image_url') continue;
			const url = typeof part.image_url === 'string' ? part.image_url : part.image_url && part.image_url.url;
			const image = { url, detail: typeof part.image_url === 'object' ? part.image_url.detail : undefined };
			const match = /^data:([^;,]+);base64,(.*)$/s.exec(url || '');
			if (match) {
				image.mimeType = match[1];
				image.bytes = Buffer.from(match[2], 'base64');
			}
			images.push(image);
		}
	}
	return images;
}

const sha12 = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex').slice(0, 12);

/** "4x3 image/png sha256:0123456789ab" for an inline PNG; the URL for a remote one. */
function describeImage(image) {
	if (!image.bytes) return `url ${image.url}`;
	const size = pngSize(image.bytes);
	return `${size ? `${size.width}x${size.height}` : '?x?'} ${image.mimeType} sha256:${sha12(image.bytes)}`;
}

/** The answer text for an image (what the suite expects to find in Result.text). */
function expectedText(images) {
	return `I see ${images.length} image(s): ${images.map(describeImage).join('; ')}.`;
}

/** Cuts a text into n pieces of about equal length (the streamed deltas). */
function pieces(text, n = 4) {
	const size = Math.ceil(text.length / n);
	const out = [];
	for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
	return out;
}

function makeRoutes(server, lib) {
	const { chunk, textEvents, script, jsonAnswer } = lib;
	const usageChunk = (usage) =>
		`data: ${JSON.stringify({ id: 'chatcmpl-test', object: 'chat.completion.chunk', created: 1694268190, model: 'test-model', choices: [], usage })}\n\n`;

	/** A normal streamed answer; with stream_options.include_usage, a usage chunk before [DONE]. */
	const streamAnswer = (req, res, text) => {
		const events = textEvents(pieces(text));
		if (req.json && req.json.stream_options && req.json.stream_options.include_usage) {
			const usage = { prompt_tokens: 800 + text.length, completion_tokens: pieces(text).length, total_tokens: 800 + text.length + pieces(text).length };
			events.splice(events.length - 1, 0, usageChunk(usage));
		}
		return script(events)(req, res);
	};
	const isSize = (images, w, h) => images.some((image) => {
		const size = image.bytes && pngSize(image.bytes);
		return size && size.width === w && size.height === h;
	});

	// Several items from Read Files: one answer per image, in pieces.
	server.route('e2e-describe', (req, res) => streamAnswer(req, res, expectedText(imagesOf(req.json))));

	// The 2x2 image (b.png) is refused with HTTP 400; the others are answered.
	server.route('e2e-flaky', (req, res) => {
		const images = imagesOf(req.json);
		if (isSize(images, 2, 2)) {
			return jsonAnswer(400, { error: { message: 'e2e: this image is too small to analyse', type: 'invalid_request_error', code: 'image_too_small' } })(req, res);
		}
		return streamAnswer(req, res, expectedText(images));
	});

	// The 3x5 image (c.png) gets a stream that stops after some text: no finish_reason, no [DONE].
	const broken = script([
		`data: ${chunk({ role: 'assistant', content: '' })}\n\n`,
		`data: ${chunk({ content: 'Partial answer' })}\n\n`,
		`data: ${chunk({ content: ' before the break' })}\n\n`,
	]);
	server.route('e2e-broken', (req, res) => (isSize(imagesOf(req.json), 3, 5) ? broken(req, res) : streamAnswer(req, res, expectedText(imagesOf(req.json)))));
	server.route('e2e-broken-all', broken);

	// Image URLs: the answer lists the URLs (and detail) the server received.
	server.route('e2e-urls', (req, res) => {
		const images = imagesOf(req.json);
		const text = `URLs: ${images.map((image) => (image.bytes ? describeImage(image) : `${image.url} (detail ${image.detail})`)).join(' | ')}`;
		return streamAnswer(req, res, text);
	});

	// JSON schema answers (examples/ "image URLs to structured JSON" and the suite's own node):
	// refuses requests that do not ask for json_schema, so the check fails loudly.
	const jsonSchemaAnswer = (req, res) => {
		const format = req.json && req.json.response_format;
		if (!format || format.type !== 'json_schema' || !format.json_schema || !format.json_schema.schema) {
			return jsonAnswer(400, { error: { message: `e2e: expected response_format json_schema, got ${JSON.stringify(format)}` } })(req, res);
		}
		const images = imagesOf(req.json);
		const name = images.map((image) => (image.url || '').split('/').pop()).join(', ');
		const answer = {
			caption: `A test picture named ${name}`,
			objects: ['test object', name],
			dominantColors: ['red', 'green'],
			containsText: false,
		};
		// As a model under a strict schema: only the fields the schema has (the node validates them).
		const allowed = format.json_schema.schema.properties || answer;
		const fields = Object.fromEntries(Object.entries(answer).filter(([key]) => key in allowed));
		return streamAnswer(req, res, JSON.stringify(fields));
	};
	server.route('gpt-4o', jsonSchemaAnswer);
	server.route('e2e-json', jsonSchemaAnswer);

	// Records (json_schema, e.g. JSON From Example) and PDFs: answers-records.js.
	const { recordAnswer } = makeRecordRoutes(server, { streamAnswer, jsonAnswer });

	// The model of the form, receipt and email examples: a plain description of the uploaded
	// image, or a record when the request asks for a JSON schema.
	server.route('claude-sonnet-4-20250514', (req, res) =>
		req.json.response_format ? recordAnswer(req, res) : streamAnswer(req, res, expectedText(imagesOf(req.json))),
	);
}

module.exports = { makeRoutes, imagesOf, describeImage, expectedText, sha12 };
