import { chatCompletionsUrl, modelsUrl, normaliseApiKey, sendsKeyInClear } from '../../../nodes/VisionChat/stream/request/endpoint';

describe('base URL and key, as users paste them', () => {
	it.each([
		['https://api.openai.com/v1', 'https://api.openai.com/v1/chat/completions'],
		['https://api.openai.com/v1/', 'https://api.openai.com/v1/chat/completions'],
		[' https://relay.example/v1/chat/completions ', 'https://relay.example/v1/chat/completions'],
		['api.example.com/v1', 'https://api.example.com/v1/chat/completions'],
		['localhost:11434/v1', 'http://localhost:11434/v1/chat/completions'],
		['https://openrouter.ai/api/v1/models', 'https://openrouter.ai/api/v1/chat/completions'],
	])('%s -> %s', (input, expected) => {
		expect(chatCompletionsUrl(input)).toBe(expected);
	});

	it('derives the models URL the same way', () => {
		expect(modelsUrl('https://x.example/v1/chat/completions/')).toBe('https://x.example/v1/models');
	});

	it('refuses a base URL that is not http(s)', () => {
		expect(() => chatCompletionsUrl('ftp://x/v1')).toThrow('must start with http:// or https://');
		expect(() => chatCompletionsUrl('')).toThrow('The base URL is empty');
	});

	it('trims the key and drops a pasted Bearer prefix', () => {
		expect(normaliseApiKey('  Bearer sk-abc \n')).toBe('sk-abc');
		expect(normaliseApiKey('sk-abc')).toBe('sk-abc');
	});

	it('flags plain http only when it leaves the machine', () => {
		expect(sendsKeyInClear('http://10.1.2.3:8000/v1/chat/completions')).toBe(true);
		expect(sendsKeyInClear('http://localhost:1234/v1/chat/completions')).toBe(false);
		expect(sendsKeyInClear('https://api.openai.com/v1/chat/completions')).toBe(false);
	});
});
