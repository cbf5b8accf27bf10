import type { INodeProperties } from 'n8n-workflow';

/** How earlier turns reach the model: from the connected memory, or given as `messages`. */
export interface ConversationOptions {
	/** A JSON array of `{role, content}` (text, or an expression returning the array). */
	messages?: string | object;
	reuseImages?: boolean;
	reuseImagesMax?: number;
}

export const DEFAULT_REUSE_IMAGES_MAX = 2;

/** Entries of the node's Options collection; parameter names are a public interface, never rename one. */
export const conversationOptionFields: INodeProperties[] = [
	{
		displayName: 'Earlier Messages',
		name: 'messages',
		type: 'json',
		default: '[]',
		description:
			'Earlier turns of the conversation, for workflows that keep the history themselves: a JSON array of {"role": "user" | "assistant" | "system", "content": "text" or OpenAI content parts}. Sent after the system prompt, before the turns of a connected Memory and the new message.',
	},
	{
		displayName: 'Re-Use Images',
		name: 'reuseImages',
		type: 'boolean',
		default: true,
		description:
			'Whether, with a Memory connected, a message without an image re-sends the most recent picture of the conversation (kept downscaled in the memory), so follow-up questions are about that picture',
	},
	{
		displayName: 'Re-Use Images Max',
		name: 'reuseImagesMax',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 10 },
		default: DEFAULT_REUSE_IMAGES_MAX,
		description: 'With a Memory connected: at most this many images of a message are kept in the memory and re-sent with follow-ups. 0 keeps none.',
	},
];
