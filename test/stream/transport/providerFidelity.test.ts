/** Behaviours of real providers that must come out right, over loopback through the real client. */
import { brotliCompressSync, constants, deflateSync, gzipSync, createGzip } from 'node:zlib';
import { chunk, jsonAnswer, script, textEvents, type TestServer } from '../../server';
import { useLoopback } from '../harness';
import { listModels } from '../../../nodes/VisionChat/stream/transport/models';
import { chatCompletionsUrl, modelsUrl } from '../../../nodes/VisionChat/stream/request/endpoint';

const KEY = 'sk-fidelity-SECRET-77';
const loopback = useLoopback(KEY);
const { run, failure } = loopback;
let server: TestServer;
beforeAll(() => {
	server = loopback.server;
});

const sse = (objects: object[]) => objects.map((o) => `data: ${JSON.stringify(o)}\n\n`);
const base = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1700000000, model: 'm' };
const delta = (d: object, finish: string | null = null, index = 0) => ({ ...base, choices: [{ index, delta: d, finish_reason: finish }] });

/** A server that never closes: the test proves the client does not wait for it. */
function holdOpen(steps: Array<string | number>) {
	return script([...steps, 60_000]);
}

describe('the end of an answer', () => {
	it('[DONE] ends the request at once although the server keeps the connection open', async () => {
		server.route('*', holdOpen(textEvents(['complete'])));
		const started = Date.now();
		const result = await run({ idleTimeoutMs: 20_000 });
		expect(Date.now() - started).toBeLessThan(1000);
		expect(result.choices[0].text).toBe('complete');
		expect(result.completion).toBe('done');
	});

	it('[DONE] then keep-alive bytes and comments: still ends at once', async () => {
		server.route('*', holdOpen([...textEvents(['ok']), '\n\n', ': keep-alive\n\n', 200, ': ping\n\n', 200, '\n']));
		const started = Date.now();
		const result = await run({ idleTimeoutMs: 20_000 });
		expect(Date.now() - started).toBeLessThan(1000);
		expect(result.choices[0].text).toBe('ok');
	});

	it('[DONE] in the very first network read, server silent after', async () => {
		server.route('*', holdOpen([textEvents(['one read']).join('')]));
		const started = Date.now();
		const result = await run({ idleTimeoutMs: 20_000 });
		expect(Date.now() - started).toBeLessThan(1000);
		expect(result.choices[0].text).toBe('one read');
	});

	it('every choice finished, then silence without [DONE]: complete after a short grace, usage that follows still counted', async () => {
		const usage = { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 };
		server.route('*', holdOpen(sse([delta({ content: 'a' }), delta({}, 'stop'), { ...base, choices: [], usage }])));
		const started = Date.now();
		const result = await run({ idleTimeoutMs: 20_000, finishGraceMs: 300 });
		expect(Date.now() - started).toBeLessThan(1500);
		expect(result.completion).toBe('finish_reason');
		expect(result.choices[0]).toEqual({ index: 0, text: 'a', finishReason: 'stop' });
		expect(result.usage).toEqual(usage);
	});

	it('with n=2 the grace starts only when both choices finished', async () => {
		server.route('*', holdOpen([...sse([delta({ content: 'x' }, 'stop', 0), delta({ content: 'y' }, null, 1)]), 600, ...sse([delta({ content: 'z' }, 'stop', 1)])]));
		const result = await run({ idleTimeoutMs: 20_000, finishGraceMs: 300, expectedChoices: 2 });
		expect(result.choices.map((c) => c.text)).toEqual(['x', 'yz']);
	});
});

describe('content as a list of typed parts (Magistral)', () => {
	it('text parts join the text, thinking parts the reasoning, and count for time to first token', async () => {
		server.route('*', script(sse([
			delta({ role: 'assistant', content: '' }),
			delta({ content: [{ type: 'thinking', thinking: [{ type: 'text', text: 'Let me look. ' }] }] }),
			delta({ content: [{ type: 'thinking', thinking: [{ type: 'text', text: 'A cat.' }] }] }),
			delta({ content: [{ type: 'text', text: 'It is ' }] }),
			delta({ content: 'a cat.' }),
			delta({}, 'stop'),
		]).concat('data: [DONE]\n\n')));
		const seen: unknown[] = [];
		const result = await run({ onChunk: (c) => seen.push(c.choices?.[0]?.delta?.content) });
		expect(result.choices[0]).toEqual({ index: 0, text: 'It is a cat.', reasoning: 'Let me look. A cat.', finishReason: 'stop' });
		expect(result.timeToFirstTokenMs).not.toBeNull();
		expect(result.warnings).toBeUndefined();
		expect(seen[1]).toEqual([{ type: 'thinking', thinking: [{ type: 'text', text: 'Let me look. ' }] }]);
	});

	it('an unknown part type is kept and reported in warnings', async () => {
		server.route('*', script(sse([delta({ content: [{ type: 'text', text: 'Hi' }, { type: 'audio', audio: 'AAA' }] }), delta({}, 'stop')]).concat('data: [DONE]\n\n')));
		const result = await run();
		expect(result.choices[0].text).toBe('Hi');
		expect(result.warnings).toEqual([expect.stringMatching(/content parts of type "audio".*Chunks output/)]);
	});

	it('an answer that arrived only in unknown parts is an error, never an empty success', async () => {
		server.route('*', script(sse([delta({ content: [{ type: 'image', image: 'xyz' }] }), delta({}, 'stop')]).concat('data: [DONE]\n\n')));
		const error = await failure(run());
		expect(error.message).toMatch(/only as content parts of type "image"/);
		expect(error.hint).toMatch(/Emit Chunks/);
	});
});

describe('refusals', () => {
	it('are collected per choice and warned about; the item succeeds', async () => {
		server.route('*', script(sse([delta({ role: 'assistant', refusal: '' }), delta({ refusal: "I'm sorry, " }), delta({ refusal: 'I cannot help.' }), delta({}, 'stop')]).concat('data: [DONE]\n\n')));
		const result = await run();
		expect(result.choices[0]).toEqual({ index: 0, text: '', refusal: "I'm sorry, I cannot help.", finishReason: 'stop' });
		expect(result.warnings).toEqual(["The model refused: I'm sorry, I cannot help."]);
	});
});

describe('tool calls', () => {
	const call = (index: number | undefined, id: string | undefined, name: string | undefined, args: string) => ({
		...(index === undefined ? {} : { index }),
		...(id ? { id, type: 'function' } : {}),
		function: { ...(name ? { name } : {}), arguments: args },
	});
	it('parallel calls that all say index 0 (Ollama) are told apart by their id', async () => {
		server.route('*', script(sse([
			delta({ tool_calls: [call(0, 'call_a', 'get_weather', '{"city":"Paris"}')] }),
			delta({ tool_calls: [call(0, 'call_b', 'get_weather', '{"city":"Rome"}')] }),
			delta({}, 'tool_calls'),
		]).concat('data: [DONE]\n\n')));
		const result = await run();
		expect(result.choices[0].toolCalls).toEqual([
			{ id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
			{ id: 'call_b', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
		]);
	});

	it('calls without index (Gemini, Mistral) and calls whose first index is 1 keep working', async () => {
		server.route('*', script(sse([
			delta({ tool_calls: [call(undefined, 'g1', 'a', '{"x":'), call(undefined, undefined, undefined, '1}')] }),
			delta({ tool_calls: [call(undefined, 'g2', 'b', '{}')] }),
			delta({}, 'tool_calls'),
		]).concat('data: [DONE]\n\n')));
		const noIndex = await run();
		expect(noIndex.choices[0].toolCalls?.map((c) => [c.id, c.function.name, c.function.arguments])).toEqual([['g1', 'a', '{"x":1}'], ['g2', 'b', '{}']]);

		server.route('*', script(sse([delta({ tool_calls: [call(1, 'c1', 'f', '{"a"')] }), delta({ tool_calls: [call(1, undefined, undefined, ':2}')] }), delta({}, 'tool_calls')]).concat('data: [DONE]\n\n')));
		const fromOne = await run();
		expect(fromOne.choices[0].toolCalls).toEqual([{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":2}' } }]);
	});
});

describe('usage and placeholders', () => {
	it("takes Groq's x_groq.usage when there is no top-level usage", async () => {
		const usage = { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12, queue_time: 0.01 };
		server.route('*', script(sse([delta({ content: 'g' }), { ...delta({}, 'stop'), x_groq: { id: 'req_1', usage } }]).concat('data: [DONE]\n\n')));
		expect((await run()).usage).toEqual(usage);
	});

	it('cumulative usage on every chunk (xAI): the last value wins, nested details as sent', async () => {
		const u = (n: number) => ({ prompt_tokens: 10, completion_tokens: n, total_tokens: 10 + n, prompt_tokens_details: { cached_tokens: 4 }, cost: 0.0002 * n });
		server.route('*', script(sse([{ ...delta({ content: 'a' }), usage: u(1) }, { ...delta({ content: 'b' }), usage: u(2) }, { ...delta({}, 'stop'), usage: u(3) }]).concat('data: [DONE]\n\n')));
		expect((await run()).usage).toEqual(u(3));
	});

	it("Azure's placeholder first chunk never sets id, model or created", async () => {
		const placeholder = { id: '', object: '', created: 0, model: '', choices: [], prompt_filter_results: [{ prompt_index: 0, content_filter_results: {} }] };
		server.route('*', script(sse([placeholder, delta({ content: 'az' }), { ...base, choices: [{ index: 0, finish_reason: 'stop', content_filter_results: {} }] }]).concat('data: [DONE]\n\n')));
		const result = await run();
		expect([result.id, result.model, result.created]).toEqual(['chatcmpl-1', 'm', 1700000000]);
		expect(result.choices[0].text).toBe('az');
	});
});

describe('compressed bodies', () => {
	const body = textEvents(['Grüße ', 'aus ', 'gzip 🎉']).join('');
	it.each([
		['gzip', (b: Buffer) => gzipSync(b)],
		['deflate', (b: Buffer) => deflateSync(b)],
		['br', (b: Buffer) => brotliCompressSync(b)],
	])('decodes a %s event stream', async (encoding, compress) => {
		const bytes = compress(Buffer.from(body));
		// Written in small slices so decoding happens across reads.
		const slices: Buffer[] = [];
		for (let i = 0; i < bytes.length; i += 7) slices.push(bytes.subarray(i, i + 7));
		server.route('*', script(slices, 200, { 'content-type': 'text/event-stream', 'content-encoding': encoding }));
		const result = await run({ headers: { 'accept-encoding': 'gzip, deflate, br' } });
		expect(result.choices[0].text).toBe('Grüße aus gzip 🎉');
	});

	it('streams a gzip body live: the first piece arrives before the server is done', async () => {
		server.route('*', async (_req, res) => {
			res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' });
			const gzip = createGzip({ flush: constants.Z_SYNC_FLUSH });
			gzip.pipe(res);
			const events = textEvents(['early', ' late']);
			gzip.write(events[0] + events[1]);
			await new Promise((r) => setTimeout(r, 400));
			gzip.end(events.slice(2).join(''));
		});
		const started = Date.now();
		let firstAt = 0;
		const result = await run({ onChunk: (c) => { if (!firstAt && c.choices?.[0]?.delta?.content) firstAt = Date.now(); } });
		expect(firstAt - started).toBeLessThan(300);
		expect(result.choices[0].text).toBe('early late');
	});

	it('decodes a gzip error body into a readable message', async () => {
		server.route('*', (_req, res) => {
			res.writeHead(400, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
			res.end(gzipSync(JSON.stringify({ error: { message: 'Invalid image data', type: 'invalid_request_error' } })));
		});
		const error = await failure(run({ maxRetries: 0 }));
		expect(error.message).toBe('The server answered HTTP 400: Invalid image data (invalid_request_error)');
	});
});

describe('errors that say what happened', () => {
	it.each([
		['with an event-stream content type', { 'content-type': 'text/event-stream' }],
		['without a content type', {}],
	])('a bare JSON error line in a 200 stream is the error (%s), however the reads are cut', async (_name, headers) => {
		const line = '{"error":{"message":"Insufficient account balance","type":"insufficient_quota"}}\n';
		for (const cut of [1, 5, line.length]) {
			const steps: Array<string | number> = [];
			for (let i = 0; i < line.length; i += cut) steps.push(line.slice(i, i + cut), 1);
			server.route('*', script(steps, 200, headers));
			const error = await failure(run({ maxRetries: 0 }));
			expect(error.message).toMatch(/Insufficient account balance/);
			expect(error.message).not.toMatch(/without sending any chunk/);
		}
	});

	it('a bare JSON error line after some text keeps the partial text', async () => {
		server.route('*', script([`data: ${chunk({ content: 'Half an ans' })}\n\n`, '{"error":{"message":"upstream died"}}\n\n']));
		const error = await failure(run({ maxRetries: 0 }));
		expect(error.message).toMatch(/upstream died/);
		expect(error.partialText).toBe('Half an ans');
	});

	it("OpenRouter's upstream error names the provider and quotes its raw message (HTTP 429)", async () => {
		server.route('*', jsonAnswer(429, {
			error: {
				message: 'Provider returned error',
				code: 429,
				metadata: { raw: 'google/gemini-2.0-flash-exp:free is temporarily rate-limited upstream. Please retry shortly.', provider_name: 'Google AI Studio' },
			},
		}));
		const error = await failure(run({ maxRetries: 0 }));
		expect(error.message).toBe('The server answered HTTP 429: Provider returned error — Google AI Studio: google/gemini-2.0-flash-exp:free is temporarily rate-limited upstream. Please retry shortly.');
	});

	it("OpenRouter's error chunk mid-stream, with raw as JSON text, keeps the partial text", async () => {
		const raw = JSON.stringify({ error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } });
		server.route('*', script([
			': OPENROUTER PROCESSING\n\n',
			`data: ${chunk({ content: 'Partial' })}\n\n`,
			`data: ${JSON.stringify({ ...base, error: { code: 502, message: 'Provider returned error', metadata: { raw, provider_name: 'Google' } }, choices: [{ index: 0, delta: { content: '' }, finish_reason: 'error' }] })}\n\n`,
		]));
		const error = await failure(run({ maxRetries: 0 }));
		expect(error.message).toBe('The server reported an error mid-stream: Provider returned error — Google: The model is overloaded.');
		expect(error.partialText).toBe('Partial');
	});

	it("Groq's x_groq.error ends the stream with its message", async () => {
		server.route('*', script(sse([delta({ content: 'x' }), { ...base, choices: [], x_groq: { id: 'r', error: { message: 'Request timed out on the model', type: 'server_error' } } }])));
		const error = await failure(run({ maxRetries: 0 }));
		expect(error.message).toMatch(/Request timed out on the model/);
	});

	it.each([
		['application/x-ndjson', { 'content-type': 'application/x-ndjson' }],
		['no content type', {}],
	])('an NDJSON body (a native API) names the format and the /v1 fix (%s)', async (_name, headers) => {
		const lines = ['{"model":"llava","message":{"role":"assistant","content":"A"},"done":false}', '{"model":"llava","message":{"role":"assistant","content":"B"},"done":true}'];
		server.route('*', script([lines.join('\n') + '\n'], 200, headers));
		const error = await failure(run({ maxRetries: 0 }));
		expect(error.message).toMatch(/newline-delimited JSON \(NDJSON\)/);
		expect(error.hint).toMatch(/\/v1/);
	});
});

describe('endpoints and keys', () => {
	it('keeps a query string: Azure classic URL, api-key header, no Authorization', async () => {
		server.route('*', script(textEvents(['azure'])));
		const url = chatCompletionsUrl(`${server.baseUrl.replace(/\/v1$/, '')}/openai/deployments/gpt4o?api-version=2024-10-21`);
		const result = await run({ url, auth: { placement: 'header', headerName: 'api-key' } });
		expect(result.choices[0].text).toBe('azure');
		const [req] = server.requests;
		expect(req.path).toBe('/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21');
		expect(req.headers['api-key']).toBe(KEY);
		expect(req.headers.authorization).toBeUndefined();
	});

	it('no key: neither header is sent', async () => {
		server.route('*', script(textEvents(['local'])));
		await run({ auth: { placement: 'none' } });
		expect(server.requests[0].headers.authorization).toBeUndefined();
		expect(server.requests[0].headers['api-key']).toBeUndefined();
	});

	it('the model list uses the same key placement and the same query, and names a 404 without the query secret', async () => {
		const root = server.baseUrl.replace(/\/v1$/, '');
		const models = await listModels({ baseUrl: `${root}/openai/deployments/d1?api-version=2024-10-21`, apiKey: KEY, auth: { placement: 'header', headerName: 'x-api-key' } });
		expect(models.map((m) => m.id)).toContain('gpt-4o');
		const [req] = server.requests;
		expect(req.path).toBe('/openai/models?api-version=2024-10-21');
		expect(req.headers['x-api-key']).toBe(KEY);
		expect(req.headers.authorization).toBeUndefined();

	});

	it('messages show a query-string key masked', async () => {
		server.route('*', jsonAnswer(404, { error: { message: 'Not found' } }));
		const url = chatCompletionsUrl(`${server.baseUrl}?key=gw-secret-123&api-version=1`);
		const error = await failure(run({ url, apiKey: '', auth: { placement: 'none' }, maxRetries: 0 }));
		expect(server.requests[0].path).toBe('/v1/chat/completions?key=gw-secret-123&api-version=1');
		expect(error.message).toMatch(/Nothing found at .*\/v1\/chat\/completions\?key=…&api-version=1 \(HTTP 404\)/);
		expect(error.message).not.toContain('gw-secret-123');
	});

	it('derives URLs from pasted Azure and gateway addresses', () => {
		expect(chatCompletionsUrl('https://res.openai.azure.com/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21')).toBe(
			'https://res.openai.azure.com/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21',
		);
		expect(modelsUrl('https://res.openai.azure.com/openai/deployments/gpt4o?api-version=2024-10-21')).toBe('https://res.openai.azure.com/openai/models?api-version=2024-10-21');
		expect(chatCompletionsUrl('https://res.openai.azure.com/openai/v1/')).toBe('https://res.openai.azure.com/openai/v1/chat/completions');
		expect(chatCompletionsUrl('https://gw.example/v1/?key=abc#frag')).toBe('https://gw.example/v1/chat/completions?key=abc');
	});
});
