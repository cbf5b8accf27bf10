import type { INodeProperties } from 'n8n-workflow';

/** Options that become fields of the chat completions body; each reaches the API only when the user set it. */
export interface BodyOptions {
	temperature?: number;
	topP?: number;
	n?: number;
	stop?: string;
	maxTokens?: number;
	maxTokensField?: 'max_tokens' | 'max_completion_tokens';
	presencePenalty?: number;
	frequencyPenalty?: number;
	logitBias?: string | object;
	user?: string;
	seed?: number;
	responseFormat?: 'text' | 'json_object' | 'json_schema' | 'json_example';
	jsonSchema?: string | object;
	tools?: string | object;
	toolChoice?: string;
	includeUsage?: boolean;
	extraBody?: string | object;
}

/** Entries of the node's Options collection; parameter names are a public interface, never rename one. */
export const bodyOptionFields: INodeProperties[] = [
	{
		displayName: 'Extra Body',
		name: 'extraBody',
		type: 'json',
		default: '{}',
		description: 'Provider-specific fields merged into the request, e.g. {"top_k": 40}, {"reasoning_effort": "low"} or OpenRouter\'s {"provider": {...}}. Cannot set model, messages or stream.',
	},
	{
		displayName: 'Frequency Penalty',
		name: 'frequencyPenalty',
		type: 'number',
		typeOptions: { minValue: -2, maxValue: 2, numberPrecision: 2 },
		default: 0,
		description: 'Positive values make the model less likely to repeat the same words (-2 to 2)',
	},
	{
		displayName: 'Include Usage',
		name: 'includeUsage',
		type: 'boolean',
		default: false,
		description: 'Whether to ask for token usage at the end of the stream (sends stream_options.include_usage)',
	},
	{
		displayName: 'JSON Schema',
		name: 'jsonSchema',
		type: 'json',
		default: '{\n  "type": "object",\n  "properties": {\n    "description": { "type": "string" }\n  },\n  "required": ["description"],\n  "additionalProperties": false\n}',
		description: 'The JSON schema the answer must follow. Either a schema, or {"name", "schema", "strict"} as the API takes it.',
		displayOptions: { show: { responseFormat: ['json_schema'] } },
	},
	{
		displayName: 'Logit Bias',
		name: 'logitBias',
		type: 'json',
		default: '{}',
		description: 'A JSON object mapping token IDs to a bias from -100 to 100',
	},
	{
		displayName: 'Max Tokens',
		name: 'maxTokens',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 1024,
		description: 'The maximum number of tokens to generate (sent as max_tokens)',
	},
	{
		displayName: 'Max Tokens Field',
		name: 'maxTokensField',
		type: 'options',
		default: 'max_tokens',
		description: 'The name "Max Tokens" is sent under. Newer OpenAI models refuse max_tokens and need max_completion_tokens.',
		options: [
			{ name: 'Max_tokens', value: 'max_tokens' },
			{ name: 'Max_completion_tokens', value: 'max_completion_tokens' },
		],
	},
	{
		displayName: 'Number of Answers (N)',
		name: 'n',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 128 },
		default: 1,
		description: 'How many alternative answers to generate. Each is in the choices of the result; the cost of the answer is multiplied by this number.',
	},
	{
		displayName: 'Presence Penalty',
		name: 'presencePenalty',
		type: 'number',
		typeOptions: { minValue: -2, maxValue: 2, numberPrecision: 2 },
		default: 0,
		description: 'Positive values make the model more likely to talk about new topics (-2 to 2)',
	},
	{
		displayName: 'Response Format',
		name: 'responseFormat',
		type: 'options',
		default: 'text',
		description: 'Ask for plain text, any JSON object, or JSON following a schema',
		options: [
			{ name: 'Text', value: 'text' },
			{ name: 'JSON Object', value: 'json_object' },
			{ name: 'JSON Schema', value: 'json_schema' },
			{ name: 'JSON From Example', value: 'json_example', description: 'Paste an example record; the node derives and enforces the schema' },
		],
	},
	{
		displayName: 'Seed',
		name: 'seed',
		type: 'number',
		default: 0,
		description: 'Ask for deterministic sampling with this seed (best effort, not every model supports it)',
	},
	{
		displayName: 'Stop Sequences',
		name: 'stop',
		type: 'string',
		default: '',
		placeholder: 'e.g. END or ["END", "###"]',
		description: 'Text where the model stops. One sequence, or a JSON array of up to 4.',
	},
	{
		displayName: 'Temperature',
		name: 'temperature',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 2, numberPrecision: 2 },
		default: 1,
		description: 'Randomness of the answer, from 0 (focused) to 2 (creative). Change this or Top P, not both.',
	},
	{
		displayName: 'Tool Choice',
		name: 'toolChoice',
		type: 'string',
		default: 'auto',
		placeholder: 'auto, none, required, or a function name',
		description: 'Whether and which tool the model calls: auto, none, required, a function name, or a JSON object',
	},
	{
		displayName: 'Tools',
		name: 'tools',
		type: 'json',
		default: '[]',
		description: 'A JSON array of tools (functions) the model may call, in the chat completions format',
	},
	{
		displayName: 'Top P',
		name: 'topP',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
		default: 1,
		description: 'Nucleus sampling: only consider tokens within this probability mass. Change this or Temperature, not both.',
	},
	{
		displayName: 'User',
		name: 'user',
		type: 'string',
		default: '',
		description: 'An identifier of your end user, passed to the provider for abuse monitoring',
	},
];
