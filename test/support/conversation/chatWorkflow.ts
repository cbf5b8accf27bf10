/**
 * A chat conversation in the installed n8n 2.41.1's engine: one run per chat message, as the Chat
 * Trigger starts one execution per message. The trigger's item (sessionId, chatInput, the file as
 * `data0`) goes into Vision Chat, whose Memory input is n8n's real Simple Memory node. All runs of
 * one conversation share a workflow id: Simple Memory keys its sessions by workflow and session.
 */
import { NodeConnectionTypes } from 'n8n-workflow';
import type { ICredentialDataDecryptedObject, IConnections, IExecuteFunctions, INode, INodeParameters, INodeType } from 'n8n-workflow';
import { randomUUID } from 'node:crypto';
import { VisionChat } from '../../../nodes/VisionChat/VisionChat.node';
import { installedN8n, n8nCliNodeTypes, runWorkflow, SOURCE_NODE_NAME, SOURCE_NODE_TYPE, sourceNodeType } from '../engine';
import { BASE_TYPE, node } from '../agent-tool/nodes';

export const SIMPLE_MEMORY_TYPE = '@n8n/n8n-nodes-langchain.memoryBufferWindow';
const PROBE_TYPE = 'test.memoryProbe';
export const SYSTEM_PROMPT = 'You answer questions about pictures.';

/** A message as the memory holds it: its LangChain type and content. */
export interface HeldMessage {
	type: string;
	content: any;
}

/** Outputs every message the connected memory holds for the session (its whole history, not the window). */
const memoryProbe: INodeType = {
	description: {
		displayName: 'Memory Probe',
		name: PROBE_TYPE,
		group: ['transform'],
		version: 1,
		description: 'Reads the connected memory',
		defaults: { name: 'Memory Probe' },
		inputs: [NodeConnectionTypes.Main, { type: NodeConnectionTypes.AiMemory, displayName: 'Memory', maxConnections: 1, required: true }],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	},
	async execute(this: IExecuteFunctions) {
		const memory = (await this.getInputConnectionData(NodeConnectionTypes.AiMemory, 0)) as any;
		const messages = await memory.chatHistory.getMessages();
		const held = messages.map((message: any) => ({ type: message.getType(), content: message.content }));
		return [[{ json: { messages: held } }]];
	},
};

export interface ChatMessageIn {
	text: string;
	/** Attached files, as the Chat Trigger hands them on: `data0`, `data1`, … */
	files?: Array<{ bytes: Buffer; mimeType: string; fileName: string }>;
}

export class ChatSession {
	readonly workflowId = `conversation-${randomUUID().slice(0, 8)}`;
	readonly sessionId = `session-${randomUUID().slice(0, 8)}`;

	constructor(
		private readonly credentials: Record<string, ICredentialDataDecryptedObject>,
		private readonly visionOptions: INodeParameters = {},
		private readonly memoryParameters: INodeParameters = { contextWindowLength: 5 },
	) {}

	/** Sends one chat message: a run of trigger item → Vision Chat, with Simple Memory on its Memory input. */
	async send(message: ChatMessageIn) {
		const vision = node('Vision Chat', BASE_TYPE, 1, {
			model: { __rl: true, mode: 'id', value: 'gpt-4o' },
			prompt: '={{ $json.chatInput }}',
			imageInput: 'binary',
			binaryPropertyName: '*',
			systemPrompt: SYSTEM_PROMPT,
			options: { emitChunks: false, maxRetries: 0, ...this.visionOptions },
		}, { credentials: { visionChatApi: { id: 'cred-1', name: 'Vision (test)' } } });
		const files = message.files ?? [];
		const binary = files.length ? Object.fromEntries(files.map((file, i) => [`data${i}`, { buffer: file.bytes, mimeType: file.mimeType, fileName: file.fileName }])) : undefined;
		const item = { json: { sessionId: this.sessionId, action: 'sendMessage', chatInput: message.text }, ...(binary ? { binary: binary as any } : {}) };
		return await this.run(vision, item);
	}

	/** What Simple Memory holds for this session now. */
	async held(): Promise<HeldMessage[]> {
		const { run } = await this.run(node('Memory Probe', PROBE_TYPE, 1, {}), { json: { sessionId: this.sessionId } });
		const error = run.data.resultData.error;
		if (error) throw new Error(`memory probe failed: ${error.message}`);
		return run.data.resultData.runData['Memory Probe'][0].data!.main[0]![0].json.messages as unknown as HeldMessage[];
	}

	private async run(target: INode, item: object) {
		const { MemoryBufferWindow } = installedN8n().file('@n8n/n8n-nodes-langchain/dist/nodes/memory/MemoryBufferWindow/MemoryBufferWindow.node.js');
		const nodeTypes = n8nCliNodeTypes(installedN8n(), {
			[BASE_TYPE]: new VisionChat(),
			[SOURCE_NODE_TYPE]: sourceNodeType([item as any]),
			[SIMPLE_MEMORY_TYPE]: new MemoryBufferWindow(),
			[PROBE_TYPE]: memoryProbe,
		});
		const memory = node('Simple Memory', SIMPLE_MEMORY_TYPE, 1.3, { sessionIdType: 'fromInput', sessionKey: '={{ $json.sessionId }}', ...this.memoryParameters });
		const nodes = [node(SOURCE_NODE_NAME, SOURCE_NODE_TYPE, 1, {}), target, memory];
		const connections: IConnections = {
			[SOURCE_NODE_NAME]: { main: [[{ node: target.name, type: NodeConnectionTypes.Main, index: 0 }]] },
			[memory.name]: { ai_memory: [[{ node: target.name, type: NodeConnectionTypes.AiMemory, index: 0 }]] },
		};
		return await runWorkflow({ engine: installedN8n(), nodes, connections, nodeTypes, credentials: this.credentials, workflowId: this.workflowId });
	}
}
