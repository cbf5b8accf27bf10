import type { IAuthenticateGeneric, ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

export class VisionChatApi implements ICredentialType {
	name = 'visionChatApi';

	displayName = 'Vision Chat API';

	icon: Icon = { light: 'file:visionChat.svg', dark: 'file:visionChat.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-vision-stream/n8n-nodes-vision-stream#credential';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'The key sent as "Authorization: Bearer <key>". Spaces and a leading "Bearer " are removed.',
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
	];

	// Used by n8n's own requests (the model list); the node's streaming client sends the same header.
	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: { Authorization: '=Bearer {{$credentials.apiKey}}' },
		},
	};
}
