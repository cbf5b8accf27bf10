import { buildChatRequest, type ChatRequestInput } from '../../../nodes/VisionChat/request/chatBody';
import { InlineImage } from '../../../nodes/VisionChat/stream/request/body';
import { InputError } from '../../../nodes/VisionChat/helpers/inputError';

const base: ChatRequestInput = { model: 'gpt-4o', prompt: 'What is this?', images: ['https://example.com/a.png'], options: {} };

function inputError(input: Partial<ChatRequestInput>): InputError {
	try {
		buildChatRequest({ ...base, ...input });
	} catch (error) {
		expect(error).toBeInstanceOf(InputError);
		return error as InputError;
	}
	throw new Error('expected an InputError');
}

describe('buildChatRequest', () => {
	it('builds the reference body: system message, then one user message with text and image parts', () => {
		expect(buildChatRequest({ ...base, systemPrompt: 'You are a helpful assistant.' })).toEqual({
			model: 'gpt-4o',
			messages: [
				{ role: 'system', content: 'You are a helpful assistant.' },
				{
					role: 'user',
					content: [
						{ type: 'text', text: 'What is this?' },
						{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
					],
				},
			],
			stream: true,
		});
	});

	it('sends no system message when the system prompt is empty, and one part per image', () => {
		const image = new InlineImage('image/png', Buffer.from([1]));
		const body = buildChatRequest({ ...base, images: ['https://x/1.png', image], systemPrompt: '  ' });
		const messages = body.messages as Array<{ role: string; content: Array<{ image_url?: { url: unknown } }> }>;
		expect(messages).toHaveLength(1);
		expect(messages[0].content.map((p) => p.image_url?.url)).toEqual([undefined, 'https://x/1.png', image]);
	});

	it('maps every option to its API name, only when set', () => {
		const body = buildChatRequest({
			...base,
			options: {
				detail: 'low',
				temperature: 0.2,
				topP: 0.9,
				n: 2,
				stop: '["END","###"]',
				maxTokens: 300,
				presencePenalty: 0.5,
				frequencyPenalty: -0.5,
				logitBias: '{"50256": -100}',
				user: 'u-1',
				seed: 42,
				responseFormat: 'json_object',
				tools: '[{"type":"function","function":{"name":"f","parameters":{}}}]',
				toolChoice: 'f',
				includeUsage: true,
				timeout: 1000,
				maxRetries: 1,
				emitChunks: false,
			},
		});
		const { messages, ...rest } = body;
		expect((messages as any)[0].content[1].image_url).toEqual({ url: 'https://example.com/a.png', detail: 'low' });
		expect(rest).toEqual({
			model: 'gpt-4o',
			stream: true,
			temperature: 0.2,
			top_p: 0.9,
			n: 2,
			stop: ['END', '###'],
			max_tokens: 300,
			presence_penalty: 0.5,
			frequency_penalty: -0.5,
			logit_bias: { '50256': -100 },
			user: 'u-1',
			seed: 42,
			response_format: { type: 'json_object' },
			tools: [{ type: 'function', function: { name: 'f', parameters: {} } }],
			tool_choice: { type: 'function', function: { name: 'f' } },
			stream_options: { include_usage: true },
		});
	});

	it('wraps a bare JSON schema and keeps an API-shaped one', () => {
		const bare = buildChatRequest({ ...base, options: { responseFormat: 'json_schema', jsonSchema: '{"type":"object"}' } });
		expect(bare.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'response', strict: true, schema: { type: 'object' } } });
		const shaped = buildChatRequest({ ...base, options: { responseFormat: 'json_schema', jsonSchema: { name: 'receipt', schema: { type: 'object' } } } });
		expect(shaped.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'receipt', schema: { type: 'object' } } });
	});

	it.each([
		[{ options: { logitBias: '{bad' } }, /^"Logit Bias" is not valid JSON/],
		[{ options: { tools: '{"type":"function"}' } }, /^"Tools" must be a JSON array$/],
		[{ options: { responseFormat: 'json_schema' as const, jsonSchema: '[1' } }, /^"JSON Schema" is not valid JSON/],
		[{ options: { n: 0 } }, /^"Number of Answers \(N\)" is 0, outside 1 to 128$/],
		[{ options: { n: 1.5 } }, /whole number/],
		[{ options: { maxTokens: 0 } }, /^"Max Tokens" is 0, outside 1/],
		[{ options: { temperature: 3 } }, /^"Temperature" is 3, outside 0 to 2$/],
		[{ options: { stop: '["a","b","c","d","e"]' } }, /at most 4/],
		[{ prompt: ' ', images: [] }, /^The prompt is empty and there is no image to send$/],
		[{ model: ' ' }, /^No model is selected$/],
	])('refuses bad input with a message naming the parameter (%#)', (input, message) => {
		const error = inputError(input as Partial<ChatRequestInput>);
		expect(error.message).toMatch(message);
		expect(error.hint).toBeTruthy();
	});
});
