import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { properties } from './description/index';
import { executeVisionChat } from './execute/executeVisionChat';
import { searchModels, testVisionChatCredential } from './methods/listSearch';

export class VisionChat implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Vision Chat (Streaming)',
		name: 'visionChat',
		icon: { light: 'file:visionChat.svg', dark: 'file:visionChat.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle:
			'={{ ($parameter["model"].cachedResultName || $parameter["model"].value || $parameter["model"]) + ({ binary: "", url: " · URL", base64: " · base64", none: " · text" })[$parameter["imageInput"]] }}',
		description: 'Ask a vision model a question about images (files or URLs) and get the answer streamed, from any OpenAI-compatible API',
		defaults: { name: 'Vision Chat' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
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
