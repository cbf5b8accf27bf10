/** The loopback model server for a jest file: started once, reset before each test, closed after. */
import { startTestServer, type Handler, type TestServer } from '../server';

/** `onStart` receives the server; `answer` (optional) is what it answers unless a test routes otherwise. */
export function useTestServer(onStart: (server: TestServer) => void, answer?: Handler): void {
	let server: TestServer;
	beforeAll(async () => {
		server = await startTestServer();
		onStart(server);
	});
	afterAll(() => server.close());
	beforeEach(() => {
		server.reset();
		if (answer) server.route('*', answer);
	});
}
