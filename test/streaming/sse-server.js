'use strict';
/**
 * A JavaScript twin of test/server.ts for the streaming suites (which run as plain Node scripts,
 * on Node 24 and on the system Node 20, without ts-jest): an OpenAI-compatible server on
 * loopback. GET /models lists models; POST /chat/completions answers with a slow SSE stream
 * (by default 20 text chunks, 100 ms apart), as `stream: true` asks for.
 *
 * Every request is recorded (body parsed), and every stream records when its headers went out
 * and when each text piece was written (performance.now(), same clock as the test process),
 * so a test can measure how long a piece took to reach its own HTTP client.
 *
 *   const server = await startSseServer({ pieces, delayMs });
 *   server.baseUrl        http://127.0.0.1:<port>/v1
 *   server.requests       [{ method, path, headers, body, json, receivedAt }]
 *   server.streams        [{ model, startedAt, pieceTimes: [..], endedAt }]
 *   await server.close()
 */
const http = require('http');
const { performance } = require('perf_hooks');

/** The answer the slow stream sends, in 20 pieces; joined it is `ANSWER`. */
const PIECES = [
	'The ', 'image ', 'shows ', 'a ', 'small ', 'red ', 'square ', 'on ', 'a ', 'plain ',
	'white ', 'background; ', 'nothing ', 'else ', 'is ', 'visible ', 'in ', 'the ', 'picture', '.',
];
const ANSWER = PIECES.join('');

function chunk(delta, finish = null, model = 'test-model') {
	return JSON.stringify({
		id: 'chatcmpl-stream-test',
		object: 'chat.completion.chunk',
		created: 1694268190,
		model,
		system_fingerprint: 'fp_test',
		choices: [{ index: 0, delta, finish_reason: finish }],
	});
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref());

/**
 * options.pieces   text pieces (default PIECES)
 * options.delayMs  pause between two pieces (default 100)
 * options.models   model ids for GET /models
 */
async function startSseServer(options = {}) {
	const pieces = options.pieces || PIECES;
	const delayMs = options.delayMs ?? 100;
	const models = options.models || ['claude-sonnet-4-20250514', 'gpt-4o', 'llava:13b'];
	const requests = [];
	const streams = [];
	const sockets = new Set();

	async function streamAnswer(req, res) {
		const model = (req.json && req.json.model) || 'test-model';
		const record = { model, startedAt: 0, pieceTimes: [], endedAt: 0 };
		streams.push(record);
		res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
		res.flushHeaders();
		record.startedAt = performance.now();
		res.write(`data: ${chunk({ role: 'assistant', content: '' }, null, model)}\n\n`);
		for (let i = 0; i < pieces.length; i++) {
			if (i > 0) await sleep(delayMs);
			if (res.destroyed) return;
			res.write(`data: ${chunk({ content: pieces[i] }, null, model)}\n\n`);
			record.pieceTimes.push(performance.now());
		}
		res.write(`data: ${chunk({}, 'stop', model)}\n\n`);
		res.write('data: [DONE]\n\n');
		record.endedAt = performance.now();
		res.end();
	}

	const server = http.createServer((req, res) => {
		const parts = [];
		req.on('data', (part) => parts.push(part));
		req.on('end', () => {
			const body = Buffer.concat(parts).toString('utf8');
			const recorded = { method: req.method, path: req.url, headers: req.headers, body, json: undefined, receivedAt: performance.now() };
			try {
				recorded.json = body ? JSON.parse(body) : undefined;
			} catch {
				// keep the raw body only
			}
			requests.push(recorded);
			res.socket && res.socket.setNoDelay(true);
			const url = (req.url || '/').split('?')[0];
			if (req.method === 'GET' && /\/models$/.test(url)) {
				res.writeHead(200, { 'content-type': 'application/json' });
				res.end(JSON.stringify({ object: 'list', data: models.map((id) => ({ id, object: 'model', owned_by: 'test' })) }));
				return;
			}
			if (req.method === 'POST' && /\/chat\/completions$/.test(url)) {
				streamAnswer(recorded, res).catch((error) => {
					if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
					res.end(String(error));
				});
				return;
			}
			res.writeHead(404, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ error: { message: `Invalid URL (${req.method} ${req.url})`, type: 'invalid_request_error' } }));
		});
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port || 0, '127.0.0.1', resolve);
	});
	const port = server.address().port;
	return {
		baseUrl: `http://127.0.0.1:${port}/v1`,
		port,
		requests,
		streams,
		pieces,
		answer: pieces.join(''),
		chatRequests: () => requests.filter((r) => r.method === 'POST'),
		close: () =>
			new Promise((resolve) => {
				for (const socket of sockets) socket.destroy();
				server.close(() => resolve());
			}),
	};
}

/** The image parts of a recorded chat request: [{ mimeType, bytes }] from its data: URLs. */
function imagesOf(request) {
	const out = [];
	const messages = (request && request.json && request.json.messages) || [];
	for (const message of messages) {
		if (!Array.isArray(message.content)) continue;
		for (const part of message.content) {
			if (part.type !== 'image_url') continue;
			const url = typeof part.image_url === 'string' ? part.image_url : part.image_url && part.image_url.url;
			const match = /^data:([^;,]+);base64,(.*)$/s.exec(url || '');
			if (match) out.push({ mimeType: match[1], bytes: Buffer.from(match[2], 'base64') });
			else out.push({ url });
		}
	}
	return out;
}

/** The text part of a recorded chat request's user message. */
function promptOf(request) {
	const messages = (request && request.json && request.json.messages) || [];
	const user = messages.find((m) => m.role === 'user');
	if (!user) return undefined;
	if (typeof user.content === 'string') return user.content;
	const text = user.content.find((p) => p.type === 'text');
	return text && text.text;
}

/** A valid 8x8 PNG (a red square), small enough to inline; the node reads the type from these bytes. */
const PNG_RED_8x8 = Buffer.from(
	'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEklEQVR4nGP4z8CAFWEXHbQSACj/P8Fu7N9hAAAAAElFTkSuQmCC',
	'base64',
);

module.exports = { startSseServer, imagesOf, promptOf, PIECES, ANSWER, PNG_RED_8x8, sleep };
