/**
 * The node inside n8n's own engine (n8n-core WorkflowExecute), talking to the loopback
 * OpenAI-compatible server over real HTTP.
 */
import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';
import { VisionChat } from '../../nodes/VisionChat/VisionChat.node';
import { binaryItem, JPEG_HEAD, PDF, PNG_1x1, ZIP } from '../fixtures';
import { jsonAnswer, script, startTestServer, streamText, textEvents, type TestServer, chunk } from '../server';
import { runNode, type EngineRunOptions } from '../support/engine';

let server: TestServer;
beforeAll(async () => {
	server = await startTestServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const KEY = 'sk-node-test-key-777';

function run(parameters: INodeParameters, inputItems: INodeExecutionData[], extra: Partial<EngineRunOptions> = {}) {
	return runNode({
		nodeType: new VisionChat(),
		parameters: { model: { __rl: true, mode: 'list', value: 'gpt-4o' }, prompt: 'What is in this image?', ...parameters },
		inputItems,
		credentials: { visionChatApi: { apiKey: ` Bearer ${KEY} `, baseUrl: `${server.baseUrl}/` } },
		...extra,
	});
}

const pngItem = (json: IDataObject = {}) => binaryItem(json, { data: { bytes: PNG_1x1, fileName: 'cat.bin' } });

describe.each(['default', 'filesystem'] as const)('binary images (%s binary mode)', (binaryMode) => {
	it('sends the image with its MIME type from the bytes and returns Result and Chunks, paired', async () => {
		server.route('*', streamText(['A', ' red', ' pixel.'], 5));
		const { outputs, error } = await run({}, [pngItem()], { binaryMode });
		expect(error).toBeUndefined();
		const [results, chunks] = outputs;
		expect(results).toHaveLength(1);
		expect(results[0].json).toMatchObject({
			text: 'A red pixel.',
			finishReason: 'stop',
			choices: [{ index: 0, text: 'A red pixel.', finishReason: 'stop', toolCalls: null, reasoning: null }],
			id: 'chatcmpl-test',
			model: 'test-model',
			created: 1694268190,
			systemFingerprint: 'fp_test',
			chunkCount: 5,
		});
		expect(results[0].json.timing).toEqual({ timeToFirstTokenMs: expect.any(Number), durationMs: expect.any(Number) });
		expect(results[0].pairedItem).toEqual({ item: 0 });
		expect(chunks.map((c) => [c.json.sequence, c.json.itemIndex, (c.json.choices as any)[0].delta.content])).toEqual([
			[0, 0, ''],
			[1, 0, 'A'],
			[2, 0, ' red'],
			[3, 0, ' pixel.'],
			[4, 0, undefined],
		]);
		expect(chunks.every((c) => (c.pairedItem as { item: number }).item === 0 && typeof c.json.receivedMs === 'number')).toBe(true);
		expect(chunks[0].json).toMatchObject({ id: 'chatcmpl-test', object: 'chat.completion.chunk', model: 'test-model', system_fingerprint: 'fp_test' });

		const [req] = server.requests;
		expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
		expect(req.path).toBe('/v1/chat/completions');
		expect(req.json.messages).toEqual([
			{
				role: 'user',
				content: [
					{ type: 'text', text: 'What is in this image?' },
					{ type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_1x1.toString('base64')}` } },
				],
			},
		]);
		expect(req.json.stream).toBe(true);
	});
});

describe('the node in the engine', () => {
	it('sends several binary properties as several images in one message', async () => {
		server.route('*', streamText(['two images']));
		const item = binaryItem({}, { data: { bytes: PNG_1x1 }, attachment_0: { bytes: JPEG_HEAD, mimeType: 'image/png' } });
		const { outputs } = await run({ binaryPropertyName: 'data, attachment_0' }, [item]);
		expect(outputs[0][0].json.text).toBe('two images');
		const urls = server.requests[0].json.messages[0].content.slice(1).map((p: any) => p.image_url.url.slice(0, 23));
		expect(urls).toEqual(['data:image/png;base64,i', 'data:image/jpeg;base64,']);
	});

	it('takes image URLs from an expression, with system prompt and options mapped to the API', async () => {
		server.route('*', streamText(['{"ok":', 'true}']));
		const { outputs } = await run(
			{
				imageInput: 'url',
				imageUrls: '={{ $json.urls.join(", ") }}',
				systemPrompt: 'Be brief.',
				options: { detail: 'high', maxTokens: 50, temperature: 0.1, includeUsage: true, responseFormat: 'json_object' },
			},
			[{ json: { urls: ['https://img.example/a.png', 'https://img.example/b.jpg'] } }],
		);
		expect(outputs[0][0].json).toMatchObject({ text: '{"ok":true}', json: { ok: true } });
		const body = server.requests[0].json;
		expect(body.messages[0]).toEqual({ role: 'system', content: 'Be brief.' });
		expect(body.messages[1].content).toEqual([
			{ type: 'text', text: 'What is in this image?' },
			{ type: 'image_url', image_url: { url: 'https://img.example/a.png', detail: 'high' } },
			{ type: 'image_url', image_url: { url: 'https://img.example/b.jpg', detail: 'high' } },
		]);
		expect(body).toMatchObject({ model: 'gpt-4o', max_tokens: 50, temperature: 0.1, stream_options: { include_usage: true }, response_format: { type: 'json_object' } });
	});

	it('gives every item its own request and keeps input order even when later items finish first', async () => {
		server.route('*', async (req, res) => {
			const name = req.json.messages[0].content[0].text as string;
			const delay = { first: 300, second: 10, third: 100 }[name] ?? 0;
			await script([delay, ...textEvents([`answer to ${name}`])])(req, res);
		});
		const items = ['first', 'second', 'third'].map((name) => ({ json: { name } }));
		const { outputs } = await run({ imageInput: 'none', prompt: '={{ $json.name }}' }, items);
		expect(outputs[0].map((r) => [r.json.text, r.pairedItem])).toEqual([
			['answer to first', { item: 0 }],
			['answer to second', { item: 1 }],
			['answer to third', { item: 2 }],
		]);
		const chunkOwners = outputs[1].map((c) => c.json.itemIndex);
		expect(chunkOwners).toEqual([...chunkOwners].sort());
		expect(outputs[1].every((c) => (c.pairedItem as { item: number }).item === c.json.itemIndex)).toBe(true);
		expect(server.requests).toHaveLength(3);
	});

	it('refuses a binary that is not an image, naming the property, the item and the type found', async () => {
		const items = [pngItem(), binaryItem({}, { data: { bytes: ZIP, mimeType: 'application/zip', fileName: 'photos.zip' } })];
		server.route('*', streamText(['fine']));
		const { error } = await run({}, items);
		expect(error?.constructor.name).toBe('NodeOperationError');
		expect(error?.message).toBe('Binary property "data" of item 1 (file photos.zip) is not an image (type found: application/zip)');
		expect((error as any).description).toMatch(/PNG, JPEG, GIF or WebP images, or PDF documents/);
	});

	it('a file that starts like a PDF but is broken is named as a corrupt PDF, whatever its label says', async () => {
		const items = [binaryItem({}, { data: { bytes: PDF, mimeType: 'image/png', fileName: 'scan.png' } })];
		const { error } = await run({}, items);
		expect(error?.message).toMatch(/^Binary property "data" of item 0 \(file scan.png\) is a corrupt or truncated PDF/);
	});

	it('finds files in json._files, where n8n 2.x\'s combined binary mode keeps them', async () => {
		server.route('*', streamText(['combined']));
		const file = { data: PNG_1x1.toString('base64'), mimeType: 'application/octet-stream', fileName: 'x.png' };
		const { outputs, error } = await run({}, [{ json: { _files: { data: file } } }]);
		expect(error).toBeUndefined();
		expect(outputs[0][0].json.text).toBe('combined');
		expect(server.requests[0].json.messages[0].content[1].image_url.url).toBe(`data:image/png;base64,${PNG_1x1.toString('base64')}`);
	});

	it('names the missing binary property and lists the ones the item has', async () => {
		const { error } = await run({ binaryPropertyName: 'photo' }, [pngItem()]);
		expect(error?.message).toBe('Item 0 has no binary property "photo"');
		expect((error as any).description).toBe('Set "Binary Property" to one of: data');
		expect(server.requests).toHaveLength(0);
	});

	it('with continue on fail, a failed item keeps its partial text and chunks and the others succeed', async () => {
		server.route('*', async (req, res) => {
			const name = req.json.messages[0].content[0].text as string;
			if (name === 'broken') return script([...textEvents(['Half', ' done']).slice(0, 3), 50, { reset: true }])(req, res);
			return streamText([`ok ${name}`])(req, res);
		});
		const items = ['a', 'broken', 'c'].map((name) => ({ json: { name } }));
		const { outputs, error } = await run({ imageInput: 'none', prompt: '={{ $json.name }}' }, items, { continueOnFail: true });
		expect(error).toBeUndefined();
		const [results, chunks] = outputs;
		expect(results.map((r) => r.json.text ?? null)).toEqual(['ok a', null, 'ok c']);
		expect(results[1].json).toMatchObject({
			error: expect.stringMatching(/^The connection was lost mid-stream after 3 chunks/),
			partialText: 'Half done',
			chunkCount: 3,
		});
		expect(results[1].pairedItem).toEqual({ item: 1 });
		expect(chunks.filter((c) => c.json.itemIndex === 1)).toHaveLength(3);
	});

	it('routes a failed item to the error output when the node uses it', async () => {
		server.route('*', async (req, res) => {
			const name = req.json.messages[0].content[0].text as string;
			if (name === 'bad') return jsonAnswer(400, { error: { message: 'Invalid image data' } })(req, res);
			return streamText([`ok ${name}`])(req, res);
		});
		const items = ['good', 'bad'].map((name) => ({ json: { name } }));
		const { outputs } = await run({ imageInput: 'none', prompt: '={{ $json.name }}' }, items, { onError: 'continueErrorOutput' });
		const errorOutput = outputs[outputs.length - 1];
		expect(outputs[0].map((r) => r.json.text)).toEqual(['ok good']);
		expect(errorOutput).toHaveLength(1);
		expect(errorOutput[0].json).toEqual({
			name: 'bad',
			error: 'The server answered HTTP 400: Invalid image data',
			message: expect.stringMatching(/check the model name and the options/),
			details: { httpCode: 400, serverMessage: 'Invalid image data', chunkCount: 0 },
		});
		expect(errorOutput[0].pairedItem).toEqual({ item: 1 });
	});

	it('without continue on fail, a broken stream fails the node with the partial text in the error', async () => {
		server.route('*', script(textEvents(['The', ' cat', ' is']).slice(0, 4)));
		const { error } = await run({ imageInput: 'none' }, [{ json: {} }]);
		expect(error?.constructor.name).toBe('NodeApiError');
		expect(error?.message).toBe('The stream ended before the answer was complete (no finish_reason and no [DONE] after 4 chunks)');
		expect((error as any).description).toContain('Text received before the failure (10 characters, 4 chunks): The cat is');
		expect((error as any).context.partialText).toBe('The cat is');
		expect((error as any).context.itemIndex).toBe(0);
	});

	it('a refused key says so with the server message and never shows the key', async () => {
		server.route('*', jsonAnswer(401, { error: { message: `Incorrect API key provided: ${KEY}` } }));
		const { error } = await run({ imageInput: 'none' }, [{ json: {} }]);
		expect(error?.message).toBe('The API key was refused (HTTP 401): Incorrect API key provided: [redacted]');
		expect((error as any).httpCode).toBe('401');
		expect(JSON.stringify(error)).not.toContain(KEY);
	});

	it('cancelling the execution aborts the request at once and reports the cancellation', async () => {
		server.route('*', streamText(['a', 'b', 'c', 'd', 'e', 'f'], 300));
		const started = Date.now();
		const { cancelled, hungAfterCancel } = await run({ imageInput: 'none' }, [{ json: {} }], { abortAfterMs: 400 });
		expect(cancelled).toBe(true);
		expect(hungAfterCancel).toBe(false);
		expect(Date.now() - started).toBeLessThan(1500);
		await new Promise((r) => setTimeout(r, 100));
		// The server saw the client go away instead of streaming on for 2 s.
		expect(server.requests).toHaveLength(1);
	});

	it('emits no chunk items when Emit Chunks is off', async () => {
		server.route('*', streamText(['quiet']));
		const { outputs } = await run({ imageInput: 'none', options: { emitChunks: false } }, [{ json: {} }]);
		expect(outputs[0][0].json.text).toBe('quiet');
		expect(outputs[1] ?? []).toHaveLength(0);
	});

	it('streams the text live to the caller as begin, item, end when n8n streams', async () => {
		server.route('*', streamText(['Live', ' text']));
		const sink = { chunks: [] as Array<{ type: string; content?: string; metadata: any }> };
		const { outputs } = await run({ imageInput: 'none' }, [{ json: {} }], { streaming: sink });
		expect(outputs[0][0].json.text).toBe('Live text');
		expect(sink.chunks.map((c) => [c.type, c.content])).toEqual([
			['begin', undefined],
			['item', 'Live'],
			['item', ' text'],
			['end', undefined],
		]);
	});

	it('streams several items to the caller one after another, in input order, while they run in parallel', async () => {
		server.route('*', async (req, res) => {
			const name = req.json.messages[0].content[0].text as string;
			const delay = { a: 60, b: 10, c: 30 }[name] ?? 0;
			await streamText([`${name}1 `, `${name}2 `, `${name}3`], delay)(req, res);
		});
		const sink = { chunks: [] as Array<{ type: string; content?: string; metadata: any }> };
		const started = Date.now();
		const { outputs } = await run({ imageInput: 'none', prompt: '={{ $json.name }}', options: { concurrency: 3 } }, ['a', 'b', 'c'].map((name) => ({ json: { name } })), { streaming: sink });
		expect(outputs[0].map((r) => r.json.text)).toEqual(['a1 a2 a3', 'b1 b2 b3', 'c1 c2 c3']);
		const seen = sink.chunks.map((c) => `${c.type}[${c.metadata.itemIndex}]${c.content ?? ''}`);
		expect(seen).toEqual(['a', 'b', 'c'].flatMap((name, i) => [`begin[${i}]`, `item[${i}]${name}1 `, `item[${i}]${name}2 `, `item[${i}]${name}3`, `end[${i}]`]));
		// Parallel, not one after another: the slowest item alone takes about 5 x 60 ms.
		expect(Date.now() - started).toBeLessThan(600);
	});

	it('returns tool calls, reasoning, n > 1 choices and usage', async () => {
		server.route(
			'*',
			script([
				`data: ${chunk({ reasoning_content: 'Thinking.' }, { index: 0 })}\n\n`,
				`data: ${chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'tag', arguments: '{"t":' } }] }, { index: 0 })}\n\n`,
				`data: ${chunk({ content: 'B' }, { index: 1 })}\n\n`,
				`data: ${chunk({ tool_calls: [{ index: 0, function: { arguments: '"cat"}' } }] }, { index: 0, finish: 'tool_calls' })}\n\n`,
				`data: ${chunk({}, { index: 1, finish: 'stop' })}\n\n`,
				`data: {"id":"chatcmpl-test","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}}\n\n`,
				'data: [DONE]\n\n',
			]),
		);
		const { outputs } = await run({ imageInput: 'none', options: { n: 2, includeUsage: true } }, [{ json: {} }]);
		expect(outputs[0][0].json).toMatchObject({
			text: '',
			finishReason: 'tool_calls',
			toolCalls: [{ id: 'call_1', type: 'function', function: { name: 'tag', arguments: '{"t":"cat"}' } }],
			reasoning: 'Thinking.',
			usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
		});
		expect((outputs[0][0].json.choices as any[]).map((c) => [c.index, c.text, c.finishReason])).toEqual([
			[0, '', 'tool_calls'],
			[1, 'B', 'stop'],
		]);
	});
});

describe('grouped chunk items', () => {
	it('merges the chunks of each time window into one item, text joined, nothing lost', async () => {
		const pieces = Array.from({ length: 12 }, (_, i) => `w${i} `);
		server.route('*', streamText(pieces, 25));
		const { outputs } = await run({ imageInput: 'none', options: { groupChunksMs: 100 } }, [{ json: {} }]);
		const groups = outputs[1];
		expect(outputs[0][0].json.text).toBe(pieces.join(''));
		expect(groups.length).toBeGreaterThanOrEqual(2);
		expect(groups.length).toBeLessThan(8);
		expect(groups.map((g) => (g.json.choices as any[])[0].delta.content).join('')).toBe(pieces.join(''));
		expect(groups.reduce((n, g) => n + (g.json.chunkCount as number), 0)).toBe(14);
		expect(groups[0].json).toMatchObject({ object: 'chat.completion.chunk.group', sequence: 0, itemIndex: 0, model: 'test-model' });
		expect(groups.at(-1)!.json).toMatchObject({ sequenceEnd: 13 });
		expect((groups.at(-1)!.json.choices as any[])[0].finish_reason).toBe('stop');
		expect(groups.every((g) => (g.pairedItem as { item: number }).item === 0)).toBe(true);
	});
});
