/**
 * Test doubles around the tool node for the AI-agent tool suites (test/node/agentTool*.test.ts):
 * a trigger, an agent that speaks n8n's engine-request protocol as AI Agent v3 does, and a chat
 * model node that supplies a scripted model (chat-model.ts).
 */
import { NodeConnectionTypes } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, INode, INodeExecutionData, INodeParameters, INodeType } from 'n8n-workflow';
import { randomUUID } from 'node:crypto';

export const PACKAGE = 'CUSTOM';
export const BASE_TYPE = `${PACKAGE}.visionChat`;
export const TOOL_TYPE = `${PACKAGE}.visionChatTool`;
export const TRIGGER_TYPE = 'test.trigger';
export const TRIGGER_NAME = 'When chat message received';
export const TOOL_NODE_NAME = 'Vision Chat';

export const CAT = 'https://images.example.com/cat.png';
export const DOG = 'https://images.example.com/dog.jpg';

export function node(name: string, type: string, typeVersion: number, parameters: INodeParameters, extra: Partial<INode> = {}): INode {
	return { id: randomUUID(), name, type, typeVersion, position: [0, 0], parameters, ...extra };
}

/** The tool node as a user sets it up: URL input, both fields left to the model. */
export const TOOL_PARAMETERS: INodeParameters = {
	model: { __rl: true, mode: 'id', value: 'gpt-4o' },
	prompt: "={{ $fromAI('prompt', 'The question or instruction about the images, e.g. What brand is the car?', 'string') }}",
	imageInput: 'url',
	imageUrls: "={{ $fromAI('imageUrls', 'The http(s) URLs of the images to look at, separated by commas', 'string') }}",
	options: { emitChunks: false },
};

export function toolNode(parameters: INodeParameters = TOOL_PARAMETERS, name = TOOL_NODE_NAME): INode {
	return node(name, TOOL_TYPE, 1, parameters, { credentials: { visionChatApi: { id: 'cred-1', name: 'Vision (test)' } } });
}

/** Emits one item, like a Chat Trigger would. */
export function triggerNodeType(json: IDataObject): INodeType {
	return {
		description: {
			displayName: 'Trigger',
			name: TRIGGER_TYPE,
			group: ['trigger'],
			version: 1,
			description: 'Emits the test item',
			defaults: { name: TRIGGER_NAME },
			inputs: [NodeConnectionTypes.Main],
			outputs: [NodeConnectionTypes.Main],
			properties: [],
		},
		async execute() {
			return [[{ json: structuredClone(json) }]];
		},
	};
}

export interface AgentRecord {
	tools: any[];
	response?: any;
	runs: number;
}

/**
 * Does what AI Agent v3 does around the LLM: gets its tools from n8n-core, asks the engine to
 * run the called tool nodes with the calls' arguments (an EngineRequest), and, run again with
 * the results, reads each tool's answer as v3 does (JSON of the items of output 0).
 */
export function protocolAgentNodeType(calls: Array<{ id: string; args: IDataObject }>, record: AgentRecord): INodeType {
	return {
		description: {
			displayName: 'Protocol Agent',
			name: 'test.protocolAgent',
			group: ['transform'],
			version: 1,
			description: 'Calls tools through engine requests',
			defaults: { name: 'AI Agent' },
			inputs: [NodeConnectionTypes.Main, { type: NodeConnectionTypes.AiTool, displayName: 'Tools' }],
			outputs: [NodeConnectionTypes.Main],
			properties: [],
		},
		async execute(this: IExecuteFunctions, response?: any): Promise<any> {
			record.runs++;
			record.tools = (await this.getInputConnectionData(NodeConnectionTypes.AiTool, 0)) as any[];
			// The engine always passes a response; it holds results only when resuming after a request.
			if (!response?.actionResponses?.length) {
				return {
					actions: calls.map((call) => {
						const tool = record.tools[0];
						return {
							actionType: 'ExecutionNodeAction',
							nodeName: tool.metadata.sourceNodeName,
							input: call.args,
							type: NodeConnectionTypes.AiTool,
							id: call.id,
							metadata: { itemIndex: 0, toolName: tool.name },
						};
					}),
					metadata: {},
				};
			}
			record.response = response;
			const observations = response.actionResponses.map((r: any) => ({
				id: r.action.id,
				observation: JSON.stringify(r.data?.data?.ai_tool?.[0]?.map((item: INodeExecutionData) => item.json) ?? ''),
			}));
			return [[{ json: { observations } }]];
		},
	};
}

/** A chat model node (ai_languageModel output) that supplies the given LangChain model. */
export function chatModelNodeType(model: unknown): INodeType {
	return {
		description: {
			displayName: 'Scripted Chat Model',
			name: 'test.chatModel',
			group: ['transform'],
			version: 1,
			description: 'A chat model that answers from a script',
			defaults: { name: 'Chat Model' },
			inputs: [],
			outputs: [NodeConnectionTypes.AiLanguageModel],
			properties: [],
		},
		async supplyData() {
			return { response: model };
		},
	};
}
