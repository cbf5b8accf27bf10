/** A healthy slow stream must never be cut: one chunk a second for a minute. */
import { streamChatCompletion } from '../../../nodes/VisionChat/stream/transport/client';
import { startTestServer, streamText, type TestServer } from '../../server';

let server: TestServer;
beforeAll(async () => {
	server = await startTestServer();
});
afterAll(() => server.close());

it('one chunk per second for a minute succeeds with default timeouts', async () => {
	const pieces = Array.from({ length: 60 }, (_, i) => `t${i} `);
	server.route('*', streamText(pieces, 1000));
	const received: number[] = [];
	const started = Date.now();
	const result = await streamChatCompletion({
		url: `${server.baseUrl}/chat/completions`,
		apiKey: 'k',
		body: { model: 'm', messages: [], stream: true },
		onChunk: (_chunk, info) => received.push(info.receivedMs),
	});
	expect(result.choices[0].text).toBe(pieces.join(''));
	expect(result.chunkCount).toBe(62);
	expect(Date.now() - started).toBeGreaterThanOrEqual(60_000);
	// Delivered live, a second apart, not buffered to the end.
	expect(received[10] - received[5]).toBeGreaterThan(4_500);
}, 90_000);
