'use strict';
/**
 * The benchmark's OpenAI-compatible SSE server, run as its own process (child_process.fork)
 * so that its event loop never competes with the client being measured. Routes (any prefix
 * before /chat/completions selects the behaviour, so it works as an SDK base URL):
 *
 *   POST /stream/big/chat/completions   100,000 chunks, pre-rendered once, written in one go
 *   POST /stream/warm/chat/completions  2,000 chunks (JIT warm-up)
 *   POST /ttft/chat/completions         headers at once, first chunks after 50 ms, then the rest
 *   POST /slow/chat/completions         a small answer spread over 200 ms
 *   POST /sink/chat/completions         discards the request body, answers a tiny complete stream
 *                                       whose text is the number of body bytes received
 *
 * Tells its parent `{ port }` over IPC once listening.
 */
const http = require('node:http');
const { streamEvents, chunkJson, event, BIG_CHUNKS, WARM_CHUNKS } = require('./payload');

const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };

const rendered = {
	big: Buffer.from(streamEvents(BIG_CHUNKS).events.join(''), 'utf8'),
	warm: Buffer.from(streamEvents(WARM_CHUNKS).events.join(''), 'utf8'),
};

const TTFT_DELAY_MS = 50;
const ttftFirst = Buffer.from(event(chunkJson({ role: 'assistant', content: '' })) + event(chunkJson({ content: 'Hello' })), 'utf8');
const ttftRest = Buffer.from(streamEvents(22).events.slice(1).join(''), 'utf8');

const SLOW_MS = 200;
const slowSteps = [
	[0, event(chunkJson({ role: 'assistant', content: '' }))],
	[50, event(chunkJson({ content: 'A red' }))],
	[100, event(chunkJson({ content: ' barn' }))],
	[150, event(chunkJson({ content: ' in a field.' }))],
	[SLOW_MS, event(chunkJson({}, 'stop')) + 'data: [DONE]\n\n'],
].map(([at, text]) => [at, Buffer.from(text, 'utf8')]);

function tiny(text) {
	return event(chunkJson({ role: 'assistant', content: '' })) + event(chunkJson({ content: text })) + event(chunkJson({}, 'stop')) + 'data: [DONE]\n\n';
}

const server = http.createServer((req, res) => {
	const path = (req.url ?? '/').split('?')[0];
	let received = 0;
	req.on('data', (chunk) => (received += chunk.length));
	req.on('end', () => {
		res.socket?.setNoDelay(true);
		if (req.method !== 'POST' || !path.endsWith('/chat/completions')) {
			res.writeHead(404, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ error: { message: `no route ${req.method} ${path}` } }));
			return;
		}
		const route = path.slice(0, -'/chat/completions'.length);
		if (route.startsWith('/stream/')) {
			const payload = rendered[route.slice('/stream/'.length)];
			if (!payload) return notFound(res, route);
			res.writeHead(200, SSE_HEADERS);
			res.end(payload);
		} else if (route === '/ttft') {
			res.writeHead(200, SSE_HEADERS);
			res.flushHeaders();
			setTimeout(() => {
				res.write(ttftFirst);
				res.end(ttftRest);
			}, TTFT_DELAY_MS);
		} else if (route === '/slow') {
			const start = performance.now();
			res.writeHead(200, SSE_HEADERS);
			let step = 0;
			const next = () => {
				const [, bytes] = slowSteps[step++];
				if (step === slowSteps.length) return void res.end(bytes);
				res.write(bytes);
				setTimeout(next, Math.max(0, start + slowSteps[step][0] - performance.now()));
			};
			next();
		} else if (route === '/sink') {
			res.writeHead(200, SSE_HEADERS);
			res.end(tiny(String(received)));
		} else {
			notFound(res, route);
		}
	});
});

function notFound(res, route) {
	res.writeHead(404, { 'content-type': 'application/json' });
	res.end(JSON.stringify({ error: { message: `unknown route ${route}` } }));
}

server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
	const { port } = server.address();
	if (process.send) process.send({ port });
	else console.log(`bench server on http://127.0.0.1:${port}`);
});
process.on('disconnect', () => process.exit(0));
