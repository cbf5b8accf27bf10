import { ChunkDecoder } from '../../../nodes/VisionChat/stream/sse/chunkDecoder';
import { VisionStreamError } from '../../../nodes/VisionChat/stream/errors/streamError';
import type { ChatCompletionChunk } from '../../../nodes/VisionChat/stream/types';

function decode(pieces: Array<string | Uint8Array>, opts: { end?: boolean } = {}) {
	const chunks: ChatCompletionChunk[] = [];
	let done = false;
	const decoder = new ChunkDecoder({ onChunk: (c) => chunks.push(c), onDone: () => (done = true) });
	for (const piece of pieces) decoder.feed(typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece);
	if (opts.end !== false && !decoder.done) decoder.end();
	return { chunks, done, text: chunks.map((c) => c.choices?.[0]?.delta?.content ?? '').join('') };
}

const c = (content: string) => JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content } }] });

describe('ChunkDecoder: SSE framing', () => {
	const text = 'Ünïcødé 猫 🐈 done';
	const pieces = ['Ünïcødé', ' 猫', ' 🐈', ' done'];

	it.each([
		['LF', '\n'],
		['CRLF', '\r\n'],
		['CR', '\r'],
	])('reads events separated by %s line endings', (_name, eol) => {
		const stream = pieces.map((p) => `data: ${c(p)}${eol}${eol}`).join('') + `data: [DONE]${eol}${eol}`;
		const result = decode([stream]);
		expect(result.text).toBe(text);
		expect(result.done).toBe(true);
	});

	it('accepts data: without the space, comments, keep-alives and event/id/retry fields', () => {
		const stream = [
			': OPENROUTER PROCESSING\n\n',
			'retry: 3000\n',
			'id: 1\n',
			`data:${c('a')}\n\n`,
			':keep-alive\n\n',
			'event: message\n',
			`data: ${c('b')}\n\n`,
			'event: ping\ndata: {"type":"ping"}\n\n',
			'data: [DONE]\n\n',
		].join('');
		const result = decode([stream]);
		expect(result.text).toBe('ab');
		expect(result.chunks).toHaveLength(2);
		expect(result.done).toBe(true);
	});

	it('gives the same answer for a network split at every byte, including inside UTF-8 characters', () => {
		const whole = Buffer.from(pieces.map((p) => `data: ${c(p)}\r\n\r\n`).join('') + 'data: [DONE]\r\n\r\n', 'utf8');
		for (let split = 1; split < whole.length; split++) {
			const result = decode([whole.subarray(0, split), whole.subarray(split)]);
			expect(result.text).toBe(text);
			expect(result.done).toBe(true);
		}
	});

	it('gives the same answer when every byte arrives alone', () => {
		const whole = Buffer.from(pieces.map((p) => `data: ${c(p)}\n\n`).join('') + 'data: [DONE]\n\n', 'utf8');
		const bytes = Array.from(whole, (b) => Uint8Array.of(b));
		expect(decode(bytes).text).toBe(text);
	});

	it('joins multi-line data fields with a newline, as the spec says', () => {
		const result = decode(['data: {"choices":[{"index":0,\ndata: "delta":{"content":"x"}}]}\n\n']);
		expect(result.text).toBe('x');
	});

	it('dispatches a last event the server closed without its blank line', () => {
		const result = decode([`data: ${c('tail')}`]);
		expect(result.text).toBe('tail');
	});

	it('drops a truncated last event instead of calling it garbage', () => {
		const result = decode([`data: ${c('ok')}\n\ndata: {"choi`]);
		expect(result.text).toBe('ok');
	});

	it('stops at [DONE] and ignores anything after it', () => {
		const result = decode([`data: ${c('a')}\n\ndata: [DONE]\n\ndata: ${c('b')}\n\n`]);
		expect(result.text).toBe('a');
	});
});

describe('ChunkDecoder: failures carry the server message', () => {
	function failure(stream: string): VisionStreamError {
		try {
			decode([stream]);
		} catch (error) {
			return error as VisionStreamError;
		}
		throw new Error('expected a failure');
	}

	it('an event: error names the server message', () => {
		const error = failure('event: error\ndata: {"error":{"message":"Upstream overloaded","code":"server_busy"}}\n\n');
		expect(error.kind).toBe('server');
		expect(error.message).toBe('The server reported an error mid-stream: Upstream overloaded (server_busy)');
	});

	it('a data object carrying error is a failure', () => {
		const error = failure(`data: ${c('par')}\n\ndata: {"error":{"message":"content filter triggered"}}\n\n`);
		expect(error.kind).toBe('server');
		expect(error.serverMessage).toBe('content filter triggered');
	});

	it('garbage that is not JSON in data: is a protocol failure quoting it', () => {
		const error = failure('data: <html>oops</html>\n\n');
		expect(error.kind).toBe('protocol');
		expect(error.message).toBe('The server sent data that is not JSON: <html>oops</html>');
	});

	it('an oversized event is refused without buffering it all', () => {
		const chunks: ChatCompletionChunk[] = [];
		const decoder = new ChunkDecoder({ onChunk: (x) => chunks.push(x), onDone: () => undefined }, 1024);
		expect(() => decoder.feed(Buffer.from(`data: "${'x'.repeat(5000)}`))).toThrow(/larger than/);
	});
});
