/**
 * The node as an AI Agent tool, through n8n 2.41.1's own code.
 *
 * How n8n makes a tool of a `usableAsTool` node, and what of it runs here for real:
 *  - Type: a workflow refers to the tool as `CUSTOM.visionChatTool`. n8n's `NodeTypes`
 *    (packages/cli `node-types.ts`) sees the `Tool` suffix on a name its loaders do not know,
 *    loads `CUSTOM.visionChat` and converts a clone with `convertNodeToAiTool`
 *    (cli `tool-generation/ai-tools.ts`): name + 'Tool', inputs [], outputs ['ai_tool'], and a
 *    `toolDescription` parameter whose default is the node's description. Here: n8n's own
 *    `NodeTypes` class from the installed n8n, over a stub loader that knows our node.
 *  - Schema: the Agent asks for its `ai_tool` inputs (n8n-core `getInputConnectionData`); for a
 *    node without `supplyData` n8n-core builds a LangChain `DynamicStructuredTool` with
 *    `createNodeAsTool`: name = node name made safe, description = `toolDescription`, schema =
 *    one zod field per `$fromAI(key, description, type)` found in the node's parameters.
 *  - Call: AI Agent v3 does not call that tool's func. It returns an engine request
 *    (`{ actions: [{ nodeName, input: <tool call args>, type: 'ai_tool', id }] }`); n8n-core's
 *    WorkflowExecute (`requests-response.ts`) records the args as the tool node's
 *    `inputOverride.ai_tool`, runs the node (its `$fromAI()` expressions read those args), then
 *    runs the Agent again with the tool node's run data; the Agent gives the LLM the JSON of
 *    the node's first output (`buildSteps.ts` `buildObservation`).
 *  - The older path (Agent v1/v2, tools of sub-agents): the tool's func, n8n-core
 *    `makeHandleToolInvocation`, runs the node in a SupplyDataContext with the args as its
 *    input and returns `JSON.stringify(<items of output 0>.json)`.
 *
 * Everything runs in WorkflowExecute with our node talking to the loopback server (test/server.ts).
 * The engine here is the installed n8n's own n8n-core/n8n-workflow (2.41.1, as the devDependency),
 * not the devDependency copy test/node/engine.ts uses: the AI Agent checks the tools' zod schemas
 * with `instanceof`, so engine, tools and Agent must share one zod and one @langchain/core, as they
 * do inside n8n. The last tests run n8n's real AI Agent node (v3) with a scripted chat model.
 *
 * Needs n8n 2.41.1 installed by scripts/n8n-env.js (`npm run test:e2e` or `npm start` does it
 * once); without it every test here is skipped, with a warning.
 */
import { NodeConnectionTypes } from 'n8n-workflow';
import type {
	ICredentialDataDecryptedObject,
	IConnections,
	IDataObject,
	IExecuteFunctions,
	INode,
	INodeExecutionData,
	INodeParameters,
	INodeType,
	INodeTypes,
	IRun,
	IWorkflowExecuteAdditionalData,
	StructuredChunk,
	Workflow,
} from 'n8n-workflow';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { VisionChat } from '../../nodes/VisionChat/VisionChat.node';
import { startTestServer, streamText, jsonAnswer, type TestServer } from '../server';

/* ------------------------------------------------------------------------------------------ */
/* The installed n8n 2.41.1 (where scripts/n8n-env.js puts it)                                */
/* ------------------------------------------------------------------------------------------ */

const N8N_HOME = process.env.VISION_N8N_HOME
	? path.resolve(process.env.VISION_N8N_HOME)
	: path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'n8n-nodes-vision-stream', 'n8n-2.41.1');
const N8N_MODULES = path.join(N8N_HOME, 'node_modules');
const HAS_N8N = existsSync(path.join(N8N_MODULES, 'n8n', 'dist', 'node-types.js'));
if (!HAS_N8N) {
	console.warn(`agentTool.test: n8n 2.41.1 is not installed in ${N8N_HOME}; run "npm run test:e2e" once to install it. Skipping.`);
}
const describeWithN8n = HAS_N8N ? describe : describe.skip;
/** A module as the installed n8n resolves it (package `exports` included). */
const fromN8n = (request: string): any => require(require.resolve(request, { paths: [N8N_HOME] }));
/** A file of an installed package, loaded by path as n8n's node loader does. */
const n8nFile = (file: string): any => require(path.join(N8N_MODULES, file));

/* ------------------------------------------------------------------------------------------ */
/* Node types, as n8n resolves them                                                           */
/* ------------------------------------------------------------------------------------------ */

const PACKAGE = 'CUSTOM';
const TOOL_TYPE = `${PACKAGE}.visionChatTool`;
const TRIGGER_TYPE = 'test.trigger';

/** n8n's own NodeTypes (packages/cli), over a loader stub that knows the given base types. */
function n8nNodeTypes(known: Record<string, INodeType | object>): INodeTypes {
	fromN8n('reflect-metadata');
	const { NodeTypes } = n8nFile('n8n/dist/node-types.js');
	const loader = {
		loadedNodes: {} as Record<string, unknown>,
		knownNodes: {},
		recognizesNode: (type: string) => type in known,
		getNode: (type: string) => {
			if (!(type in known)) throw new Error(`test loader: unknown node type ${type}`);
			return { type: known[type], sourcePath: '' };
		},
		resolveNodeSourcePath: (_type: string, sourcePath: string) => sourcePath,
	};
	const logger = { warn() {}, debug() {}, info() {}, error() {} };
	return new NodeTypes(logger, loader) as INodeTypes;
}

/** Emits one item, like a Chat Trigger would. */
function triggerNodeType(json: IDataObject): INodeType {
	return {
		description: {
			displayName: 'Trigger',
			name: TRIGGER_TYPE,
			group: ['trigger'],
			version: 1,
			description: 'Emits the test item',
			defaults: { name: 'When chat message received' },
			inputs: [NodeConnectionTypes.Main],
			outputs: [NodeConnectionTypes.Main],
			properties: [],
		},
		async execute() {
			return [[{ json: structuredClone(json) }]];
		},
	};
}

/* ------------------------------------------------------------------------------------------ */
/* A workflow run in n8n-core's WorkflowExecute                                                */
/* ------------------------------------------------------------------------------------------ */

/** Hands out the decrypted credentials given (the n8n credentials store is not part of this). */
function credentialsHelper(credentials: Record<string, ICredentialDataDecryptedObject>) {
	return {
		getParentTypes: () => [],
		isCredentialUsableByNode: () => true,
		authenticate: async (_c: unknown, _t: string, options: unknown) => options,
		preAuthentication: async () => undefined,
		runPreAuthentication: async () => undefined,
		getCredentials: async () => {
			throw new Error('not supported');
		},
		getDecrypted: async (_a: unknown, _n: unknown, type: string) => {
			const found = credentials[type];
			if (!found) throw new Error(`no credentials of type ${type}`);
			return structuredClone(found);
		},
		updateCredentials: async () => {},
		updateCredentialsOauthTokenData: async () => {},
		getCredentialsProperties: () => [],
	};
}

let userFolder: string | undefined;
function prepareEnvironment(): void {
	if (userFolder) return;
	userFolder = mkdtempSync(path.join(os.tmpdir(), 'n8n-agent-tool-'));
	const dir = userFolder;
	process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
	process.env.N8N_USER_FOLDER ??= dir;
	process.env.N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS ??= 'false';
	process.env.N8N_LOG_LEVEL ??= 'silent';
	process.env.N8N_DIAGNOSTICS_ENABLED ??= 'false';
}

interface WorkflowRun {
	run: IRun;
	workflow: Workflow;
	chunks: StructuredChunk[];
}

async function runWorkflow(opts: {
	nodes: INode[];
	connections: IConnections;
	nodeTypes: INodeTypes;
	credentials: Record<string, ICredentialDataDecryptedObject>;
	streaming?: boolean;
}): Promise<WorkflowRun> {
	prepareEnvironment();
	// The installed n8n's own n8n-core and n8n-workflow, so that the engine, the tools it builds
	// (their zod schemas, LangChain classes) and the AI Agent share one copy of each, as in n8n.
	const { ExecutionLifecycleHooks, WorkflowExecute } = fromN8n('n8n-core');
	const { Workflow, createRunExecutionData } = fromN8n('n8n-workflow');
	const workflowId = `agent-tool-${randomUUID().slice(0, 8)}`;
	const executionId = `exec-${randomUUID()}`;
	const workflow: Workflow = new Workflow({
		id: workflowId,
		name: 'agent tool test',
		nodes: opts.nodes,
		connections: opts.connections,
		active: false,
		nodeTypes: opts.nodeTypes,
		settings: { executionOrder: 'v1' },
	});
	const hooks = new ExecutionLifecycleHooks('manual', executionId, {
		id: workflowId,
		name: 'agent tool test',
		active: false,
		isArchived: false,
		nodes: opts.nodes,
		connections: opts.connections,
		createdAt: new Date(),
		updatedAt: new Date(),
		activeVersionId: null,
	} as any);
	const chunks: StructuredChunk[] = [];
	if (opts.streaming) hooks.addHandler('sendChunk', (chunk: StructuredChunk) => void chunks.push(chunk));
	const base = 'http://localhost:5678';
	const additionalData = {
		credentialsHelper: credentialsHelper(opts.credentials),
		hooks,
		executionId,
		workflowId,
		userId: 'agent-tool-test-user',
		currentNodeExecutionIndex: 0,
		streamingEnabled: !!opts.streaming,
		restApiUrl: `${base}/rest`,
		instanceBaseUrl: base,
		formWaitingBaseUrl: `${base}/form-waiting`,
		webhookBaseUrl: `${base}/webhook`,
		webhookWaitingBaseUrl: `${base}/webhook-waiting`,
		webhookTestBaseUrl: `${base}/webhook-test`,
		variables: {},
		logAiEvent: () => {},
		getRunExecutionData: async () => undefined,
		getRuntimeCredential: async () => undefined,
	} as unknown as IWorkflowExecuteAdditionalData;
	const trigger = opts.nodes.find((node) => node.type === TRIGGER_TYPE)!;
	const runExecutionData = createRunExecutionData({
		executionData: { nodeExecutionStack: [{ node: trigger, data: { main: [[{ json: {} }]] }, source: null }] },
	});
	const run: IRun = await new WorkflowExecute(additionalData, 'manual', runExecutionData).processRunExecutionData(workflow);
	return { run, workflow, chunks };
}

function node(name: string, type: string, typeVersion: number, parameters: INodeParameters, extra: Partial<INode> = {}): INode {
	return { id: randomUUID(), name, type, typeVersion, position: [0, 0], parameters, ...extra };
}

/* ------------------------------------------------------------------------------------------ */
/* Fixtures                                                                                    */
/* ------------------------------------------------------------------------------------------ */

let server: TestServer;
beforeAll(async () => {
	server = await startTestServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const KEY = 'sk-agent-tool-key';
const credentials = () => ({ visionChatApi: { apiKey: KEY, baseUrl: server.baseUrl } });
const TOOL_NODE_NAME = 'Vision Chat';

/** The tool node as a user sets it up: URL input, both fields left to the model. */
const TOOL_PARAMETERS: INodeParameters = {
	model: { __rl: true, mode: 'id', value: 'gpt-4o' },
	prompt: "={{ $fromAI('prompt', 'The question or instruction about the images, e.g. What brand is the car?', 'string') }}",
	imageInput: 'url',
	imageUrls: "={{ $fromAI('imageUrls', 'The http(s) URLs of the images to look at, separated by commas', 'string') }}",
	options: { emitChunks: false },
};

function toolNode(parameters: INodeParameters = TOOL_PARAMETERS, name = TOOL_NODE_NAME): INode {
	return node(name, TOOL_TYPE, 1, parameters, { credentials: { visionChatApi: { id: 'cred-1', name: 'Vision (test)' } } });
}

const CAT = 'https://images.example.com/cat.png';
const DOG = 'https://images.example.com/dog.jpg';

/* ------------------------------------------------------------------------------------------ */
/* 1. What n8n derives from our description                                                    */
/* ------------------------------------------------------------------------------------------ */

describeWithN8n('the tool n8n generates from the node', () => {
	it('is CUSTOM.visionChatTool: an ai_tool output, no inputs, a Description parameter defaulting to the node description', () => {
		const nodeTypes = n8nNodeTypes({ [`${PACKAGE}.visionChat`]: new VisionChat() });
		const tool = nodeTypes.getByNameAndVersion(TOOL_TYPE, 1);
		const { description } = tool;
		expect(description.name).toBe('visionChatTool');
		expect(description.displayName).toBe('Vision Chat (Streaming) Tool');
		expect(description.inputs).toEqual([]);
		expect(description.outputs).toEqual(['ai_tool']);
		expect(description.codex?.categories).toEqual(['AI']);
		const toolDescription = description.properties.find((p) => p.name === 'toolDescription');
		expect(toolDescription).toMatchObject({ type: 'string', required: true, default: new VisionChat().description.description });
		// The tool runs our own execute, unchanged; the base type is left as it was.
		expect(tool.execute).toBe(VisionChat.prototype.execute);
		expect(new VisionChat().description.outputs).toEqual(['main', 'main']);
	});
});

/* ------------------------------------------------------------------------------------------ */
/* 2. An agent node that speaks n8n's engine-request protocol, as AI Agent v3 does             */
/* ------------------------------------------------------------------------------------------ */

interface AgentRecord {
	tools: any[];
	response?: any;
	runs: number;
}

/**
 * Does what AI Agent v3 does around the LLM: gets its tools from n8n-core, asks the engine to
 * run the called tool nodes with the calls' arguments (an EngineRequest), and, run again with
 * the results, reads each tool's answer as v3 does (JSON of the items of output 0).
 */
function protocolAgentNodeType(calls: Array<{ id: string; args: IDataObject }>, record: AgentRecord): INodeType {
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

function protocolWorkflow(calls: Array<{ id: string; args: IDataObject }>, record: AgentRecord, tool: INode = toolNode()) {
	const nodeTypes = n8nNodeTypes({
		[`${PACKAGE}.visionChat`]: new VisionChat(),
		[TRIGGER_TYPE]: triggerNodeType({ chatInput: 'What is in these pictures?', sessionId: 's-1' }),
		'test.protocolAgent': protocolAgentNodeType(calls, record),
	});
	const nodes = [
		node('When chat message received', TRIGGER_TYPE, 1, {}),
		node('AI Agent', 'test.protocolAgent', 1, {}),
		tool,
	];
	const connections: IConnections = {
		'When chat message received': { main: [[{ node: 'AI Agent', type: NodeConnectionTypes.Main, index: 0 }]] },
		[tool.name]: { ai_tool: [[{ node: 'AI Agent', type: NodeConnectionTypes.AiTool, index: 0 }]] },
	};
	return { nodeTypes, nodes, connections };
}

/** The JSON schema an OpenAI-style provider is sent for a LangChain tool. */
function openAiToolOf(tool: any): any {
	const { convertToOpenAITool } = fromN8n('@langchain/core/utils/function_calling');
	return convertToOpenAITool(tool);
}

describeWithN8n('tool calls through the engine (the AI Agent v3 protocol)', () => {
	it("the agent's tool is named after the node and its schema is the $fromAI() fields, documented", async () => {
		server.route('*', streamText(['ok']));
		const record: AgentRecord = { tools: [], runs: 0 };
		const wf = protocolWorkflow([{ id: 'call_1', args: { prompt: 'Hi', imageUrls: CAT } }], record);
		const { run } = await runWorkflow({ ...wf, credentials: credentials() });
		expect(run.data.resultData.error).toBeUndefined();
		expect(record.tools).toHaveLength(1);
		const fn = openAiToolOf(record.tools[0]).function;
		expect(fn.name).toBe('Vision_Chat');
		expect(fn.description).toBe('Ask a vision model a question about images (files or URLs) and get the answer streamed, from any OpenAI-compatible API');
		expect(fn.parameters).toMatchObject({
			type: 'object',
			properties: {
				prompt: { type: 'string', description: 'The question or instruction about the images, e.g. What brand is the car?' },
				imageUrls: { type: 'string', description: 'The http(s) URLs of the images to look at, separated by commas' },
			},
			required: ['prompt', 'imageUrls'],
		});
		expect(Object.keys(fn.parameters.properties)).toEqual(['prompt', 'imageUrls']);
	});

	it('runs the node with the call arguments in its $fromAI() parameters and hands its answer back to the agent', async () => {
		server.route('*', streamText(['A ginger', ' cat on a', ' sofa.']));
		const record: AgentRecord = { tools: [], runs: 0 };
		const args = { prompt: 'What animal is this, and where is it?', imageUrls: `${CAT}, ${DOG}` };
		const wf = protocolWorkflow([{ id: 'call_abc', args }], record);
		const { run } = await runWorkflow({ ...wf, credentials: credentials() });
		expect(run.data.resultData.error).toBeUndefined();
		expect(run.status).toBe('success');

		// The provider got the agent's arguments, as the node's prompt and images.
		expect(server.requests).toHaveLength(1);
		const [req] = server.requests;
		expect(req.path).toBe('/v1/chat/completions');
		expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
		expect(req.json.model).toBe('gpt-4o');
		expect(req.json.stream).toBe(true);
		expect(req.json.messages).toEqual([
			{
				role: 'user',
				content: [
					{ type: 'text', text: 'What animal is this, and where is it?' },
					{ type: 'image_url', image_url: { url: CAT } },
					{ type: 'image_url', image_url: { url: DOG } },
				],
			},
		]);

		// The engine recorded the tool run as an ai_tool run of the node, its input the call arguments.
		const toolRuns = run.data.resultData.runData[TOOL_NODE_NAME];
		expect(toolRuns).toHaveLength(1);
		expect(toolRuns[0].inputOverride?.ai_tool?.[0]?.[0]?.json).toEqual(args);
		expect(toolRuns[0].data?.ai_tool?.[0]?.[0]?.json).toMatchObject({ text: 'A ginger cat on a sofa.', finishReason: 'stop' });

		// The agent ran twice (call, then resume) and got the answer of the call it made.
		expect(record.runs).toBe(2);
		expect(record.response.actionResponses).toHaveLength(1);
		const agentOut = run.data.resultData.runData['AI Agent'].at(-1)!.data!.main[0]![0].json as any;
		expect(agentOut.observations).toHaveLength(1);
		expect(agentOut.observations[0].id).toBe('call_abc');
		const observed = JSON.parse(agentOut.observations[0].observation);
		expect(observed).toHaveLength(1); // only the Result output reaches the agent, not Chunks
		expect(observed).toEqual([{ text: 'A ginger cat on a sofa.', finishReason: 'stop' }]);
	});

	it('with the editor\'s "Let the model define this parameter" button: keys from the display names, no descriptions', async () => {
		// Exactly what n8n 2.41.1's editor writes into a parameter for that button (focusPanel store):
		// the key is the display name made safe, the description empty unless the user types one.
		const fromAiButton = (key: string) => `={{ /*n8n-auto-generated-fromAI-override*/ $fromAI('${key}', \`\`, 'string') }}`;
		server.route('*', streamText(['Blue.']));
		const record: AgentRecord = { tools: [], runs: 0 };
		const parameters = { ...TOOL_PARAMETERS, prompt: fromAiButton('Prompt'), imageUrls: fromAiButton('Image_URLs') };
		const wf = protocolWorkflow([{ id: 'call_1', args: { Prompt: 'What colour is the car?', Image_URLs: CAT } }], record, toolNode(parameters));
		const { run } = await runWorkflow({ ...wf, credentials: credentials() });
		expect(run.data.resultData.error).toBeUndefined();
		const fn = openAiToolOf(record.tools[0]).function;
		expect(fn.parameters.properties).toEqual({ Prompt: { type: 'string' }, Image_URLs: { type: 'string' } });
		expect(server.requests[0].json.messages[0].content).toEqual([
			{ type: 'text', text: 'What colour is the car?' },
			{ type: 'image_url', image_url: { url: CAT } },
		]);
	});

	it('runs one request per tool call when the model calls the tool twice in one turn', async () => {
		server.route('*', async (req, res) => {
			const text = req.json.messages[0].content[0].text as string;
			await streamText([`answer to: ${text}`])(req, res);
		});
		const record: AgentRecord = { tools: [], runs: 0 };
		const wf = protocolWorkflow(
			[
				{ id: 'call_1', args: { prompt: 'Describe the cat', imageUrls: CAT } },
				{ id: 'call_2', args: { prompt: 'Describe the dog', imageUrls: DOG } },
			],
			record,
		);
		const { run } = await runWorkflow({ ...wf, credentials: credentials() });
		expect(run.data.resultData.error).toBeUndefined();
		const sent = server.requests.map((r) => [r.json.messages[0].content[0].text, r.json.messages[0].content[1].image_url.url]).sort();
		expect(sent).toEqual([
			['Describe the cat', CAT],
			['Describe the dog', DOG],
		]);
		const agentOut = run.data.resultData.runData['AI Agent'].at(-1)!.data!.main[0]![0].json as any;
		const byId = Object.fromEntries(agentOut.observations.map((o: any) => [o.id, JSON.parse(o.observation)[0].text]));
		expect(byId).toEqual({ call_1: 'answer to: Describe the cat', call_2: 'answer to: Describe the dog' });
	});

	it('a bad argument comes back to the agent as an error it can act on, the workflow goes on', async () => {
		server.route('*', streamText(['never']));
		const record: AgentRecord = { tools: [], runs: 0 };
		const wf = protocolWorkflow([{ id: 'call_bad', args: { prompt: 'What is this?', imageUrls: 'cat.png' } }], record);
		const { run } = await runWorkflow({ ...wf, credentials: credentials() });
		expect(server.requests).toHaveLength(0);
		expect(run.data.resultData.error).toBeUndefined();
		const agentOut = run.data.resultData.runData['AI Agent'].at(-1)!.data!.main[0]![0].json as any;
		const observed = JSON.parse(agentOut.observations[0].observation);
		expect(observed).toEqual([{ error: expect.stringContaining('"cat.png" in "Image URLs" is not a valid URL') }]);
	});

	it('a provider error comes back to the agent as an error too', async () => {
		server.route('*', jsonAnswer(400, { error: { message: 'Invalid image URL: could not download', type: 'invalid_request_error' } }));
		const record: AgentRecord = { tools: [], runs: 0 };
		const wf = protocolWorkflow([{ id: 'call_1', args: { prompt: 'What is this?', imageUrls: CAT } }], record);
		const { run } = await runWorkflow({ ...wf, credentials: credentials() });
		expect(server.requests).toHaveLength(1);
		expect(run.data.resultData.error).toBeUndefined();
		const agentOut = run.data.resultData.runData['AI Agent'].at(-1)!.data!.main[0]![0].json as any;
		const observed = JSON.parse(agentOut.observations[0].observation);
		expect(observed).toEqual([{ error: 'The server answered HTTP 400: Invalid image URL: could not download (invalid_request_error)' }]);
	});
});

/* ------------------------------------------------------------------------------------------ */
/* 3. The tool's own func (n8n-core makeHandleToolInvocation): Agent v1/v2, sub-agents         */
/* ------------------------------------------------------------------------------------------ */

describeWithN8n("the LangChain tool's func (n8n-core createNodeAsTool)", () => {
	it('validates the arguments against the schema, runs the node with them and returns its Result JSON', async () => {
		server.route('*', streamText(['Two', ' cats.']));
		const record: AgentRecord = { tools: [], runs: 0 };
		let invoked: unknown;
		let rejected: unknown;
		const nodeTypes = n8nNodeTypes({
			[`${PACKAGE}.visionChat`]: new VisionChat(),
			[TRIGGER_TYPE]: triggerNodeType({ chatInput: 'hi' }),
			'test.invokingAgent': {
				description: { ...protocolAgentNodeType([], record).description, name: 'test.invokingAgent' },
				async execute(this: IExecuteFunctions) {
					const [tool] = (await this.getInputConnectionData(NodeConnectionTypes.AiTool, 0)) as any[];
					record.tools = [tool];
					rejected = await tool.invoke({ prompt: 'How many cats?' }).then(
						() => undefined,
						(error: Error) => error,
					);
					invoked = await tool.invoke({ prompt: 'How many cats?', imageUrls: CAT });
					return [[{ json: { invoked } }]];
				},
			} as INodeType,
		});
		const nodes = [node('When chat message received', TRIGGER_TYPE, 1, {}), node('AI Agent', 'test.invokingAgent', 1, {}), toolNode()];
		const connections: IConnections = {
			'When chat message received': { main: [[{ node: 'AI Agent', type: NodeConnectionTypes.Main, index: 0 }]] },
			[TOOL_NODE_NAME]: { ai_tool: [[{ node: 'AI Agent', type: NodeConnectionTypes.AiTool, index: 0 }]] },
		};
		const { run } = await runWorkflow({ nodeTypes, nodes, connections, credentials: credentials() });
		expect(run.data.resultData.error).toBeUndefined();
		// A call without imageUrls never reaches the node: the schema requires both fields.
		expect(String(rejected)).toMatch(/did not match expected schema[\s\S]*Required[\s\S]*imageUrls/);
		expect(server.requests).toHaveLength(1);
		expect(server.requests[0].json.messages[0].content).toEqual([
			{ type: 'text', text: 'How many cats?' },
			{ type: 'image_url', image_url: { url: CAT } },
		]);
		expect(typeof invoked).toBe('string');
		const parsed = JSON.parse(invoked as string);
		expect(parsed).toHaveLength(1);
		expect(parsed[0]).toMatchObject({ text: 'Two cats.', finishReason: 'stop' });
		// n8n logged the call as a run of the tool node, input = the arguments, output = the answer.
		const toolRuns = run.data.resultData.runData[TOOL_NODE_NAME];
		expect(toolRuns).toHaveLength(1);
		expect(toolRuns[0].inputOverride?.ai_tool?.[0]?.[0]?.json).toEqual({ prompt: 'How many cats?', imageUrls: CAT });
		expect((toolRuns[0].data?.ai_tool?.[0]?.[0]?.json as any).response[0].text).toBe('Two cats.');
	});
});

/* ------------------------------------------------------------------------------------------ */
/* 4. n8n's real AI Agent (v3) with a scripted chat model                                      */
/* ------------------------------------------------------------------------------------------ */

interface ModelCall {
	messages: any[];
}

type ScriptedAnswer = { content: string; toolCalls?: Array<{ id: string; name: string; args: IDataObject }> };

/**
 * A LangChain chat model (the installed n8n's @langchain/core) that answers from a script, by
 * invoke or by stream (word by word, as the Agent streams when the chat does), and records what
 * it was sent: the tools bound to it, as an OpenAI-style provider is sent them, and every
 * conversation.
 */
function scriptedChatModel(answer: (messages: any[], callIndex: number) => ScriptedAnswer) {
	const BaseChatModel = fromN8n('@langchain/core/language_models/chat_models').BaseChatModel as new (fields: object) => any;
	const { AIMessage, AIMessageChunk } = fromN8n('@langchain/core/messages');
	const { ChatGenerationChunk } = fromN8n('@langchain/core/outputs');
	const { convertToOpenAITool } = fromN8n('@langchain/core/utils/function_calling');
	class ScriptedChatModel extends BaseChatModel {
		calls: ModelCall[] = [];
		boundTools: any[] = [];
		_llmType() {
			return 'scripted';
		}
		bindTools(tools: any[]) {
			this.boundTools = tools.map((tool) => convertToOpenAITool(tool));
			return this;
		}
		private next(messages: any[]): ScriptedAnswer {
			const scripted = answer(messages, this.calls.length);
			this.calls.push({ messages });
			return scripted;
		}
		async _generate(messages: any[]) {
			const scripted = this.next(messages);
			const message = new AIMessage({
				content: scripted.content,
				tool_calls: (scripted.toolCalls ?? []).map((call) => ({ ...call, type: 'tool_call' })),
			});
			return { generations: [{ text: scripted.content, message }] };
		}
		// As provider models do: yield each chunk and report it as a new token (streamEvents reads those).
		async *_streamResponseChunks(messages: any[], _options: unknown, runManager?: any) {
			const scripted = this.next(messages);
			for (const piece of scripted.content.split(/(?<= )/)) {
				if (!piece) continue;
				const chunk = new ChatGenerationChunk({ text: piece, message: new AIMessageChunk({ content: piece }) });
				yield chunk;
				await runManager?.handleLLMNewToken(piece, undefined, undefined, undefined, undefined, { chunk });
			}
			for (const [index, call] of (scripted.toolCalls ?? []).entries()) {
				const toolCallChunk = { id: call.id, name: call.name, args: JSON.stringify(call.args), index, type: 'tool_call_chunk' };
				yield new ChatGenerationChunk({ text: '', message: new AIMessageChunk({ content: '', tool_call_chunks: [toolCallChunk] }) });
			}
		}
	}
	return new ScriptedChatModel({}) as any;
}

function chatModelNodeType(model: unknown): INodeType {
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

async function runRealAgent(model: unknown, question: string, tool: INode = toolNode(), streaming = false) {
	const { AgentV3 } = n8nFile('@n8n/n8n-nodes-langchain/dist/nodes/agents/Agent/V3/AgentV3.node.js');
	const nodeTypes = n8nNodeTypes({
		[`${PACKAGE}.visionChat`]: new VisionChat(),
		[TRIGGER_TYPE]: triggerNodeType({ chatInput: question, sessionId: 's-1' }),
		'test.chatModel': chatModelNodeType(model),
		[AGENT_TYPE]: new AgentV3(AGENT_BASE_DESCRIPTION),
	});
	const nodes = [
		node('When chat message received', TRIGGER_TYPE, 1, {}),
		node('AI Agent', AGENT_TYPE, 3.1, { promptType: 'auto', text: '={{ $json.chatInput }}', options: {} }),
		node('Chat Model', 'test.chatModel', 1, {}),
		tool,
	];
	const connections: IConnections = {
		'When chat message received': { main: [[{ node: 'AI Agent', type: NodeConnectionTypes.Main, index: 0 }]] },
		'Chat Model': { ai_languageModel: [[{ node: 'AI Agent', type: NodeConnectionTypes.AiLanguageModel, index: 0 }]] },
		[tool.name]: { ai_tool: [[{ node: 'AI Agent', type: NodeConnectionTypes.AiTool, index: 0 }]] },
	};
	return await runWorkflow({ nodeTypes, nodes, connections, credentials: credentials(), streaming });
}

const typeOf = (message: any): string => message._getType?.() ?? message.getType?.();

describeWithN8n("n8n's AI Agent (v3) calling the tool", () => {
	it('the model is offered the tool, calls it with prompt and imageUrls, and answers from what the node returned', async () => {
		server.route('*', streamText(['A tabby', ' cat asleep', ' on a laptop.']));
		const question = `What is in this photo? ${CAT}`;
		const model = scriptedChatModel((messages, callIndex) => {
			if (callIndex === 0) {
				return {
					content: '',
					toolCalls: [{ id: 'call_vision_1', name: 'Vision_Chat', args: { prompt: 'Describe this photo in one sentence.', imageUrls: CAT } }],
				};
			}
			const toolMessage = messages.find((m) => typeOf(m) === 'tool');
			const [result] = JSON.parse(toolMessage.content);
			return { content: `The photo shows: ${result.text}` };
		});
		const { run } = await runRealAgent(model, question);
		expect(run.data.resultData.error).toBeUndefined();
		expect(run.status).toBe('success');

		// What the LLM was offered.
		expect(model.boundTools).toHaveLength(1);
		expect(model.boundTools[0]).toEqual({
			type: 'function',
			function: {
				name: 'Vision_Chat',
				description: 'Ask a vision model a question about images (files or URLs) and get the answer streamed, from any OpenAI-compatible API',
				parameters: expect.objectContaining({
					type: 'object',
					properties: {
						prompt: { type: 'string', description: expect.stringContaining('question or instruction') },
						imageUrls: { type: 'string', description: expect.stringContaining('URLs of the images') },
					},
					required: ['prompt', 'imageUrls'],
				}),
			},
		});

		// The node ran once, with the model's arguments, against the provider.
		expect(server.requests).toHaveLength(1);
		expect(server.requests[0].json.messages).toEqual([
			{
				role: 'user',
				content: [
					{ type: 'text', text: 'Describe this photo in one sentence.' },
					{ type: 'image_url', image_url: { url: CAT } },
				],
			},
		]);

		// The model's second turn got the node's answer as the tool result of its call.
		expect(model.calls).toHaveLength(2);
		const toolMessage = model.calls[1].messages.find((m: any) => typeOf(m) === 'tool');
		expect(toolMessage.tool_call_id).toBe('call_vision_1');
		const observed = JSON.parse(toolMessage.content);
		expect(observed).toHaveLength(1);
		expect(observed[0]).toMatchObject({ text: 'A tabby cat asleep on a laptop.', finishReason: 'stop' });

		// And the agent's output is the model's final answer.
		const agentRuns = run.data.resultData.runData['AI Agent'];
		const output = agentRuns.at(-1)!.data!.main[0]![0].json;
		expect(output).toEqual({ output: 'The photo shows: A tabby cat asleep on a laptop.' });
		// n8n logged the tool run under the tool node, input = the call's arguments.
		const toolRuns = run.data.resultData.runData[TOOL_NODE_NAME];
		expect(toolRuns).toHaveLength(1);
		expect(toolRuns[0].inputOverride?.ai_tool?.[0]?.[0]?.json).toEqual({ prompt: 'Describe this photo in one sentence.', imageUrls: CAT });
	});
});

describeWithN8n('the AI Agent streaming its answer into the chat', () => {
	/** The model calls the tool once, then answers from its result. */
	const visionThenAnswer = () =>
		scriptedChatModel((messages, callIndex) => {
			if (callIndex === 0) {
				return { content: '', toolCalls: [{ id: 'call_s1', name: 'Vision_Chat', args: { prompt: 'What is this?', imageUrls: CAT } }] };
			}
			const [result] = JSON.parse(messages.find((m) => typeOf(m) === 'tool').content);
			return { content: `It is ${result.text}` };
		});

	/** What the chat user is sent, message by message (one per begin..end), with the node that sent it. */
	const chatMessages = (chunks: StructuredChunk[]) => {
		const messages: Array<{ node: string; text: string }> = [];
		for (const chunk of chunks) {
			if (chunk.type === 'begin') messages.push({ node: chunk.metadata.nodeName, text: '' });
			if (chunk.type === 'item') messages.at(-1)!.text += chunk.content ?? '';
		}
		return messages.filter((message) => message.text !== '');
	};

	it('with "Stream to Caller" off on the tool, the chat gets the agent\'s answer only', async () => {
		server.route('*', streamText(['a tabby', ' cat.']));
		const model = visionThenAnswer();
		const tool = toolNode({ ...TOOL_PARAMETERS, options: { emitChunks: false, streamToCaller: false } });
		const { run, chunks } = await runRealAgent(model, `What is this? ${CAT}`, tool, true);
		expect(run.data.resultData.error).toBeUndefined();
		expect(server.requests).toHaveLength(1);
		expect(run.data.resultData.runData['AI Agent'].at(-1)!.data!.main[0]![0].json).toEqual({ output: 'It is a tabby cat.' });
		expect(chatMessages(chunks)).toEqual([{ node: 'AI Agent', text: 'It is a tabby cat.' }]);
	});

	// Run as a tool, the node's raw answer must not reach the chat as a message of its own before the agent's.
	it('by default, a tool run does not stream its raw answer into the chat', async () => {
		server.route('*', streamText(['a tabby', ' cat.']));
		const model = visionThenAnswer();
		const { run, chunks } = await runRealAgent(model, `What is this? ${CAT}`, toolNode(), true);
		expect(run.data.resultData.error).toBeUndefined();
		expect(server.requests).toHaveLength(1);
		expect(chatMessages(chunks)).toEqual([{ node: 'AI Agent', text: 'It is a tabby cat.' }]);
	});
});
