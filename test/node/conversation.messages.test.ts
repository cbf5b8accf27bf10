/**
 * The `messages` option (earlier turns a workflow keeps itself): order in the request, content
 * parts, and every error naming the entry and the field. Plus the memory side without n8n: how
 * stored messages read back, and the warning when a memory kept only the text.
 */
import { VisionChat } from '../../nodes/VisionChat/VisionChat.node';
import { earlierMessages } from '../../nodes/VisionChat/conversation/earlierMessages';
import { replayHistory, TEXT_ONLY_WARNING } from '../../nodes/VisionChat/conversation/imageReuse';
import { savedContent, turnOf } from '../../nodes/VisionChat/conversation/memoryMessages';
import { InputError } from '../../nodes/VisionChat/helpers/inputError';
import { streamText, type TestServer } from '../server';
import { runNode } from '../support/engine';
import { useTestServer } from '../support/testServer';

let server: TestServer;
useTestServer((started) => (server = started), streamText(['It is a Brompton.']));

const CAT = 'https://images.example.com/cat.png';
const HISTORY = [
	{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: CAT } }] },
	{ role: 'assistant', content: 'A red bike.' },
];

describe('"Earlier Messages" in the request', () => {
	it('goes after the system prompt and before the new message, as given', async () => {
		const { outputs, error } = await runNode({
			nodeType: new VisionChat(),
			parameters: {
				model: { __rl: true, mode: 'id', value: 'gpt-4o' },
				prompt: 'What brand is it?',
				imageInput: 'binary',
				systemPrompt: 'Be brief.',
				options: { messages: JSON.stringify(HISTORY), emitChunks: false },
			},
			inputItems: [{ json: {} }],
			credentials: { visionChatApi: { apiKey: 'k', baseUrl: server.baseUrl } },
		});
		expect(error).toBeUndefined();
		expect(outputs[0][0].json.text).toBe('It is a Brompton.');
		// No file on the item: with earlier turns that is a follow-up, not "Item 0 has no binary data".
		expect(server.requests[0].json.messages).toEqual([
			{ role: 'system', content: 'Be brief.' },
			...HISTORY,
			{ role: 'user', content: [{ type: 'text', text: 'What brand is it?' }] },
		]);
	});

	it('an expression may return the array itself; empty text and [] send no history', () => {
		expect(earlierMessages(HISTORY)).toEqual(HISTORY);
		expect(earlierMessages('')).toEqual([]);
		expect(earlierMessages('[]')).toEqual([]);
		expect(earlierMessages(undefined)).toEqual([]);
		expect(earlierMessages([{ role: 'system', content: 'x', name: 'rules' }])).toEqual([{ role: 'system', content: 'x', name: 'rules' }]);
	});
});

describe('"Earlier Messages" errors name the entry and the field', () => {
	const cases: Array<[string, unknown, RegExp]> = [
		['not JSON', '[{role: user}]', /"Earlier Messages" is not valid JSON/],
		['not an array', '{"role": "user", "content": "hi"}', /must be a JSON array of \{role, content\} objects, not \{"role"/],
		['an entry that is not an object', '["hi"]', /messages\[0\] must be an object with "role" and "content", not "hi"/],
		['a missing role', '[{"content": "hi"}]', /messages\[0\]\.role is missing; it must be "user", "assistant" or "system"/],
		['an unknown role', '[{"role": "user", "content": "a"}, {"role": "bot", "content": "b"}]', /messages\[1\]\.role is "bot"/],
		['a missing content', '[{"role": "user"}]', /messages\[0\]\.content is missing; it must be a string or an array of content parts/],
		['a number as content', '[{"role": "assistant", "content": 42}]', /messages\[0\]\.content is 42/],
		['empty content parts', '[{"role": "user", "content": []}]', /messages\[0\]\.content is an empty array/],
		['a part that is not an object', '[{"role": "user", "content": ["hi"]}]', /messages\[0\]\.content\[0\] must be an object with a "type"/],
		['a part without type', '[{"role": "user", "content": [{"text": "hi"}]}]', /messages\[0\]\.content\[0\]\.type is missing/],
		['a text part without text', '[{"role": "user", "content": [{"type": "text"}]}]', /messages\[0\]\.content\[0\]\.text is missing; it must be a string/],
		['an image without url', '[{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}]', /messages\[0\]\.content\[0\]\.image_url\.url is missing/],
		['an image URL that is not one', '[{"role": "user", "content": [{"type": "image_url", "image_url": "ftp://x"}]}]', /image_url\.url is "ftp:\/\/x"; it must be an http\(s\) URL/],
		['an image in an assistant message', '[{"role": "assistant", "content": [{"type": "image_url", "image_url": {"url": "https://x/a.png"}}]}]', /messages\[0\]\.content\[0\] is an image in a message of role "assistant"/],
		['a name that is not a string', '[{"role": "user", "content": "a", "name": 7}]', /messages\[0\]\.name must be a string, not 7/],
	];
	it.each(cases)('%s', (_label, value, message) => {
		let thrown: unknown;
		try {
			earlierMessages(value as string);
		} catch (error) {
			thrown = error;
		}
		expect(thrown).toBeInstanceOf(InputError);
		expect((thrown as InputError).message).toMatch(message);
		expect((thrown as InputError).hint).toBeTruthy();
	});

	it('reaches the node as an error of the item', async () => {
		const { error } = await runNode({
			nodeType: new VisionChat(),
			parameters: { model: { __rl: true, mode: 'id', value: 'gpt-4o' }, prompt: 'Hi', imageInput: 'none', options: { messages: '[{"role": "bot", "content": "b"}]' } },
			inputItems: [{ json: {} }],
			credentials: { visionChatApi: { apiKey: 'k', baseUrl: server.baseUrl } },
		});
		expect(error?.message).toBe('"Earlier Messages": messages[0].role is "bot"; it must be "user", "assistant" or "system" (item 0)');
		expect(server.requests).toHaveLength(0);
	});
});

describe('messages a memory holds', () => {
	const human = (content: unknown) => ({ getType: () => 'human', content });
	const ai = (content: unknown) => ({ getType: () => 'ai', content });
	const imagePart = (url: string) => ({ type: 'image_url', image_url: { url } });

	it('read back in every image shape LangChain and n8n use; tool steps are left out', () => {
		const saved = savedContent('What is this?', 2, [{ mimeType: 'image/jpeg', base64: 'QUJD' }, { url: CAT }]);
		expect(turnOf(human(saved))).toEqual({ role: 'user', text: 'What is this?\n[2 images attached]', images: ['data:image/jpeg;base64,QUJD', CAT], attached: 2 });
		// n8n's AI-node SDK memories hand images back as file blocks; v0.3 LangChain blocks too.
		const shapes = [
			{ type: 'file', mimeType: 'image/png', data: 'QUJD' },
			{ type: 'image', source_type: 'base64', mime_type: 'image/png', data: 'QUJD' },
			{ type: 'image', source_type: 'url', data: CAT },
			{ type: 'image_url', image_url: CAT },
		];
		expect(turnOf(human([{ type: 'text', text: 'x' }, ...shapes]))?.images).toEqual(['data:image/png;base64,QUJD', 'data:image/png;base64,QUJD', CAT, CAT]);
		expect(turnOf(ai(''))).toBeUndefined(); // an Agent's tool call
		expect(turnOf({ getType: () => 'tool', content: '{}' })).toBeUndefined();
		expect(turnOf({ _getType: () => 'ai', content: 'A bike.' })).toEqual({ role: 'assistant', text: 'A bike.', images: [], attached: 0 });
	});

	it('a memory that kept only the text: the answer comes with a warning, the history as text', () => {
		const turns = [turnOf(human('What is this?\n[image attached]'))!, turnOf(ai('A red bike.'))!];
		const plan = replayHistory(turns, { images: true, max: 2 }, imagePart);
		expect(plan.reused).toBe(0);
		expect(plan.notes).toEqual([TEXT_ONLY_WARNING]);
		expect(plan.messages).toEqual([
			{ role: 'user', content: 'What is this?\n[image attached]' },
			{ role: 'assistant', content: 'A red bike.' },
		]);
		// Text turns without a picture (an Agent's, say) are no reason to warn.
		expect(replayHistory([turnOf(human('Hello'))!, turnOf(ai('Hi!'))!], { images: true, max: 2 }, imagePart).notes).toEqual([]);
	});
});
