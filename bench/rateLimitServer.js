'use strict';
/**
 * A loopback server that enforces limits the way providers do, in its own process (forked by
 * bench/rateLimits.js). argv[2] is the mode:
 *
 *   requests   600 a minute, counted per 1 s window (10 each), with honest OpenAI-style headers
 *              (x-ratelimit-limit/remaining/reset-requests); beyond: 429 + Retry-After (seconds)
 *   concurrent at most 8 requests at once; beyond: 429, no header
 *   bare       600 a minute as above, no rate-limit headers; beyond: 429 + Retry-After only
 *
 * Every accepted request gets a 200 ms stream. Tells its parent `{ port }`; answers the message
 * 'stats' with `{ accepted, refused, maxConcurrent }` and 'reset' by zeroing them.
 */
const http = require('node:http');
const { chunkJson, event } = require('./payload');

const MODE = process.argv[2];
const PER_WINDOW = 10;
const WINDOW_MS = 1000;
const MAX_CONCURRENT = 8;
const STREAM_MS = 200;

let stats = { accepted: 0, refused: 0, maxConcurrent: 0 };
let inFlight = 0;
const origin = Date.now();
let window = { index: -1, used: 0 };

function takeFromWindow(now) {
	const index = Math.floor((now - origin) / WINDOW_MS);
	if (index !== window.index) window = { index, used: 0 };
	const resetMs = origin + (index + 1) * WINDOW_MS - now;
	if (window.used >= PER_WINDOW) return { ok: false, resetMs };
	window.used++;
	return { ok: true, remaining: PER_WINDOW - window.used, resetMs };
}

function refuse(res, headers) {
	stats.refused++;
	res.writeHead(429, { 'content-type': 'application/json', ...headers });
	res.end(JSON.stringify({ error: { message: 'Rate limit reached', type: 'rate_limit_error' } }));
}

function stream(res, headers) {
	stats.accepted++;
	inFlight++;
	stats.maxConcurrent = Math.max(stats.maxConcurrent, inFlight);
	let done = false;
	const end = () => {
		if (!done) inFlight--;
		done = true;
	};
	res.on('finish', end);
	res.on('close', end);
	res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...headers });
	res.write(event(chunkJson({ role: 'assistant', content: '' })));
	setTimeout(() => res.write(event(chunkJson({ content: 'A red barn.' }))), STREAM_MS / 2);
	setTimeout(() => res.end(event(chunkJson({}, 'stop')) + 'data: [DONE]\n\n'), STREAM_MS);
}

const server = http.createServer((req, res) => {
	req.resume();
	req.on('end', () => {
		res.socket?.setNoDelay(true);
		const now = Date.now();
		if (MODE === 'concurrent') return inFlight >= MAX_CONCURRENT ? refuse(res, {}) : stream(res, {});
		const taken = takeFromWindow(now);
		const retryAfter = { 'retry-after': String(Math.max(1, Math.ceil(taken.resetMs / 1000))) };
		const headers =
			MODE === 'requests'
				? { 'x-ratelimit-limit-requests': String(PER_WINDOW), 'x-ratelimit-remaining-requests': String(taken.ok ? taken.remaining : 0), 'x-ratelimit-reset-requests': `${taken.resetMs}ms` }
				: {};
		if (!taken.ok) return refuse(res, { ...headers, ...retryAfter });
		stream(res, headers);
	});
});

server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('message', (message) => {
	if (message === 'stats') process.send?.({ stats });
	if (message === 'reset') stats = { accepted: 0, refused: 0, maxConcurrent: 0 };
});
process.on('disconnect', () => process.exit(0));

module.exports = { PER_WINDOW, WINDOW_MS, MAX_CONCURRENT, STREAM_MS };
