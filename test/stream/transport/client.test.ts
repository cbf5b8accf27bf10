import { InlineImage } from '../../../nodes/VisionChat/stream/request/body';
import { chunk, jsonAnswer, script, sequence, streamText, textEvents, type TestServer } from '../../server';
import { useLoopback } from '../harness';

const KEY = 'sk-test-SECRET-4242';
const loopback = useLoopback(KEY);
const { run, failure } = loopback;
let server: TestServer;
beforeAll(() => {
	server = loopback.server;
});

describe('streamChatCompletion over loopback', () => {
	it('streams the reference answer and reports chunks live with sequence and timing', async () => {
		server.route('*', streamText(['The', ' image', ' shows a cat.'], 20));
		const seen: Array<[number, string | null | undefined]> = [];
		const result = await run({ onChunk: (c, info) => seen.push([info.sequence, c.choices?.[0]?.delta?.content as string | undefined]) });
		expect(result.choices).toEqual([{ index: 0, text: 'The image shows a cat.', finishReason: 'stop' }]);
		expect(result.completion).toBe('done');
		expect(result.chunkCount).toBe(5);
		expect(seen).toEqual([[0, ''], [1, 'The'], [2, ' image'], [3, ' shows a cat.'], [4, undefined]]);
		expect(result.timeToFirstTokenMs).toBeGreaterThanOrEqual(15);
		expect(result.durationMs).toBeGreaterThanOrEqual(result.timeToFirstTokenMs!);
		expect([result.id, result.model, result.systemFingerprint, result.created]).toEqual(['chatcmpl-test', 'test-model', 'fp_test', 1694268190]);
	});

	it('sends the bearer key, JSON content type and accept header, and the body as given', async () => {
		server.route('*', streamText(['ok']));
		await run({ apiKey: KEY, headers: { 'x-title': 'n8n' } });
		const [req] = server.requests;
		expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
		expect(req.headers['content-type']).toBe('application/json');
		expect(req.headers.accept).toContain('text/event-stream');
		expect(req.headers['x-title']).toBe('n8n');
		expect(req.json).toEqual({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true });
	});

	it('streams inline images into the body as base64 data URLs with an exact content-length', async () => {
		server.route('*', streamText(['ok']));
		const bytes = Buffer.alloc(500_001, 7);
		bytes[0] = 0x89;
		await run({ body: { model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: new InlineImage('image/png', bytes) } }] }] } });
		const [req] = server.requests;
		expect(Number(req.headers['content-length'])).toBe(Buffer.byteLength(req.body));
		expect(req.json.messages[0].content[0].image_url.url).toBe(`data:image/png;base64,${bytes.toString('base64')}`);
	});

	it('is complete on finish_reason even without [DONE]', async () => {
		server.route('*', script(textEvents(['a', 'b']).slice(0, -1)));
		const result = await run();
		expect(result.choices[0].text).toBe('ab');
		expect(result.completion).toBe('finish_reason');
	});

	it('keeps the usage chunk that follows the finish chunk', async () => {
		server.route(
			'*',
			script([
				...textEvents(['x']).slice(0, -1),
				`data: ${JSON.stringify({ id: 'chatcmpl-test', object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: 9, completion_tokens: 1, total_tokens: 10 } })}\n\n`,
				'data: [DONE]\n\n',
			]),
		);
		const result = await run();
		expect(result.usage).toEqual({ prompt_tokens: 9, completion_tokens: 1, total_tokens: 10 });
		expect(result.chunkCount).toBe(4);
	});

	it('joins n > 1 choices apart and waits for every choice to finish', async () => {
		server.route(
			'*',
			script([
				`data: ${chunk({ content: 'one' }, { index: 0 })}\n\n`,
				`data: ${chunk({ content: 'two' }, { index: 1 })}\n\n`,
				`data: ${chunk({}, { index: 0, finish: 'stop' })}\n\n`,
			]),
		);
		const error = await failure(run({ expectedChoices: 2 }));
		expect(error.kind).toBe('incomplete');
		expect(error.partialText).toBe('one');
	});

	it('a stream that ends without finish_reason or [DONE] fails and keeps the partial text', async () => {
		server.route('*', script(textEvents(['Partial', ' answer', ' cut']).slice(0, 4)));
		const error = await failure(run());
		expect(error.kind).toBe('incomplete');
		expect(error.message).toBe('The stream ended before the answer was complete (no finish_reason and no [DONE] after 4 chunks)');
		expect(error.partialText).toBe('Partial answer cut');
		expect(error.chunkCount).toBe(4);
		expect(server.requests).toHaveLength(1);
	});

	it('a connection reset mid-stream fails with the partial text and is not retried', async () => {
		server.route('*', script([...textEvents(['Half', ' of it']).slice(0, 3), 30, { reset: true }]));
		const error = await failure(run({ maxRetries: 3 }));
		expect(error.kind).toBe('network');
		expect(error.message).toMatch(/^The connection was lost mid-stream after 3 chunks/);
		expect(error.partialText).toBe('Half of it');
		expect(server.requests).toHaveLength(1);
	});

	it('an event: error mid-stream fails with the server message and the partial text', async () => {
		server.route('*', script([...textEvents(['So far']).slice(0, 2), 'event: error\ndata: {"error":{"message":"Model crashed"}}\n\n']));
		const error = await failure(run());
		expect(error.message).toBe('The server reported an error mid-stream: Model crashed');
		expect(error.partialText).toBe('So far');
	});

	it('a 200 JSON error body is a failure with its message', async () => {
		server.route('*', jsonAnswer(200, { error: { message: 'Insufficient balance', type: 'billing' } }));
		const error = await failure(run());
		expect(error.kind).toBe('server');
		expect(error.message).toBe('The server answered 200 with an error: Insufficient balance (billing)');
	});

	it('accepts a complete non-streamed chat.completion from a server that ignores stream', async () => {
		server.route(
			'*',
			jsonAnswer(200, {
				id: 'chatcmpl-9',
				object: 'chat.completion',
				created: 1,
				model: 'local',
				choices: [{ index: 0, message: { role: 'assistant', content: 'All at once' }, finish_reason: 'stop' }],
				usage: { prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 },
			}),
		);
		const result = await run();
		expect(result.completion).toBe('non_streamed');
		expect(result.choices[0]).toEqual({ index: 0, text: 'All at once', finishReason: 'stop' });
		expect(result.usage?.total_tokens).toBe(4);
	});

	it('reads SSE served as text/plain', async () => {
		server.route('*', script(textEvents(['plain']), 200, { 'content-type': 'text/plain' }));
		expect((await run()).choices[0].text).toBe('plain');
	});

	it('401 says the API key was refused, with the server message, and never retries', async () => {
		server.route('*', jsonAnswer(401, { error: { message: `Incorrect API key provided: ${KEY}`, code: 'invalid_api_key' } }));
		const error = await failure(run({ maxRetries: 3 }));
		expect(error.httpCode).toBe(401);
		expect(error.message).toBe('The API key was refused (HTTP 401): Incorrect API key provided: [redacted] (invalid_api_key)');
		expect(error.message).not.toContain(KEY);
		expect(error.hint).toMatch(/API key/);
		expect(server.requests).toHaveLength(1);
	});

	it('404 names the URL it tried', async () => {
		const url = `${server.baseUrl}/v1/chat/completions`;
		server.route('*', jsonAnswer(404, { error: { message: 'Not found' } }));
		const error = await failure(run({ url }));
		expect(error.message).toBe(`Nothing found at ${url} (HTTP 404): Not found`);
		expect(error.hint).toMatch(/base URL/);
	});

	it('an HTML error page is summarised, not pasted whole', async () => {
		const page = `<!DOCTYPE html><html><head><title>502 Bad Gateway</title><style>body{}</style></head><body><h1>Bad Gateway</h1>${'<p>x</p>'.repeat(500)}</body></html>`;
		server.route('*', (_req, res) => {
			res.writeHead(502, { 'content-type': 'text/html' });
			res.end(page);
		});
		const error = await failure(run({ maxRetries: 0 }));
		expect(error.message).toBe('The server answered HTTP 502: HTML page: 502 Bad Gateway – Bad Gateway');
	});

	it('retries 429 honouring Retry-After, then succeeds', async () => {
		server.route('*', sequence(jsonAnswer(429, { error: { message: 'Slow down' } }, { 'retry-after': '1' }), streamText(['fine'])));
		const started = Date.now();
		const result = await run({ maxRetries: 2 });
		expect(Date.now() - started).toBeGreaterThanOrEqual(950);
		expect(result.choices[0].text).toBe('fine');
		expect(result.attempts).toBe(2);
		expect(server.requests).toHaveLength(2);
	});

	it('gives up after maxRetries and lists every attempt', async () => {
		server.route('*', jsonAnswer(503, { error: { message: 'Overloaded' } }));
		const error = await failure(run({ maxRetries: 2 }));
		expect(server.requests).toHaveLength(3);
		expect(error.message).toBe('The server answered HTTP 503: Overloaded (3 attempts: HTTP 503, HTTP 503, HTTP 503)');
		expect(error.attempts?.map((a) => a.httpCode)).toEqual([503, 503, 503]);
	});

	it('times out when no data arrives between chunks, keeping the partial text', async () => {
		server.route('*', script([...textEvents(['Before', ' stall']).slice(0, 3), 2_000]));
		const error = await failure(run({ idleTimeoutMs: 300 }));
		expect(error.kind).toBe('timeout');
		expect(error.message).toBe('No data from the server for 0.3 s after 3 chunks');
		expect(error.partialText).toBe('Before stall');
		expect(server.requests).toHaveLength(1);
	});

	it('aborting the signal cancels the request at once and says so', async () => {
		server.route('*', streamText(['a', 'b', 'c', 'd', 'e'], 200));
		const controller = new AbortController();
		setTimeout(() => controller.abort(), 300);
		const started = Date.now();
		const error = await failure(run({ signal: controller.signal }));
		expect(Date.now() - started).toBeLessThan(800);
		expect(error.kind).toBe('cancelled');
		expect(error.message).toBe('The execution was cancelled; the request to the model was aborted');
		expect(error.partialText).toBe('a');
	});

	it('connection refused names the origin and the fix', async () => {
		const error = await failure(run({ url: 'http://127.0.0.1:9/v1/chat/completions', maxRetries: 0 }));
		expect(error.message).toBe('Could not connect to http://127.0.0.1:9: connection refused');
		expect(error.hint).toMatch(/base URL/);
	});
});
