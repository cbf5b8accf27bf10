'use strict';
/**
 * The queue-mode suite's loopback OpenAI-compatible server: a plain-JS twin of test/server.ts
 * (same SSE framing: a role chunk, content chunks, a finish chunk, `data: [DONE]`), plus what
 * this suite needs to match answers to callers and to see aborts:
 *
 *   - every chat request is recorded with its `rid` (read from the prompt, "rid=<id>"), the
 *     SHA-256 of each image it carried (decoded from the data: URL the node sends), the model,
 *     the Authorization header, when it arrived, when its first and last content were written,
 *     when the whole answer was written (answeredAt), and when the connection closed (and whether
 *     the client closed it before the answer ended);
 *   - the answer names the rid, the image hash and size, so a caller can check it got its own.
 *
 * Models select the behaviour:
 *   queue-fast   the load answer: 6 content chunks, FAST_GAP_MS apart
 *   queue-slow   the streaming answer: SLOW_PIECES chunks, SLOW_GAP_MS apart (seconds in all)
 *   queue-stall  two content chunks, then nothing until the client goes away (at most 120 s)
 *
 * Node built-ins only; CommonJS; loads on Node 20 and 24.
 */
const http = require('node:http');
const crypto = require('node:crypto');

const FAST_GAP_MS = 60;
const SLOW_PIECES = 16;
const SLOW_GAP_MS = 200;
const STALL_MAX_MS = 120000;

function chunk(delta, finish = null) {
	return JSON.stringify({
		id: 'chatcmpl-queue',
		object: 'chat.completion.chunk',
		created: 1694268190,
		model: 'queue-test',
		system_fingerprint: 'fp_queue',
		choices: [{ index: 0, delta, finish_reason: finish }],
	});
}
const event = (json) => `data: ${json}\n\n`;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref());

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

async function startQueueServer({ apiKey }) {
	const requests = [];
	const sockets = new Set();

	const server = http.createServer((req, res) => {
		const body = [];
		req.on('data', (c) => body.push(c));
		req.on('end', () => {
			const text = Buffer.concat(body).toString('utf8');
			if (req.method === 'GET' && /\/models$/.test(req.url.split('?')[0])) {
				res.writeHead(200, { 'content-type': 'application/json' });
				res.end(JSON.stringify({ object: 'list', data: ['queue-fast', 'queue-slow', 'queue-stall'].map((id) => ({ id, object: 'model' })) }));
				return;
			}
			if (req.method !== 'POST' || !/\/chat\/completions$/.test(req.url.split('?')[0])) {
				res.writeHead(404, { 'content-type': 'application/json' });
				res.end(JSON.stringify({ error: { message: `Invalid URL (${req.method} ${req.url})` } }));
				return;
			}
			let json;
			try {
				json = JSON.parse(text);
			} catch {
				json = undefined;
			}
			const seen = describeRequest(json);
			const record = {
				rid: seen.rid,
				model: json && json.model,
				stream: json && json.stream,
				prompt: seen.prompt,
				images: seen.images,
				authorization: req.headers.authorization,
				customHeader: req.headers['x-queue-test'],
				receivedAt: Date.now(),
				firstContentAt: null,
				lastContentAt: null,
				closedAt: null,
				writes: [],
				answeredFully: false,
				closedByClient: false,
				text: '',
			};
			requests.push(record);
			res.on('close', () => {
				record.closedAt = Date.now();
				record.closedByClient = !record.answeredFully;
			});
			if (req.headers.authorization !== `Bearer ${apiKey}`) {
				record.answeredFully = true;
				res.writeHead(401, { 'content-type': 'application/json' });
				res.end(JSON.stringify({ error: { message: 'Incorrect API key provided', code: 'invalid_api_key' } }));
				return;
			}
			answer(record, res).catch((error) => {
				if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
				res.end(String(error));
			});
		});
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.setNoDelay(true);
		socket.on('close', () => sockets.delete(socket));
	});

	async function answer(record, res) {
		res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
		res.flushHeaders();
		const write = (piece) => {
			if (res.destroyed) return false;
			const now = Date.now();
			record.firstContentAt ??= now;
			record.lastContentAt = now;
			record.writes.push(now);
			record.text += piece;
			res.write(event(chunk({ content: piece })));
			return true;
		};
		res.write(event(chunk({ role: 'assistant', content: '' })));
		const image = record.images[0];
		if (record.model === 'queue-stall') {
			const pieces = answerPieces(record.rid, image, 2);
			for (const piece of pieces) {
				write(piece);
				await sleep(100);
			}
			const deadline = Date.now() + STALL_MAX_MS;
			while (!res.destroyed && Date.now() < deadline) await sleep(50);
			if (!res.destroyed) res.end();
			return;
		}
		const slow = record.model === 'queue-slow';
		const pieces = answerPieces(record.rid, image, slow ? SLOW_PIECES : 6);
		const gap = slow ? SLOW_GAP_MS : FAST_GAP_MS;
		for (const piece of pieces) {
			if (!write(piece)) return;
			await sleep(gap);
		}
		if (res.destroyed) return;
		record.answeredFully = true;
		record.answeredAt = Date.now();
		res.end(event(chunk({}, 'stop')) + 'data: [DONE]\n\n');
	}

	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	const port = server.address().port;
	return {
		port,
		baseUrl: `http://127.0.0.1:${port}/v1`,
		requests,
		close: () =>
			new Promise((resolve) => {
				for (const socket of sockets) socket.destroy();
				server.close(() => resolve());
			}),
	};
}

module.exports = { startQueueServer, answerPieces, describeRequest, SLOW_PIECES, SLOW_GAP_MS };
