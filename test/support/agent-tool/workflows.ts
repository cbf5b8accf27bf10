/**
 * The AI-agent tool suites' workflows, run in the installed n8n 2.41.1's own engine
 * (engine/packages.ts `installedN8n`) with n8n's CLI NodeTypes, which turns
 * `CUSTOM.visionChatTool` into a tool of our node as n8n does.
 */
import { NodeConnectionTypes } from 'n8n-workflow';
import type { ICredentialDataDecryptedObject, IConnections, IDataObject, INode, INodeType } from 'n8n-workflow';
import { VisionChat } from '../../../nodes/VisionChat/VisionChat.node';
import { startTestServer, type TestServer } from '../../server';
import { installedN8n, installedN8nMissing, n8nCliNodeTypes, runWorkflow, type WorkflowRunOptions } from '../engine';
import { describeWhenAvailable } from '../prerequisites';
import { BASE_TYPE, chatModelNodeType, node, protocolAgentNodeType, toolNode, TRIGGER_NAME, TRIGGER_TYPE, triggerNodeType, type AgentRecord } from './nodes';

/** `describe` when n8n 2.41.1 is installed; else a failing test on CI, a skip elsewhere. */
export const describeIfN8nInstalled = (): jest.Describe =>
	describeWhenAvailable(installedN8nMissing(), '`npm test` installs it before jest runs (or run `npm run test:e2e` once)');

/** n8n's CLI NodeTypes of the installed n8n, knowing our node and the given types. */
export const agentNodeTypes = (known: Record<string, INodeType | object>) => n8nCliNodeTypes(installedN8n(), { [BASE_TYPE]: new VisionChat(), ...known });

/** Starts the loopback model server (test/server.ts) for the file; `fixture.credentials()` point at it. */
export function useModelServer(key: string) {
	const fixture = {
		server: undefined as unknown as TestServer,
		credentials: () => ({ visionChatApi: { apiKey: key, baseUrl: fixture.server.baseUrl } }),
	};
	beforeAll(async () => {
		fixture.server = await startTestServer();
	});
	afterAll(() => fixture.server.close());
	beforeEach(() => fixture.server.reset());
	return fixture;
}

/** Runs a workflow that starts with the trigger, in the installed n8n's engine. */
export async function runAgentWorkflow(opts: Pick<WorkflowRunOptions, 'nodes' | 'connections' | 'nodeTypes' | 'streaming'> & { credentials: Record<string, ICredentialDataDecryptedObject> }) {
	return await runWorkflow({ ...opts, engine: installedN8n(), startNode: TRIGGER_NAME });
}

const mainTo = (target: string): IConnections[string] => ({ main: [[{ node: target, type: NodeConnectionTypes.Main, index: 0 }]] });
const toolTo = (target: string): IConnections[string] => ({ ai_tool: [[{ node: target, type: NodeConnectionTypes.AiTool, index: 0 }]] });

/** Trigger -> protocol agent (nodes.ts) <- the tool node. */
export function protocolWorkflow(calls: Array<{ id: string; args: IDataObject }>, record: AgentRecord, tool: INode = toolNode()) {
	const nodeTypes = agentNodeTypes({
		[TRIGGER_TYPE]: triggerNodeType({ chatInput: 'What is in these pictures?', sessionId: 's-1' }),
		'test.protocolAgent': protocolAgentNodeType(calls, record),
	});
	const nodes = [node(TRIGGER_NAME, TRIGGER_TYPE, 1, {}), node('AI Agent', 'test.protocolAgent', 1, {}), tool];
	const connections: IConnections = { [TRIGGER_NAME]: mainTo('AI Agent'), [tool.name]: toolTo('AI Agent') };
	return { nodeTypes, nodes, connections };
}

const AGENT_TYPE = '@n8n/n8n-nodes-langchain.agent';
/**
 * What n8n's versioned `Agent` class (Agent.node.js) hands its v3 implementation. The versioned
 * class itself is not loaded: its v1 (SQL agent) pulls in sqlite3, whose binary in the n8n
 * install is built for Node 24 and crashes Node 20, on which jest may run.
 */
const AGENT_BASE_DESCRIPTION = {
	displayName: 'AI Agent',
	name: 'agent',
	group: ['transform'],
	description: 'Generates an action plan and executes it. Can use external tools.',
	defaultVersion: 3.1,
};

/** Trigger -> n8n's real AI Agent (v3) with the scripted chat model and the tool node. */
export async function runRealAgent(opts: {
	model: unknown;
	question: string;
	credentials: Record<string, ICredentialDataDecryptedObject>;
	tool?: INode;
	streaming?: boolean;
}) {
	const { model, question, tool = toolNode() } = opts;
	const { AgentV3 } = installedN8n().file('@n8n/n8n-nodes-langchain/dist/nodes/agents/Agent/V3/AgentV3.node.js');
	const nodeTypes = agentNodeTypes({
		[TRIGGER_TYPE]: triggerNodeType({ chatInput: question, sessionId: 's-1' }),
		'test.chatModel': chatModelNodeType(model),
		[AGENT_TYPE]: new AgentV3(AGENT_BASE_DESCRIPTION),
	});
	const nodes = [
		node(TRIGGER_NAME, TRIGGER_TYPE, 1, {}),
		node('AI Agent', AGENT_TYPE, 3.1, { promptType: 'auto', text: '={{ $json.chatInput }}', options: {} }),
		node('Chat Model', 'test.chatModel', 1, {}),
		tool,
	];
	const connections: IConnections = {
		[TRIGGER_NAME]: mainTo('AI Agent'),
		'Chat Model': { ai_languageModel: [[{ node: 'AI Agent', type: NodeConnectionTypes.AiLanguageModel, index: 0 }]] },
		[tool.name]: toolTo('AI Agent'),
	};
	return await runAgentWorkflow({ nodeTypes, nodes, connections, credentials: opts.credentials, streaming: opts.streaming });
}
