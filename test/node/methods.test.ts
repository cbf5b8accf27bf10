/** The credential test and the model picker, against the loopback server. */
import type { ICredentialTestFunctions, ILoadOptionsFunctions } from 'n8n-workflow';
import { searchModels } from '../../nodes/VisionChat/methods/listSearch';
import { testVisionChatCredential } from '../../nodes/VisionChat/methods/credentialTest';
import { startTestServer, type TestServer } from '../server';

let server: TestServer;
beforeAll(async () => {
	server = await startTestServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

// The methods use nothing of their context but these; n8n passes its own.
const testContext = {} as ICredentialTestFunctions;
function pickerContext(credential: Record<string, string>): ILoadOptionsFunctions {
	return { getCredentials: async () => credential, getNode: () => ({ name: 'Vision Chat' }), getCurrentNodeParameter: () => ({}) } as unknown as ILoadOptionsFunctions;
}

describe('credential test (GET {baseUrl}/models)', () => {
	it('succeeds with a good key, sending the custom headers too', async () => {
		const result = await testVisionChatCredential.call(testContext, {
			id: '1',
			name: 'c',
			type: 'visionChatApi',
			data: { apiKey: ' Bearer good ', baseUrl: `${server.baseUrl}/chat/completions`, customHeaders: 'X-Title: n8n' },
		});
		expect(result).toEqual({ status: 'OK', message: 'Connection successful: 4 models available' });
		expect(server.requests[0].path).toBe('/v1/models');
		expect(server.requests[0].headers.authorization).toBe('Bearer good');
		expect(server.requests[0].headers['x-title']).toBe('n8n');
	});

	it('shows the server\'s own message when the key is refused', async () => {
		const result = await testVisionChatCredential.call(testContext, { id: '1', name: 'c', type: 'visionChatApi', data: { apiKey: 'refused-key', baseUrl: server.baseUrl } });
		expect(result).toEqual({ status: 'Error', message: 'The API key was refused (HTTP 401): Incorrect API key provided (invalid_api_key)' });
	});

	it('sends the key the way the credential says: a named header, or none', async () => {
		const named = await testVisionChatCredential.call(testContext, {
			id: '1',
			name: 'c',
			type: 'visionChatApi',
			data: { apiKey: 'az-key', baseUrl: `${server.baseUrl}?api-version=2024-10-21`, sendKeyAs: 'header', keyHeaderName: 'api-key' },
		});
		expect(named.status).toBe('OK');
		expect(server.requests[0].path).toBe('/v1/models?api-version=2024-10-21');
		expect(server.requests[0].headers['api-key']).toBe('az-key');
		expect(server.requests[0].headers.authorization).toBeUndefined();
		const none = await testVisionChatCredential.call(testContext, { id: '1', name: 'c', type: 'visionChatApi', data: { baseUrl: server.baseUrl, sendKeyAs: 'none' } });
		expect(none.status).toBe('OK');
		expect(server.requests[1].headers.authorization).toBeUndefined();
	});

	it('says what is wrong with an unreachable base URL', async () => {
		const result = await testVisionChatCredential.call(testContext, { id: '1', name: 'c', type: 'visionChatApi', data: { apiKey: 'k', baseUrl: 'http://127.0.0.1:9/v1' } });
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/^Could not reach http:\/\/127\.0\.0\.1:9\/v1\/models: .*ECONNREFUSED/);
	});
});

describe('model picker', () => {
	it('lists the server\'s models sorted, and filters by what the user types', async () => {
		const all = await searchModels.call(pickerContext({ apiKey: 'k', baseUrl: server.baseUrl }));
		expect(all.results.map((r) => r.value)).toEqual(['claude-sonnet-4-20250514', 'gpt-4o', 'llava:13b', 'qwen-vl-max']);
		const filtered = await searchModels.call(pickerContext({ apiKey: 'k', baseUrl: server.baseUrl }), 'VL');
		expect(filtered.results).toEqual([{ name: 'qwen-vl-max', value: 'qwen-vl-max' }]);
	});

	it('fails with the server\'s message and the fix', async () => {
		await expect(searchModels.call(pickerContext({ apiKey: 'refused-key', baseUrl: server.baseUrl }))).rejects.toMatchObject({
			message: 'The API key was refused (HTTP 401): Incorrect API key provided (invalid_api_key)',
			description: 'The API key was refused: check the API key in the credential',
		});
	});
});
