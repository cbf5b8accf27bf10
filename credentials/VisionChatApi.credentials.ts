import type { ICredentialDataDecryptedObject, ICredentialType, IHttpRequestOptions, INodeProperties, Icon } from 'n8n-workflow';
import { keyHeaders, type KeyAuth } from '../nodes/VisionChat/stream/request/auth';
import { normaliseApiKey } from '../nodes/VisionChat/stream/request/endpoint';

export class VisionChatApi implements ICredentialType {
	name = 'visionChatApi';

	displayName = 'Vision Chat API';

	icon: Icon = { light: 'file:visionChat.svg', dark: 'file:visionChat.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-vision-stream/n8n-nodes-vision-stream#credential';

	properties: INodeProperties[] = [
		{
			displayName: 'Send Key As',
			name: 'sendKeyAs',
			type: 'options',
			options: [
				{ name: 'Authorization: Bearer', value: 'bearer', description: 'OpenAI, OpenRouter, Groq, Mistral, most relays' },
				{ name: 'Header of Your Naming', value: 'header', description: 'Azure OpenAI (api-key), gateways that want x-api-key' },
				{ name: 'No Key', value: 'none', description: 'Local servers (Ollama, LM Studio, vLLM) or a key in the base URL\'s query' },
			],
			default: 'bearer',
			description: 'How the API key travels with every request, the model list and the credential test included',
		},
		{
			displayName: 'Key Header Name',
			name: 'keyHeaderName',
			type: 'string',
			default: 'api-key',
			placeholder: 'api-key',
			description: 'The header that carries the bare key, e.g. api-key for Azure OpenAI or x-api-key',
			displayOptions: { show: { sendKeyAs: ['header'] } },
		},
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'The key, sent as chosen above. Spaces and a leading "Bearer " are removed.',
			displayOptions: { show: { sendKeyAs: ['bearer', 'header'] } },
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://www.kkiai.com/v1',
			required: true,
			placeholder: 'e.g. https://api.openai.com/v1',
			description:
				'Root of the OpenAI-compatible API, without /chat/completions. Examples: https://api.openai.com/v1, https://openrouter.ai/api/v1, http://localhost:11434/v1 (Ollama), http://localhost:1234/v1 (LM Studio).',
		},
		{
			displayName: 'Custom Headers',
			name: 'customHeaders',
			type: 'string',
			typeOptions: { rows: 3 },
			default: '',
			placeholder: 'HTTP-Referer: https://my-company.example\nX-Title: Invoice reader',
			description: 'Extra headers sent with every request, one "Name: Value" per line. For example OpenRouter\'s HTTP-Referer and X-Title, or a relay\'s own header. Like the key, they are never sent to another host.',
		},
		{
			displayName: 'Allow Self-Signed Certificates',
			name: 'ignoreSslIssues',
			type: 'boolean',
			default: false,
			description: 'Whether to accept untrusted TLS certificates (a private gateway with its own certificate). Applies to the chat, the model list, image downloads and this test.',
		},
		{
			displayName: 'Max Requests Per Minute',
			name: 'maxRequestsPerMinute',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: 0,
			description: 'Your plan\'s request limit, shared by every workflow that uses this key at this base URL (in queue mode: per worker, so divide it by the number of workers). 0 means none: the node still paces itself to the rate-limit headers the provider sends.',
		},
		{
			displayName: 'Max Concurrent Requests',
			name: 'maxConcurrentRequests',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: 0,
			description: 'The most requests in flight at once with this key at this base URL, across all workflows (in queue mode: per worker). 0 means none. Each node\'s Concurrency option still applies per execution.',
		},
	];

	// For n8n's own requests with this credential (e.g. an HTTP Request node): the same key placement as the node.
	async authenticate(credentials: ICredentialDataDecryptedObject, requestOptions: IHttpRequestOptions): Promise<IHttpRequestOptions> {
		const auth: KeyAuth = { placement: (credentials.sendKeyAs as KeyAuth['placement']) ?? 'bearer', headerName: credentials.keyHeaderName as string | undefined };
		const apiKey = auth.placement === 'none' ? '' : normaliseApiKey(String(credentials.apiKey ?? ''));
		requestOptions.headers = { ...requestOptions.headers, ...keyHeaders(apiKey, auth) };
		return requestOptions;
	}
}
