import type { INodeProperties } from 'n8n-workflow';

/** How JSON answers are checked, repaired and handed on. */
export interface StructuredOptions {
	jsonExample?: string | object;
	jsonRetries?: number;
	jsonOutput?: 'field' | 'record';
}

export const MAX_JSON_RETRIES = 3;

/** Entries of the node's Options collection; parameter names are a public interface, never rename one. */
export const structuredOptionFields: INodeProperties[] = [
	{
		displayName: 'JSON Example',
		name: 'jsonExample',
		type: 'json',
		default: '{\n  "vendor": "ACME Ltd",\n  "date": "2026-01-31",\n  "total": 12.5,\n  "items": [{ "name": "Coffee", "price": 2.5 }]\n}',
		description: 'An example of the record you want. The node derives a strict schema from it (every field required, types from the example, arrays from their first element), sends it, and checks the answer against it.',
		displayOptions: { show: { responseFormat: ['json_example'] } },
	},
	{
		displayName: 'JSON Output',
		name: 'jsonOutput',
		type: 'options',
		default: 'field',
		description: 'Where the parsed answer goes',
		options: [
			{ name: 'Field "json" Beside the Other Fields', value: 'field' },
			{ name: 'The Record Itself (Metadata Under _visionChat)', value: 'record' },
		],
		displayOptions: { show: { responseFormat: ['json_object', 'json_schema', 'json_example'] } },
	},
	{
		displayName: 'JSON Retries',
		name: 'jsonRetries',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: MAX_JSON_RETRIES },
		default: 0,
		description: 'How many times to ask again when the answer is not valid JSON or breaks the schema; the follow-up shows the model its answer and what was wrong',
		displayOptions: { show: { responseFormat: ['json_object', 'json_schema', 'json_example'] } },
	},
];
