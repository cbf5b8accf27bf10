/** Fault injection over loopback: what real providers, relays and proxies do to streams. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { listModels } from '../../../nodes/VisionChat/stream/transport/models';
import { jsonAnswer, script, sequence, streamText, textEvents, type Handler, type TestServer } from '../../server';
import { useLoopback } from '../harness';

const KEY = 'sk-FAULT-fingerprint-0042';
const loopback = useLoopback(KEY);
const { run, failure, errors } = loopback;
let server: TestServer;
beforeAll(() => {
	server = loopback.server;
});

/** Closes the connection without answering: a failure before the first byte. */
const hangUp: Handler = (_req, res) => {
	res.socket?.destroy();
};

describe('retries', () => {
	it('retries a connection dropped before the answer started, then succeeds', async () => {
		server.route('*', sequence(hangUp, streamText(['recovered'])));
		const result = await run();
		expect(result.choices[0].text).toBe('recovered');
		expect(result.attempts).toBe(2);
		expect(server.requests).toHaveLength(2);
	});

	it('503 forever: exactly maxRetries + 1 requests, backing off, and every attempt listed', async () => {
		server.route('*', jsonAnswer(503, { error: { message: 'No capacity' } }));
		const started = Date.now();
		const error = await failure(run({ maxRetries: 3, backoff: { baseDelayMs: 50, maxDelayMs: 1000 } }));
		const elapsed = Date.now() - started;
		expect(server.requests).toHaveLength(4);
		// 50 + 100 + 200 ms, each with up to 25% jitter below.
		expect(elapsed).toBeGreaterThanOrEqual(260);
		expect(elapsed).toBeLessThan(2000);
		expect(error.message).toBe('The server answered HTTP 503: No capacity (4 attempts: HTTP 503, HTTP 503, HTTP 503, HTTP 503)');
	});

	it('honours retry-after-ms', async () => {
		server.route('*', sequence(jsonAnswer(429, { error: { message: 'busy' } }, { 'retry-after-ms': '400' }), streamText(['ok'])));
		const started = Date.now();
		await run();
		expect(Date.now() - started).toBeGreaterThanOrEqual(390);
		expect(server.requests).toHaveLength(2);
	});

	it('does not wait an hour when the server asks for one', async () => {
		server.route('*', jsonAnswer(429, { error: { message: 'Quota exceeded' } }, { 'retry-after': '3600' }));
		const started = Date.now();
		const error = await failure(run());
		expect(Date.now() - started).toBeLessThan(1000);
		expect(server.requests).toHaveLength(1);
		expect(error.message).toBe('The server answered HTTP 429: Quota exceeded (the server asked to wait 3600 s before retrying, longer than we wait)');
	});

	it.each([400, 401, 403, 404, 422])('never retries HTTP %i', async (status) => {
		server.route('*', jsonAnswer(status, { error: { message: 'no' } }));
		await failure(run({ maxRetries: 5 }));
		expect(server.requests).toHaveLength(1);
	});

	it('never retries once content has arrived, even on a retryable failure', async () => {
		server.route('*', script([...textEvents(['Some', ' text']).slice(0, 3), 50, { reset: true }]));
		const error = await failure(run({ maxRetries: 5 }));
		expect(server.requests).toHaveLength(1);
		expect(error.partialText).toBe('Some text');
	});
});

describe('timeouts', () => {
	it('first-byte timeout: a server that never answers is retried, then reported', async () => {
		server.route('*', () => undefined); // reads the request, never answers
		const started = Date.now();
		const error = await failure(run({ firstByteTimeoutMs: 300, maxRetries: 1 }));
		const elapsed = Date.now() - started;
		expect(server.requests).toHaveLength(2);
		expect(elapsed).toBeGreaterThanOrEqual(600);
		// undici checks these timeouts on a coarse (about 0.5 s) timer.
		expect(elapsed).toBeLessThan(4000);
		expect(error.kind).toBe('timeout');
		expect(error.message).toBe('The server did not start answering within 0.3 s (2 attempts: The server did not start answering within 0.3 s, The server did not start answering within 0.3 s)');
	});

	it('total timeout caps a stream that keeps sending, and keeps the text', async () => {
		server.route('*', streamText(Array.from({ length: 50 }, (_, i) => `${i} `), 50));
		const started = Date.now();
		const error = await failure(run({ totalTimeoutMs: 400 }));
		expect(Date.now() - started).toBeLessThan(1000);
		expect(error.kind).toBe('timeout');
		expect(error.message).toBe('The request took longer than the total limit of 0.4 s');
		expect(error.partialText).toMatch(/^0 1 2 /);
	});
});

describe('bad answers', () => {
	it('garbage in data: over the wire fails with the garbage quoted and the text kept', async () => {
		server.route('*', script([...textEvents(['Good']).slice(0, 2), 'data: {not json at all\n\n']));
		const error = await failure(run());
		expect(error.message).toBe('The server sent data that is not JSON: {not json at all');
		expect(error.partialText).toBe('Good');
	});

	it('a huge event is refused', async () => {
		server.route('*', script([`data: {"x":"${'a'.repeat(3 * 1024 * 1024)}"}\n\n`]));
		const error = await failure(run({ maxEventBytes: 1024 * 1024 }));
		expect(error.message).toBe('The server sent an event larger than 1 MB, which is not a chat completion chunk');
	});

	it('an HTML page with status 200 (a login page, a wrong base URL) is summarised', async () => {
		server.route('*', (_req, res) => {
			res.writeHead(200, { 'content-type': 'text/html' });
			res.end('<html><head><title>Sign in</title></head><body>...</body></html>');
		});
		const error = await failure(run());
		expect(error.message).toBe('The server answered 200 but not with an event stream or JSON: HTML page: Sign in');
		expect(error.hint).toMatch(/base URL/);
	});

	it('a stream with no chunk at all is an error, not an empty answer', async () => {
		server.route('*', script([': keep-alive\n\n']));
		const error = await failure(run());
		expect(error.message).toBe('The server closed the stream without sending any chunk');
	});
});

describe('redirects and secrets', () => {
	it('does not follow a redirect to another host, so the key never goes there', async () => {
		const other = http.createServer((_req, res) => res.end('should not be called'));
		await new Promise<void>((resolve) => other.listen(0, '127.0.0.2', resolve));
		const target = `http://127.0.0.2:${(other.address() as AddressInfo).port}/v1/chat/completions`;
		let otherCalls = 0;
		other.on('request', () => otherCalls++);
		server.route('*', (_req, res) => {
			res.writeHead(307, { location: target });
			res.end();
		});
		const error = await failure(run());
		other.close();
		expect(otherCalls).toBe(0);
		expect(error.message).toBe(`The server redirected the request (HTTP 307) to ${target}`);
		expect(error.hint).toContain('http://127.0.0.2');
	});

	it('the key appears in no error of any failure path above, even when the server echoes it', async () => {
		server.route('*', jsonAnswer(401, { error: { message: `Invalid key ${KEY}` } }));
		await failure(run());
		server.route('*', script([`event: error\ndata: {"error":{"message":"bad key ${KEY}"}}\n\n`]));
		await failure(run());
		server.route('*', jsonAnswer(200, { error: { message: `key ${KEY} has no balance` } }));
		await failure(run());
		server.route('*', (_req, res) => {
			res.writeHead(401, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${KEY}` } }));
		});
		await expect(listModels({ baseUrl: server.baseUrl, apiKey: 'refused-key' })).rejects.toThrow(/HTTP 401/);
		expect(errors.length).toBeGreaterThan(10);
		for (const error of errors) {
			const everything = JSON.stringify({ ...error, text: error.message, trace: error.stack, hint: error.hint });
			expect(everything).not.toContain(KEY);
		}
	});
});

describe('404s', () => {
	it('a 404 about the model says the model is unknown, not that the URL is wrong', async () => {
		server.route('*', jsonAnswer(404, { error: { message: 'The model `no-such-vision-model` does not exist', code: 'model_not_found' } }));
		const error = await failure(run());
		expect(error.message).toBe('The server does not know this model (HTTP 404): The model `no-such-vision-model` does not exist (model_not_found)');
		expect(error.hint).toMatch(/From List/);
	});
});
