/** Provider quirks as a user sees them: the node inside n8n's engine, the loopback server behind it. */
import type { INodeExecutionData, INodeParameters, ICredentialDataDecryptedObject } from 'n8n-workflow';
import { VisionChat } from '../../nodes/VisionChat/VisionChat.node';
import { script, type TestServer } from '../server';
import { runNode, type EngineRunOptions } from '../support/engine';
import { useTestServer } from '../support/testServer';

let server: TestServer;
useTestServer((started) => (server = started));

function run(parameters: INodeParameters, credential: Partial<ICredentialDataDecryptedObject> = {}, extra: Partial<EngineRunOptions> = {}) {
	const inputItems: INodeExecutionData[] = [{ json: {} }];
	return runNode({
		nodeType: new VisionChat(),
		parameters: { model: { __rl: true, mode: 'id', value: 'magistral-medium-latest' }, prompt: 'Hi', imageInput: 'none', ...parameters },
		inputItems,
		credentials: { visionChatApi: { apiKey: 'sk-providers-1', baseUrl: server.baseUrl, ...credential } },
		...extra,
	});
}

const base = { id: 'c1', object: 'chat.completion.chunk', created: 1700000000, model: 'magistral-medium-latest' };
const events = (deltas: Array<[object, string | null]>) => [
	...deltas.map(([delta, finish]) => `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`),
	'data: [DONE]\n\n',
];
const magistral = events([
	[{ role: 'assistant', content: [{ type: 'thinking', thinking: [{ type: 'text', text: 'Hmm.' }] }] }, null],
	[{ content: [{ type: 'text', text: 'A ' }] }, null],
	[{ content: 'cat.' }, null],
	[{}, 'stop'],
]);

describe('content as typed parts (Magistral)', () => {
	it('reaches the Result, the live stream and grouped Chunks as text, never [object Object]', async () => {
		server.route('*', script(magistral));
		const sink = { chunks: [] as Array<{ type: string; content?: string; metadata: any }> };
		const { outputs } = await run({ options: { groupChunksMs: 10_000 } }, {}, { streaming: sink });
		expect(outputs[0][0].json).toMatchObject({ text: 'A cat.', reasoning: 'Hmm.', finishReason: 'stop' });
		expect(sink.chunks.filter((c) => c.type === 'item').map((c) => c.content)).toEqual(['A ', 'cat.']);
		const [group] = outputs[1];
		expect((group.json.choices as any[])[0].delta).toEqual({ content: 'A cat.', reasoning_content: 'Hmm.' });
		expect(JSON.stringify(outputs)).not.toContain('[object Object]');
	});

	it('keeps parts of an unknown type in Chunks and warns about them', async () => {
		server.route('*', script(events([[{ content: [{ type: 'text', text: 'ok' }, { type: 'reference', reference_ids: [1] }] }, null], [{}, 'stop']])));
		const { outputs } = await run({ options: { groupChunksMs: 10_000 } });
		expect(outputs[0][0].json.warnings).toEqual([expect.stringMatching(/"reference"/)]);
		expect((outputs[1][0].json.choices as any[])[0].delta.otherParts).toEqual([{ type: 'reference', reference_ids: [1] }]);
	});
});

describe('refusals', () => {
	it('are a successful item with refusal set, a warning, and the refusal streamed to the caller', async () => {
		server.route('*', script(events([[{ role: 'assistant', refusal: 'I cannot ' }, null], [{ refusal: 'identify people.' }, null], [{}, 'stop']])));
		const sink = { chunks: [] as Array<{ type: string; content?: string; metadata: any }> };
		const { outputs, error } = await run({}, {}, { streaming: sink });
		expect(error).toBeUndefined();
		expect(outputs[0][0].json).toMatchObject({ text: '', refusal: 'I cannot identify people.', warnings: ['The model refused: I cannot identify people.'] });
		expect((outputs[0][0].json.choices as any[])[0].refusal).toBe('I cannot identify people.');
		expect(sink.chunks.filter((c) => c.type === 'item').map((c) => c.content).join('')).toBe('I cannot identify people.');
	});
});

describe('how the credential sends the key', () => {
	it('a header of the user\'s naming (Azure api-key), with the base URL\'s query kept', async () => {
		server.route('*', script(magistral));
		const baseUrl = `${server.baseUrl.replace(/\/v1$/, '')}/openai/deployments/vision?api-version=2024-10-21`;
		const { outputs } = await run({}, { baseUrl, sendKeyAs: 'header', keyHeaderName: 'api-key' });
		expect(outputs[0][0].json.text).toBe('A cat.');
		const [req] = server.requests;
		expect(req.path).toBe('/openai/deployments/vision/chat/completions?api-version=2024-10-21');
		expect(req.headers['api-key']).toBe('sk-providers-1');
		expect(req.headers.authorization).toBeUndefined();
	});

	it('no key at all for a local server; an existing credential without the new fields sends Bearer as before', async () => {
		server.route('*', script(magistral));
		await run({}, { sendKeyAs: 'none', apiKey: '' });
		expect(server.requests[0].headers.authorization).toBeUndefined();
		await run({});
		expect(server.requests[1].headers.authorization).toBe('Bearer sk-providers-1');
	});

	it('a key header name that is not a header name is an error that says which field to fix', async () => {
		const { error } = await run({}, { sendKeyAs: 'header', keyHeaderName: 'api key' });
		expect(error?.message).toMatch(/"api key" is not a valid HTTP header name: fix "Key Header Name"/);
	});
});
