/** Shared setup of the core's loopback tests: one server per file, a request helper, a failure catcher. */
import { streamChatCompletion, type StreamChatOptions } from '../../nodes/VisionChat/stream/transport/client';
import { VisionStreamError } from '../../nodes/VisionChat/stream/errors/streamError';
import { startTestServer, type TestServer } from '../server';

export function useLoopback(apiKey: string) {
	const context = {} as {
		server: TestServer;
		/** Every failure caught, for checks across all of them (e.g. that the key never leaks). */
		errors: VisionStreamError[];
		run(overrides?: Partial<StreamChatOptions>): ReturnType<typeof streamChatCompletion>;
		failure(promise: Promise<unknown>): Promise<VisionStreamError>;
	};
	context.errors = [];
	beforeAll(async () => {
		context.server = await startTestServer();
	});
	afterAll(() => context.server.close());
	beforeEach(() => context.server.reset());
	context.run = (overrides = {}) =>
		streamChatCompletion({
			url: `${context.server.baseUrl}/chat/completions`,
			apiKey,
			body: { model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true },
			backoff: { baseDelayMs: 10, maxDelayMs: 50 },
			...overrides,
		});
	context.failure = async (promise) => {
		try {
			await promise;
		} catch (error) {
			expect(error).toBeInstanceOf(VisionStreamError);
			context.errors.push(error as VisionStreamError);
			return error as VisionStreamError;
		}
		throw new Error('expected the request to fail');
	};
	return context;
}
