/** Rate limits through n8n's engine: one scheduler per account, shared by executions, waited out without failing items. */
import type { Handler, Step } from '../server';
import type { INodeParameters } from 'n8n-workflow';
import { VisionChat } from '../../nodes/VisionChat/VisionChat.node';
import { jsonAnswer, script, startTestServer, streamText, textEvents, type TestServer } from '../server';
import { runNode, type EngineRunOptions } from '../support/engine';

let server: TestServer;
beforeAll(async () => {
	server = await startTestServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

// Every test its own key, so its own account scheduler: nothing learnt in one test leaks into the next.
let keyNumber = 0;
const freshKey = () => `sk-rate-${process.pid}-${++keyNumber}`;

function run(apiKey: string, options: INodeParameters, items: number, extra: Partial<EngineRunOptions> & { limits?: object } = {}) {
	const { limits, ...rest } = extra;
	return runNode({
		nodeType: new VisionChat(),
		parameters: { model: { __rl: true, mode: 'id', value: 'gpt-4o' }, prompt: 'Describe.', imageInput: 'none', options },
		inputItems: Array.from({ length: items }, (_, i) => ({ json: { i } })),
		credentials: { visionChatApi: { apiKey, baseUrl: server.baseUrl, ...limits } },
		...rest,
	});
}

/**
 * Answers a short stream, counting the requests in flight at once (the server's own view): from
 * the request's arrival to the answer's last byte, `[DONE]` included.
 */
function counting(pieces: string[], delayMs: number) {
	const seen = { inFlight: 0, max: 0 };
	const steps: Step[] = [];
	for (const event of textEvents(pieces)) steps.push(delayMs, event);
	const answer = script(steps);
	const handler: Handler = (req, res) => {
		seen.inFlight++;
		seen.max = Math.max(seen.max, seen.inFlight);
		let done = false;
		const end = () => {
			if (!done) seen.inFlight--;
			done = true;
		};
		res.on('finish', end);
		res.on('close', end);
		return answer(req, res);
	};
	return { seen, handler };
}

const texts = (outputs: { json: { text?: unknown } }[][]) => outputs[0].map((item) => item.json.text);

describe('one scheduler per account', () => {
	it("two executions sharing a credential's limit never exceed it together, and both finish", async () => {
		const { seen, handler } = counting(['ok'], 10);
		server.route('*', handler);
		const key = freshKey();
		const [a, b] = await Promise.all([
			run(key, { concurrency: 4 }, 6, { limits: { maxConcurrentRequests: 2 } }),
			run(key, { concurrency: 4 }, 6, { limits: { maxConcurrentRequests: 2 } }),
		]);
		expect(a.error).toBeUndefined();
		expect(b.error).toBeUndefined();
		expect([...texts(a.outputs), ...texts(b.outputs)]).toEqual(Array(12).fill('ok'));
		expect(seen.max).toBe(2);
	});

	it('a credential limit of 1 request at a time is never exceeded (the server checks)', async () => {
		const { seen, handler } = counting(['one', ' at a time'], 5);
		server.route('*', handler);
		const { outputs, error } = await run(freshKey(), { concurrency: 8 }, 8, { limits: { maxConcurrentRequests: 1 } });
		expect(error).toBeUndefined();
		expect(texts(outputs)).toEqual(Array(8).fill('one at a time'));
		expect(server.requests).toHaveLength(8);
		expect(seen.max).toBe(1);
	});

	it("the credential's requests per minute spaces the sends evenly", async () => {
		server.route('*', streamText(['ok']));
		const { error } = await run(freshKey(), { concurrency: 6 }, 6, { limits: { maxRequestsPerMinute: 600 } });
		expect(error).toBeUndefined();
		// 600 a minute is one every 100 ms. The first arrival also waited for its connection: measured from the second.
		const times = server.requests.map((r) => r.receivedAt);
		expect(times[5] - times[1]).toBeGreaterThanOrEqual(4 * 100 - 20);
	});
});

describe('429s', () => {
	it('a 429 storm with Retry-After finishes with no item failed, without using Max Retries', async () => {
		let refused = 0;
		const ok = streamText(['done']);
		server.route('*', (req, res) => {
			if (refused < 15) {
				refused++;
				return jsonAnswer(429, { error: { message: 'Rate limit reached' } }, { 'retry-after-ms': '100' })(req, res);
			}
			return ok(req, res);
		});
		const { outputs, error } = await run(freshKey(), { concurrency: 5, maxRetries: 0 }, 10);
		expect(error).toBeUndefined();
		expect(texts(outputs)).toEqual(Array(10).fill('done'));
		expect(refused).toBe(15);
	});

	it('past Max Rate Limit Wait the item fails with an error naming it, the limit and the last headers', async () => {
		server.route('*', jsonAnswer(429, { error: { message: 'Rate limit reached' } }, { 'retry-after-ms': '150', 'x-ratelimit-limit-requests': '3' }));
		const started = Date.now();
		const { error } = await run(freshKey(), { maxRateLimitWait: 500 }, 1);
		expect(Date.now() - started).toBeLessThan(3000);
		expect(error?.message).toMatch(/^(Waited [\d.]+ s for the rate limit of|The rate limit of) http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions/);
		expect(error?.message).toMatch(/"Max Rate Limit Wait" \(0\.5 s/);
		expect(error?.message).toMatch(/HTTP 429 from the server, which asked to wait 1 s \(Retry-After\); last rate-limit headers: retry-after-ms: 150, x-ratelimit-limit-requests: 3$/);
		expect((error as { description?: string }).description).toMatch(/Raise "Max Rate Limit Wait"/);
	});

	it('with Max Rate Limit Wait 0 pacing is off: a 429 uses Max Retries as before', async () => {
		server.route('*', jsonAnswer(429, { error: { message: 'Slow down' } }, { 'retry-after-ms': '20' }));
		const { error } = await run(freshKey(), { maxRateLimitWait: 0, maxRetries: 1 }, 1);
		expect(server.requests).toHaveLength(2);
		expect(error?.message).toBe('The server answered HTTP 429: Slow down (2 attempts: HTTP 429, HTTP 429)');
	});

	it('cancelling during a rate-limit wait aborts the waiting items within a second', async () => {
		server.route('*', jsonAnswer(429, { error: { message: 'Rate limit reached' } }, { 'retry-after': '30' }));
		const started = Date.now();
		const { cancelled, hungAfterCancel, durationMs } = await run(freshKey(), { concurrency: 3 }, 3, { abortAfterMs: 300 });
		expect(cancelled).toBe(true);
		expect(hungAfterCancel).toBe(false);
		expect(durationMs).toBeLessThan(1300);
		expect(Date.now() - started).toBeLessThan(1500);
	});

	it('cancelling one execution leaves the other, waiting on the same account, to finish', async () => {
		let refused = 0;
		const ok = streamText(['after the wait']);
		server.route('*', (req, res) => {
			if (refused++ === 0) return jsonAnswer(429, { error: { message: 'Rate limit reached' } }, { 'retry-after-ms': '600' })(req, res);
			return ok(req, res);
		});
		const key = freshKey();
		const [stopped, going] = await Promise.all([
			run(key, { concurrency: 1 }, 2, { abortAfterMs: 200, limits: { maxConcurrentRequests: 1 } }),
			run(key, { concurrency: 1 }, 2, { limits: { maxConcurrentRequests: 1 } }),
		]);
		expect(stopped.cancelled).toBe(true);
		expect(going.error).toBeUndefined();
		expect(texts(going.outputs)).toEqual(['after the wait', 'after the wait']);
	});
});
