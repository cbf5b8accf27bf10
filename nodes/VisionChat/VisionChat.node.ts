import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { properties } from './description';
import { imageSubtitleExpression } from './sources';
import { executeVisionChat } from './execute/executeVisionChat';
import { searchModels } from './methods/listSearch';
import { testVisionChatCredential } from './methods/credentialTest';

export class VisionChat implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Vision Chat (Streaming)',
		name: 'visionChat',
		icon: { light: 'file:visionChat.svg', dark: 'file:visionChat.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: imageSubtitleExpression,
		description: 'Ask a vision model a question about images (files or URLs) and get the answer streamed, from any OpenAI-compatible API',
		defaults: { name: 'Vision Chat' },
		usableAsTool: true,
		// An optional Memory, as n8n's AI Agent has: the conversation's earlier turns (docs/conversation.md).
		inputs: [NodeConnectionTypes.Main, { type: NodeConnectionTypes.AiMemory, displayName: 'Memory', maxConnections: 1, required: false }],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Result', 'Chunks'],
		credentials: [{ name: 'visionChatApi', required: true, testedBy: 'visionChatApiTest' }],
		properties,
	};

	methods = {
		listSearch: { searchModels },
		credentialTest: { visionChatApiTest: testVisionChatCredential },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return executeVisionChat.call(this);
	}
}
