/** Bad input and many items, through n8n's engine: every error names the item, the parameter and the fix. */
import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';
import { VisionChat } from '../../nodes/VisionChat/VisionChat.node';
import { binaryItem, PNG_1x1 } from '../fixtures';
import { script, startTestServer, streamText, textEvents, type TestServer } from '../server';
import { runNode, type EngineRunOptions } from '../support/engine';

let server: TestServer;
beforeAll(async () => {
	server = await startTestServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

function run(parameters: INodeParameters, inputItems: INodeExecutionData[], extra: Partial<EngineRunOptions> & { baseUrl?: string } = {}) {
	const { baseUrl, ...rest } = extra;
	return runNode({
		nodeType: new VisionChat(),
		parameters: { model: { __rl: true, mode: 'id', value: 'gpt-4o' }, prompt: 'Describe.', ...parameters },
		inputItems,
		credentials: { visionChatApi: { apiKey: 'sk-reliability', baseUrl: baseUrl ?? server.baseUrl } },
		...rest,
	});
}

async function nodeError(parameters: INodeParameters, items: INodeExecutionData[] = [{ json: {} }]) {
	const { error } = await run(parameters, items);
	expect(error).toBeDefined();
	return { message: error!.message, description: (error as { description?: string }).description ?? '' };
}

describe('bad input gets a clear error before anything is sent', () => {
	it.each<[string, INodeParameters, RegExp, RegExp]>([
		['empty prompt and no image', { imageInput: 'none', prompt: '' }, /^The prompt is empty and there is no image to send \(item 0\)$/, /Enter a prompt/],
		['malformed image URL', { imageInput: 'url', imageUrls: 'htp//broken' }, /^"htp\/\/broken" in "Image URLs" is not a valid URL \(item 0\)$/, /http:\/\/, https:\/\/ or data:/],
		['empty image URLs', { imageInput: 'url', imageUrls: ' ' }, /^"Image URLs" is empty \(item 0\)$/, /at least one image URL/],
		['invalid JSON in Logit Bias', { imageInput: 'none', options: { logitBias: '{"1": ' } }, /^"Logit Bias" is not valid JSON: .* \(item 0\)$/, /JSON object/],
		['invalid JSON in Tools', { imageInput: 'none', options: { tools: '[{' } }, /^"Tools" is not valid JSON/, /JSON array/],
		['invalid JSON schema', { imageInput: 'none', options: { responseFormat: 'json_schema', jsonSchema: '{"type": }' } }, /^"JSON Schema" is not valid JSON/, /JSON schema/],
		['n out of range', { imageInput: 'none', options: { n: 500 } }, /^"Number of Answers \(N\)" is 500, outside 1 to 128 \(item 0\)$/, /between 1 and 128/],
		['max tokens out of range', { imageInput: 'none', options: { maxTokens: -5 } }, /^"Max Tokens" is -5, outside 1/, /Set "Max Tokens"/],
	])('%s', async (_name, parameters, message, description) => {
		const error = await nodeError(parameters);
		expect(error.message).toMatch(message);
		expect(error.description).toMatch(description);
		expect(server.requests).toHaveLength(0);
	});

	it('an image over the size limit is refused before any upload', async () => {
		const big = Buffer.concat([PNG_1x1, Buffer.alloc(2 * 1048576)]);
		const error = await nodeError({ options: { maxImageSizeMb: 1 } }, [binaryItem({}, { data: { bytes: big } })]);
		expect(error.message).toBe('Binary property "data" of item 0 is 2.0 MB, over the 1.0 MB limit');
		expect(error.description).toMatch(/Resize the image first/);
		expect(server.requests).toHaveLength(0);
	});

	it('an image of exactly the limit is accepted (base64 padding does not count)', async () => {
		server.route('*', streamText(['fits']));
		const exact = Buffer.concat([PNG_1x1, Buffer.alloc(1048576 - PNG_1x1.length)]);
		const { outputs, error } = await run({ options: { maxImageSizeMb: 1 } }, [binaryItem({}, { data: { bytes: exact } })]);
		expect(error).toBeUndefined();
		expect(outputs[0][0].json.text).toBe('fits');
	});

	it('the size limit also holds for filesystem binary data, read from its metadata', async () => {
		const big = Buffer.concat([PNG_1x1, Buffer.alloc(2 * 1048576)]);
		const { error } = await run({ options: { maxImageSizeMb: 1 } }, [binaryItem({}, { data: { bytes: big } })], { binaryMode: 'filesystem' });
		expect(error?.message).toBe('Binary property "data" of item 0 is 2.0 MB, over the 1.0 MB limit');
	});

	it('an item without any binary data says how to get one', async () => {
		const error = await nodeError({}, [{ json: { a: 1 } }]);
		expect(error.message).toBe('Item 0 has no binary property "data"');
		expect(error.description).toMatch(/put a node that outputs a file .* or switch "Image Input" to Image URL/);
	});
});

describe('base URLs and keys as users paste them', () => {
	it.each([
		['without a scheme', (url: string) => url.replace('http://', '')],
		['ending in /chat/completions', (url: string) => `${url}/chat/completions`],
		['with a trailing slash', (url: string) => `${url}/`],
	])('a base URL %s works', async (_name, mangle) => {
		server.route('*', streamText(['fine']));
		const { outputs, error } = await run({ imageInput: 'none' }, [{ json: {} }], { baseUrl: mangle(server.baseUrl) });
		expect(error).toBeUndefined();
		expect(outputs[0][0].json.text).toBe('fine');
		expect(server.requests[0].path).toBe('/v1/chat/completions');
	});

	it('a plain-http base URL to another host works but says the key travels unencrypted', async () => {
		// An IPv4-mapped IPv6 address reaches the loopback server without looking local.
		server.route('*', streamText(['ok']));
		const { outputs, error } = await run({ imageInput: 'none' }, [{ json: {} }], { baseUrl: server.baseUrl.replace('127.0.0.1', '[::ffff:7f00:1]') });
		expect(error).toBeUndefined();
		expect(outputs[0][0].json.text).toBe('ok');
		expect(outputs[0][0].json.warnings).toEqual([
			`The base URL ${server.baseUrl.replace('127.0.0.1', '[::ffff:7f00:1]')}/chat/completions is plain http to another host: the API key travels unencrypted`,
		]);
	});
});

describe('many items', () => {
	function slowByName(): void {
		server.route('*', async (req, res) => {
			const name = req.json.messages[0].content[0].text as string;
			if (name.startsWith('fail')) return script([...textEvents(['Partial']).slice(0, 2), 30, { reset: true }])(req, res);
			return streamText([`answer ${name}`], 40)(req, res);
		});
	}

	it('runs several requests at once, keeps input order and pairing, and one failure disturbs no other', async () => {
		slowByName();
		const names = ['0', '1', 'fail-2', '3', '4', '5', '6', '7'];
		const started = Date.now();
		const { outputs } = await run(
			{ imageInput: 'none', prompt: '={{ $json.name }}', options: { concurrency: 4 } },
			names.map((name) => ({ json: { name } as IDataObject })),
			{ continueOnFail: true },
		);
		const elapsed = Date.now() - started;
		const results = outputs[0];
		expect(results.map((r) => r.json.text ?? r.json.error)).toEqual([
			'answer 0',
			'answer 1',
			expect.stringMatching(/^The connection was lost mid-stream after 2 chunks/),
			'answer 3',
			'answer 4',
			'answer 5',
			'answer 6',
			'answer 7',
		]);
		expect(results.map((r) => r.pairedItem)).toEqual(names.map((_, item) => ({ item })));
		expect(results[2].json.partialText).toBe('Partial');
		// Each answer takes about 4 x 40 ms; 8 items at concurrency 4 is two rounds, not eight.
		expect(elapsed).toBeLessThan(8 * 160);
		const inFlightMax = maxOverlap(server.requests.map((r) => r.receivedAt));
		expect(inFlightMax).toBeGreaterThanOrEqual(2);
	});

	it('cancelling aborts every request in flight within a second', async () => {
		const closedAt: number[] = [];
		const stream = streamText(Array.from({ length: 100 }, (_, i) => `${i} `), 100);
		server.route('*', (req, res) => {
			res.on('close', () => {
				if (!res.writableFinished) closedAt.push(Date.now());
			});
			return stream(req, res);
		});
		const started = Date.now();
		const { cancelled, hungAfterCancel } = await run(
			{ imageInput: 'none', options: { concurrency: 4 } },
			Array.from({ length: 4 }, () => ({ json: {} })),
			{ abortAfterMs: 500 },
		);
		expect(cancelled).toBe(true);
		expect(hungAfterCancel).toBe(false);
		await new Promise((resolve) => setTimeout(resolve, 200));
		// All four streams (10 s each if left alone) were cut by the client within a second of the cancel.
		expect(server.requests).toHaveLength(4);
		expect(closedAt).toHaveLength(4);
		for (const t of closedAt) expect(t - started).toBeLessThan(1500);
	});
});

/** How many requests arrived within 20 ms of each other at most: a proxy for "in flight together". */
function maxOverlap(times: number[]): number {
	let best = 0;
	for (const t of times) best = Math.max(best, times.filter((u) => Math.abs(u - t) < 20).length);
	return best;
}
