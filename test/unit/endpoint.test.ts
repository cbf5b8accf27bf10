import { chatCompletionsUrl, modelsUrl, normaliseApiKey, sendsKeyInClear } from '../../nodes/VisionChat/stream/request/endpoint';
import { parseImageUrls } from '../../nodes/VisionChat/sources/urls';
import { sniffType } from '../../nodes/VisionChat/sources/imageType';
import { backoffDelayMs } from '../../nodes/VisionChat/stream/retry/policy';
import { serverRequestedDelayMs } from '../../nodes/VisionChat/stream/retry/retryAfter';

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

describe('image URLs', () => {
	it('splits on commas and new lines without breaking data: URLs', () => {
		expect(parseImageUrls('https://a/1.png, https://a/2.png\ndata:image/png;base64,iVBORw0KGgo=')).toEqual([
			'https://a/1.png',
			'https://a/2.png',
			'data:image/png;base64,iVBORw0KGgo=',
		]);
	});

	it('accepts an array from an expression', () => {
		expect(parseImageUrls(['https://a/1.png'])).toEqual(['https://a/1.png']);
	});

	it.each([
		['not a url', /"not a url" in "Image URLs" is not a valid URL/],
		['ftp://host/x.png', /is not an http\(s\) or data: URL/],
		['data:text/plain;base64,aGk=', /is not a base64 image data URL/],
	])('refuses %s', (url, message) => {
		expect(() => parseImageUrls(url)).toThrow(message);
	});
});

describe('image type from bytes', () => {
	it.each([
		[[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'image/png', true],
		[[0xff, 0xd8, 0xff, 0xe0], 'image/jpeg', true],
		[[...Buffer.from('GIF89a')], 'image/gif', true],
		[[...Buffer.from('RIFF\0\0\0\0WEBPVP8 ')], 'image/webp', true],
		[[...Buffer.from('%PDF-1.7')], 'application/pdf', false],
	])('%j is %s', (bytes, mimeType, isImage) => {
		expect(sniffType(Uint8Array.from(bytes))).toEqual({ mimeType, isImage });
	});

	it('does not know random bytes', () => {
		expect(sniffType(Uint8Array.from([1, 2, 3, 4]))).toBeUndefined();
	});
});

describe('retry timing', () => {
	it('reads retry-after-ms, Retry-After seconds and HTTP dates', () => {
		expect(serverRequestedDelayMs({ 'retry-after-ms': '250' })).toBe(250);
		expect(serverRequestedDelayMs({ 'retry-after': '3' })).toBe(3000);
		const now = Date.parse('2026-01-01T00:00:00Z');
		expect(serverRequestedDelayMs({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }, now)).toBe(5000);
		expect(serverRequestedDelayMs({})).toBeUndefined();
	});

	it('backs off exponentially with jitter, capped', () => {
		expect(backoffDelayMs(0, { baseDelayMs: 100, maxDelayMs: 1000 }, () => 1)).toBe(100);
		expect(backoffDelayMs(2, { baseDelayMs: 100, maxDelayMs: 1000 }, () => 0)).toBe(300);
		expect(backoffDelayMs(10, { baseDelayMs: 100, maxDelayMs: 1000 }, () => 1)).toBe(1000);
	});
});
