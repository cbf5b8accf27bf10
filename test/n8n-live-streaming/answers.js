'use strict';
/**
 * What the loopback OpenAI-compatible server (test/server.ts, loaded with test/support/load-ts)
 * answers in the streaming suites (test/n8n-live-streaming/, n8n1-compat.js,
 * repro-interleave.js): every chat request gets a slow SSE stream, by default 20 text pieces
 * 100 ms apart, in the usual framing (a role chunk, one chunk per piece, a finish chunk, [DONE]).
 *
 * Every stream records when its headers went out and when each text piece was written
 * (performance.now(), the same clock as the test process), so a test can measure how long a
 * piece took to reach its own HTTP client. Plain CommonJS: loads on Node 24 and on Node 20.
 *
 *   const server = await startStreamingServer({ pieces, delayMs });
 *   server.baseUrl, server.requests, server.close()   as in test/server.ts
 *   server.streams        [{ model, startedAt, pieceTimes: [..], endedAt }]
 *   server.pieces, server.answer, server.chatRequests()
 */
const path = require('path');
const { performance } = require('perf_hooks');
const { loadTs } = require('../support/load-ts');

const ROOT = path.resolve(__dirname, '..', '..');
const serverLib = loadTs(path.join(ROOT, 'test', 'server.ts'), ROOT);
const { startTestServer, chunk, sleep } = serverLib;

/** The answer the slow stream sends, in 20 pieces; joined it is `ANSWER`. */
const PIECES = [
	'The ', 'image ', 'shows ', 'a ', 'small ', 'red ', 'square ', 'on ', 'a ', 'plain ',
	'white ', 'background; ', 'nothing ', 'else ', 'is ', 'visible ', 'in ', 'the ', 'picture', '.',
];
const ANSWER = PIECES.join('');

/** A route handler: streams `pieces` `delayMs` apart and records its timings in `streams`. */
function timedStream(streams, pieces, delayMs) {
	return async (req, res) => {
		const model = (req.json && req.json.model) || 'test-model';
		const event = (delta, finish = null) => `data: ${chunk(delta, { finish, model })}\n\n`;
		const record = { model, startedAt: 0, pieceTimes: [], endedAt: 0 };
		streams.push(record);
		res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
		res.flushHeaders();
		record.startedAt = performance.now();
		res.write(event({ role: 'assistant', content: '' }));
		for (let i = 0; i < pieces.length; i++) {
			if (i > 0) await sleep(delayMs);
			if (res.destroyed) return;
			res.write(event({ content: pieces[i] }));
			record.pieceTimes.push(performance.now());
		}
		res.write(event({}, 'stop'));
		res.write('data: [DONE]\n\n');
		record.endedAt = performance.now();
		res.end();
	};
}

/**
 * options.pieces   text pieces (default PIECES)
 * options.delayMs  pause between two pieces (default 100)
 */
async function startStreamingServer(options = {}) {
	const pieces = options.pieces || PIECES;
	const delayMs = options.delayMs ?? 100;
	const server = await startTestServer();
	const streams = [];
	server.route('*', timedStream(streams, pieces, delayMs));
	return Object.assign(server, {
		streams,
		pieces,
		answer: pieces.join(''),
		chatRequests: () => server.requests.filter((r) => r.method === 'POST'),
	});
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

module.exports = { startStreamingServer, timedStream, imagesOf, promptOf, PIECES, ANSWER, PNG_RED_8x8, sleep };
