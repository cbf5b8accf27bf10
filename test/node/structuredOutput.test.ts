/** Structured records out: JSON answers parsed, validated, repaired and shaped, the node inside n8n's engine. */
import type { INodeExecutionData, INodeParameters } from 'n8n-workflow';
import { VisionChat } from '../../nodes/VisionChat/VisionChat.node';
import { jsonAnswer, script, sequence, type Handler, type TestServer } from '../server';
import { runNode, type EngineRunOptions } from '../support/engine';
import { useTestServer } from '../support/testServer';

let server: TestServer;
useTestServer((started) => (server = started));

function run(options: INodeParameters, inputItems: INodeExecutionData[] = [{ json: {} }], extra: Partial<EngineRunOptions> = {}) {
	return runNode({
		nodeType: new VisionChat(),
		parameters: { model: { __rl: true, mode: 'id', value: 'gpt-4o' }, prompt: '={{ $json.prompt ?? "Read the receipt" }}', imageInput: 'none', options },
		inputItems,
		credentials: { visionChatApi: { apiKey: 'sk-structured', baseUrl: server.baseUrl } },
		...extra,
	});
}

const base = { id: 'c1', object: 'chat.completion.chunk', created: 1700000000, model: 'gpt-4o' };
/** An answer streamed in pieces, with usage; `texts` are the choices. */
function answer(texts: string[], usage = { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110 }): Handler {
	const events = texts.flatMap((text, index) => {
		const half = Math.ceil(text.length / 2);
		return [text.slice(0, half), text.slice(half)].map((piece) => `data: ${JSON.stringify({ ...base, choices: [{ index, delta: { content: piece }, finish_reason: null }] })}\n\n`);
	});
	const finishes = texts.map((_t, index) => `data: ${JSON.stringify({ ...base, choices: [{ index, delta: {}, finish_reason: 'stop' }] })}\n\n`);
	return script([...events, ...finishes, `data: ${JSON.stringify({ ...base, choices: [], usage })}\n\n`, 'data: [DONE]\n\n']);
}

const receiptExample = JSON.stringify({ vendor: 'ACME', date: '2026-01-31', total: 12.5 });

describe('JSON answers', () => {
	it('json_object: the parsed answer is `json`, a Markdown fence tolerated', async () => {
		server.route('*', answer(['```json\n{"total": 12.5}\n```']));
		const { outputs } = await run({ responseFormat: 'json_object' });
		expect(outputs[0][0].json).toMatchObject({ json: { total: 12.5 }, jsonAttempts: 1, text: '```json\n{"total": 12.5}\n```' });
		expect((outputs[0][0].json.choices as any[])[0].json).toEqual({ total: 12.5 });
	});

	it('json_example: sends the derived strict schema and validates against it', async () => {
		server.route('*', answer(['{"vendor":"Bakery","date":"2026-02-01","total":4.2}']));
		const { outputs } = await run({ responseFormat: 'json_example', jsonExample: receiptExample });
		expect(server.requests[0].json.response_format).toEqual({
			type: 'json_schema',
			json_schema: {
				name: 'response',
				strict: true,
				schema: { type: 'object', properties: { vendor: { type: 'string' }, date: { type: 'string' }, total: { type: 'number' } }, required: ['vendor', 'date', 'total'], additionalProperties: false },
			},
		});
		expect(outputs[0][0].json.json).toEqual({ vendor: 'Bakery', date: '2026-02-01', total: 4.2 });
	});

	it('an answer that breaks the schema fails the item, naming the item and the violations', async () => {
		server.route('*', answer(['{"vendor":"Bakery","date":"2026-02-01","total":"12,50"}']));
		const { error } = await run({ responseFormat: 'json_example', jsonExample: receiptExample });
		expect(error?.message).toBe('The answer does not match the JSON schema: $.total: expected number, got "12,50" (item 0)');
		expect((error as any).description).toContain('The answer: {"vendor":"Bakery"');
	});

	it('continue on fail: the failed item carries text, jsonError and violations; the others are unaffected', async () => {
		server.route('*', async (req, res) => {
			const prompt = req.json.messages[0].content[0].text as string;
			await answer([prompt === 'bad' ? 'Sorry, I cannot read it.' : '{"vendor":"A","date":"d","total":1}'])(req, res);
		});
		const items = ['good', 'bad', 'good'].map((prompt) => ({ json: { prompt } }));
		const { outputs } = await run({ responseFormat: 'json_example', jsonExample: receiptExample }, items, { continueOnFail: true });
		expect(outputs[0].map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(outputs[0][0].json.json).toEqual({ vendor: 'A', date: 'd', total: 1 });
		expect(outputs[0][1].json).toMatchObject({
			error: 'The answer is not usable JSON: the answer is not JSON: it does not start with { or [',
			text: 'Sorry, I cannot read it.',
			jsonError: 'the answer is not JSON: it does not start with { or [',
			violations: [],
		});
	});

	it('error output: violations with their paths under details', async () => {
		server.route('*', answer(['{"vendor":"A","date":"d"}']));
		const { outputs } = await run({ responseFormat: 'json_example', jsonExample: receiptExample }, [{ json: {} }], { onError: 'continueErrorOutput' });
		const errorOutput = outputs[outputs.length - 1];
		expect(errorOutput[0].json.details).toMatchObject({ violations: [{ path: '$.total', message: 'required, but missing' }], text: '{"vendor":"A","date":"d"}' });
		expect(errorOutput[0].pairedItem).toEqual({ item: 0 });
	});
});

describe('asking again', () => {
	it('invalid then valid: two requests, one result, usage summed, the follow-up quotes the answer and the problems', async () => {
		server.route('*', sequence(answer(['{"vendor":"A","date":"d","total":"1,5"}'], { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110 }), answer(['{"vendor":"A","date":"d","total":1.5}'], { prompt_tokens: 130, completion_tokens: 9, total_tokens: 139 })));
		const sink = { chunks: [] as Array<{ type: string; content?: string; metadata: any }> };
		const { outputs } = await run({ responseFormat: 'json_example', jsonExample: receiptExample, jsonRetries: 2 }, [{ json: {} }], { streaming: sink });
		expect(server.requests).toHaveLength(2);
		const follow = server.requests[1].json.messages;
		expect(follow.slice(-2)).toEqual([
			{ role: 'assistant', content: '{"vendor":"A","date":"d","total":"1,5"}' },
			{ role: 'user', content: expect.stringContaining('- $.total: expected number, got "1,5"') },
		]);
		expect(outputs[0]).toHaveLength(1);
		expect(outputs[0][0].json).toMatchObject({ json: { vendor: 'A', date: 'd', total: 1.5 }, jsonAttempts: 2, usage: { prompt_tokens: 230, completion_tokens: 19, total_tokens: 249 } });
		const live = sink.chunks.filter((c) => c.type === 'item').map((c) => c.content).join('');
		expect(live).toMatch(/"1,5"\}\n\n\[The answer was not valid JSON for the schema; asking again\]\n\n\{"vendor"/);
	});

	it('gives up after JSON Retries and says how many tries it took', async () => {
		server.route('*', answer(['not json']));
		const { error } = await run({ responseFormat: 'json_object', jsonRetries: 1 });
		expect(server.requests).toHaveLength(2);
		expect(error?.message).toBe('The answer is not usable JSON: the answer is not JSON: it does not start with { or [ (after 2 tries) (item 0)');
	});

	it('a provider that refuses response_format is asked once more without it; the answer is still validated', async () => {
		server.route('*', sequence(jsonAnswer(400, { error: { message: "Invalid parameter: 'response_format' is not supported" } }), answer(['{"vendor":"A","date":"d","total":2}'])));
		const { outputs } = await run({ responseFormat: 'json_example', jsonExample: receiptExample });
		expect(server.requests[0].json).toHaveProperty('response_format');
		expect(server.requests[1].json).not.toHaveProperty('response_format');
		expect(outputs[0][0].json.json).toEqual({ vendor: 'A', date: 'd', total: 2 });
		expect(outputs[0][0].json.warnings).toEqual([expect.stringMatching(/^The server refused response_format .*checked as JSON by the node instead$/)]);
	});
});

describe('as an AI agent tool', () => {
	it('returns the JSON answer to the agent parsed, in its compact result', async () => {
		server.route('*', answer(['{"vendor":"A","date":"d","total":3}']));
		const { outputs } = await run({ responseFormat: 'json_example', jsonExample: receiptExample, jsonOutput: 'record' }, [{ json: {} }], { nodeTypeName: 'CUSTOM.visionChatTool' });
		expect(outputs[0][0].json).toMatchObject({ json: { vendor: 'A', date: 'd', total: 3 }, jsonAttempts: 1 });
		expect(outputs[0][0].json).not.toHaveProperty('choices');
	});
});

describe('records', () => {
	it('record mode: the item is the record, metadata under _visionChat; n > 1 gives one item per choice, paired', async () => {
		server.route('*', answer(['{"vendor":"A","date":"d","total":1}', '{"vendor":"B","date":"d","total":2}']));
		const items = [{ json: { prompt: 'first' } }];
		const { outputs } = await run({ responseFormat: 'json_example', jsonExample: receiptExample, jsonOutput: 'record', n: 2 }, items);
		expect(outputs[0]).toHaveLength(2);
		expect(outputs[0].map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 0 }]);
		const [first, second] = outputs[0].map((item) => item.json);
		expect(Object.keys(first)).toEqual(['vendor', 'date', 'total', '_visionChat']);
		expect(first).toMatchObject({ vendor: 'A', total: 1, _visionChat: { choiceIndex: 0, finishReason: 'stop', jsonAttempts: 1, usage: { total_tokens: 110 }, model: 'gpt-4o' } });
		expect(second).toMatchObject({ vendor: 'B', total: 2, _visionChat: { choiceIndex: 1 } });
	});
});
