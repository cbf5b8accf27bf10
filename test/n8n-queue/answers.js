'use strict';
/**
 * What the loopback OpenAI-compatible server (test/server.ts, loaded with test/support/load-ts)
 * answers in the queue-mode suite, and what it notes so the suite can match answers to callers
 * and see aborts. test/server.ts records every request (receivedAt, answeredAt, closedAt,
 * closedByClient); the chat handler here adds to each chat request's record its `rid` (read
 * from the prompt, "rid=<id>"), the SHA-256 of each image it carried (decoded from the data: URL
 * the node sends), the model, the Authorization header, when its first and last content were
 * written (and each write), the text written, and whether the answer was written in full.
 * The answer names the rid, the image hash and size, so a caller can check it got its own.
 *
 * Models select the behaviour:
 *   queue-fast   the load answer: 6 content chunks, FAST_GAP_MS apart
 *   queue-slow   the streaming answer: SLOW_PIECES chunks, SLOW_GAP_MS apart (seconds in all)
 *   queue-stall  two content chunks, then nothing until the client goes away (at most 120 s)
 * A request whose prompt says hold=<key> gets its role chunk, then nothing until
 * server.release(key) (at most 120 s; ./conversation.js keeps a worker's slots busy with them).
 *
 * CommonJS; loads on Node 20 and 24.
 */
const path = require('node:path');
const crypto = require('node:crypto');
const { loadTs } = require('../support/load-ts');

const ROOT = path.resolve(__dirname, '..', '..');
const { startTestServer, chunk, sleep, jsonAnswer } = loadTs(path.join(ROOT, 'test', 'server.ts'), ROOT);

const FAST_GAP_MS = 60;
const SLOW_PIECES = 16;
const SLOW_GAP_MS = 200;
const STALL_MAX_MS = 120000;

const event = (delta, finish = null) => `data: ${chunk(delta, { finish, id: 'chatcmpl-queue', model: 'queue-test' })}\n\n`;

/** What the prompt and images of a chat request say: rid, image hashes and sizes. */
function describeRequest(json) {
	const out = { rid: null, prompt: '', images: [] };
	const messages = Array.isArray(json && json.messages) ? json.messages : [];
	const user = messages.filter((m) => m && m.role === 'user').pop();
	const parts = user && Array.isArray(user.content) ? user.content : user ? [{ type: 'text', text: String(user.content) }] : [];
	for (const part of parts) {
		if (part.type === 'text') out.prompt += part.text;
		if (part.type === 'image_url') {
			const url = typeof part.image_url === 'string' ? part.image_url : part.image_url && part.image_url.url;
			const m = /^data:([^;,]+);base64,(.*)$/s.exec(url || '');
			if (m) {
				const bytes = Buffer.from(m[2], 'base64');
				out.images.push({ mime: m[1], bytes: bytes.length, sha: crypto.createHash('sha256').update(bytes).digest('hex').slice(0, 16) });
			} else out.images.push({ url });
		}
	}
	const rid = /rid=([A-Za-z0-9_-]+)/.exec(out.prompt);
	out.rid = rid ? rid[1] : null;
	return out;
}

/** The text the server answers a request with; callers compute the same to check theirs. */
function answerPieces(rid, image, pieces) {
	const base = [`Seen image ${image ? image.sha : 'none'}`, ` (${image ? image.bytes : 0} bytes`, ` ${image ? image.mime : '-'})`, ` for rid=${rid}.`];
	while (base.length < pieces) base.push(` part ${base.length}.`);
	return base;
}

/** The chat route: notes what the request carried on its record, then answers as its model says. */
function queueAnswer(apiKey, released = new Set()) {
	const refused = jsonAnswer(401, { error: { message: 'Incorrect API key provided', code: 'invalid_api_key' } });
	return async (record, res) => {
		const json = record.json;
		const seen = describeRequest(json);
		Object.assign(record, {
			rid: seen.rid,
			model: json && json.model,
			stream: json && json.stream,
			prompt: seen.prompt,
			images: seen.images,
			authorization: record.headers.authorization,
			customHeader: record.headers['x-queue-test'],
			firstContentAt: null,
			lastContentAt: null,
			writes: [],
			answeredFully: false,
			text: '',
		});
		if (record.authorization !== `Bearer ${apiKey}`) {
			record.answeredFully = true;
			return refused(record, res);
		}
		res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
		res.flushHeaders();
		const write = (piece) => {
			if (res.destroyed) return false;
			const now = Date.now();
			record.firstContentAt ??= now;
			record.lastContentAt = now;
			record.writes.push(now);
			record.text += piece;
			res.write(event({ content: piece }));
			return true;
		};
		res.write(event({ role: 'assistant', content: '' }));
		const hold = /hold=([A-Za-z0-9_-]+)/.exec(seen.prompt);
		for (const deadline = Date.now() + STALL_MAX_MS; hold && !released.has(hold[1]) && !res.destroyed && Date.now() < deadline; ) await sleep(20);
		const image = record.images[0];
		if (record.model === 'queue-stall') {
			for (const piece of answerPieces(record.rid, image, 2)) {
				write(piece);
				await sleep(100);
			}
			const deadline = Date.now() + STALL_MAX_MS;
			while (!res.destroyed && Date.now() < deadline) await sleep(50);
			if (!res.destroyed) res.end();
			return;
		}
		const slow = record.model === 'queue-slow';
		const gap = slow ? SLOW_GAP_MS : FAST_GAP_MS;
		for (const piece of answerPieces(record.rid, image, slow ? SLOW_PIECES : 6)) {
			if (!write(piece)) return;
			await sleep(gap);
		}
		if (res.destroyed) return;
		record.answeredFully = true;
		res.end(event({}, 'stop') + 'data: [DONE]\n\n');
	};
}

/** test/server.ts with the queue models and the queue chat route; server.requests holds every request; server.release(key) ends a hold. */
async function startQueueServer({ apiKey }) {
	const server = await startTestServer();
	server.models = ['queue-fast', 'queue-slow', 'queue-stall'];
	const released = new Set();
	server.route('*', queueAnswer(apiKey, released));
	server.release = (key) => released.add(key);
	return server;
}

module.exports = { startQueueServer, queueAnswer, answerPieces, describeRequest, SLOW_PIECES, SLOW_GAP_MS };
