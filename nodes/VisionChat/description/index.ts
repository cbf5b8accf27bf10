import type { INodeProperties } from 'n8n-workflow';
import { imageInputProperties } from '../sources';
import { optionsCollection } from './options';

export const DEFAULT_MODEL = 'claude-sonnet-4-20250514';

/** Parameter names are a public interface: workflows store them. Never rename one. */
export const properties: INodeProperties[] = [
	{
		displayName: 'Model',
		name: 'model',
		type: 'resourceLocator',
		default: { mode: 'list', value: DEFAULT_MODEL },
		required: true,
		description: 'The model that answers. It must accept images (a vision model).',
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				placeholder: 'Select a model...',
				typeOptions: { searchListMethod: 'searchModels', searchable: true },
			},
			{
				displayName: 'ID',
				name: 'id',
				type: 'string',
				placeholder: 'e.g. gpt-4o',
			},
		],
	},
	{
		displayName: 'Prompt',
		name: 'prompt',
		type: 'string',
		typeOptions: { rows: 4 },
		default: 'What is in this image? Describe it in detail.',
		placeholder: 'e.g. Read the total amount on this receipt',
		description: 'The question or instruction about the images, sent as the text of the user message',
	},
	...imageInputProperties,
	{
		displayName: 'System Prompt',
		name: 'systemPrompt',
		type: 'string',
		typeOptions: { rows: 2 },
		default: '',
		placeholder: 'e.g. You are a careful insurance claims assessor.',
		description: 'Instructions sent as a system message before the prompt. Leave empty to send none.',
	},
	optionsCollection,
];
