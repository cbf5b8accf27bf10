import type { INodeProperties } from 'n8n-workflow';

/** What the node outputs besides the Result item, and where the live text goes. */
export interface OutputOptions {
	emitChunks?: boolean;
	groupChunksMs?: number;
	streamToCaller?: boolean;
	keepInput?: boolean;
}

/** Entries of the node's Options collection; parameter names are a public interface, never rename one. */
export const outputOptionFields: INodeProperties[] = [
	{
		displayName: 'Emit Chunks',
		name: 'emitChunks',
		type: 'boolean',
		default: true,
		description: 'Whether to output every received chunk as an item on the Chunks output. A long answer is hundreds of chunks, each stored as an item in the execution: turn this off when you only need the text.',
	},
	{
		displayName: 'Group Chunks (Ms)',
		name: 'groupChunksMs',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 0,
		description: 'Merge the chunks received within this many milliseconds into one Chunks item (text joined per choice). 0 = one item per chunk, exactly as received. 250–1000 keeps long answers from storing thousands of items.',
	},
	{
		displayName: 'Keep Input Data',
		name: 'keepInput',
		type: 'boolean',
		default: false,
		description: 'Whether to carry the input item\'s fields and binary files into the Result item, e.g. to save the image next to its description',
	},
	{
		displayName: 'Stream to Caller',
		name: 'streamToCaller',
		type: 'boolean',
		default: true,
		description: 'Whether to send the answer text live to whoever started the workflow, when n8n streams (a Webhook with response mode "Streaming", or a Chat Trigger with streaming on). Turn off when this node is not the answer the caller should see.',
	},
];
