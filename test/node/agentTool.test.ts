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
 * not the devDependency copy the other node tests use (test/support/engine `installedN8n` vs
 * `repoEngine`): the AI Agent checks the tools' zod schemas
 * with `instanceof`, so engine, tools and Agent must share one zod and one @langchain/core, as they
 * do inside n8n. agentTool.agent.test.ts runs n8n's real AI Agent node (v3) with a scripted chat
 * model; the test doubles and workflows live in test/support/agent-tool/.
 *
 * Needs n8n 2.41.1 installed by test/support/n8n (`npm test` does it before jest). Without it,
 * on CI (CI=true) a test fails that says so; elsewhere the suites are skipped (`skipped: …`).
 */
import { NodeConnectionTypes } from 'n8n-workflow';
import type { IConnections, IExecuteFunctions, INodeType } from 'n8n-workflow';
import { VisionChat } from '../../nodes/VisionChat/VisionChat.node';
import { openAiToolOf } from '../support/agent-tool/chat-model';
import {
	CAT,
	DOG,
	node,
	protocolAgentNodeType,
	TOOL_NODE_NAME,
	TOOL_PARAMETERS,
	toolNode,
	TOOL_TYPE,
	TRIGGER_NAME,
	TRIGGER_TYPE,
	triggerNodeType,
	type AgentRecord,
} from '../support/agent-tool/nodes';
import { agentNodeTypes, describeIfN8nInstalled, protocolWorkflow, runAgentWorkflow, useModelServer } from '../support/agent-tool/workflows';
import { streamText, jsonAnswer } from '../server';
import { installedN8n } from '../support/engine';

const describeWithN8n = describeIfN8nInstalled();
const KEY = 'sk-agent-tool-key';
const fx = useModelServer(KEY);

/* ------------------------------------------------------------------------------------------ */
/* 1. What n8n derives from our description                                                    */
/* ------------------------------------------------------------------------------------------ */

describeWithN8n('the tool n8n generates from the node', () => {
	it('is CUSTOM.visionChatTool: an ai_tool output, no inputs, a Description parameter defaulting to the node description', () => {
		const nodeTypes = agentNodeTypes({});
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


describeWithN8n('tool calls through the engine (the AI Agent v3 protocol)', () => {
	it("the agent's tool is named after the node and its schema is the $fromAI() fields, documented", async () => {
		fx.server.route('*', streamText(['ok']));
		const record: AgentRecord = { tools: [], runs: 0 };
		const wf = protocolWorkflow([{ id: 'call_1', args: { prompt: 'Hi', imageUrls: CAT } }], record);
		const { run } = await runAgentWorkflow({ ...wf, credentials: fx.credentials() });
		expect(run.data.resultData.error).toBeUndefined();
		expect(record.tools).toHaveLength(1);
		const fn = openAiToolOf(installedN8n(), record.tools[0]).function;
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
		fx.server.route('*', streamText(['A ginger', ' cat on a', ' sofa.']));
		const record: AgentRecord = { tools: [], runs: 0 };
		const args = { prompt: 'What animal is this, and where is it?', imageUrls: `${CAT}, ${DOG}` };
		const wf = protocolWorkflow([{ id: 'call_abc', args }], record);
		const { run } = await runAgentWorkflow({ ...wf, credentials: fx.credentials() });
		expect(run.data.resultData.error).toBeUndefined();
		expect(run.status).toBe('success');

		// The provider got the agent's arguments, as the node's prompt and images.
		expect(fx.server.requests).toHaveLength(1);
		const [req] = fx.server.requests;
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
		fx.server.route('*', streamText(['Blue.']));
		const record: AgentRecord = { tools: [], runs: 0 };
		const parameters = { ...TOOL_PARAMETERS, prompt: fromAiButton('Prompt'), imageUrls: fromAiButton('Image_URLs') };
		const wf = protocolWorkflow([{ id: 'call_1', args: { Prompt: 'What colour is the car?', Image_URLs: CAT } }], record, toolNode(parameters));
		const { run } = await runAgentWorkflow({ ...wf, credentials: fx.credentials() });
		expect(run.data.resultData.error).toBeUndefined();
		const fn = openAiToolOf(installedN8n(), record.tools[0]).function;
		expect(fn.parameters.properties).toEqual({ Prompt: { type: 'string' }, Image_URLs: { type: 'string' } });
		expect(fx.server.requests[0].json.messages[0].content).toEqual([
			{ type: 'text', text: 'What colour is the car?' },
			{ type: 'image_url', image_url: { url: CAT } },
		]);
	});

	it('runs one request per tool call when the model calls the tool twice in one turn', async () => {
		fx.server.route('*', async (req, res) => {
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
		const { run } = await runAgentWorkflow({ ...wf, credentials: fx.credentials() });
		expect(run.data.resultData.error).toBeUndefined();
		const sent = fx.server.requests.map((r) => [r.json.messages[0].content[0].text, r.json.messages[0].content[1].image_url.url]).sort();
		expect(sent).toEqual([
			['Describe the cat', CAT],
			['Describe the dog', DOG],
		]);
		const agentOut = run.data.resultData.runData['AI Agent'].at(-1)!.data!.main[0]![0].json as any;
		const byId = Object.fromEntries(agentOut.observations.map((o: any) => [o.id, JSON.parse(o.observation)[0].text]));
		expect(byId).toEqual({ call_1: 'answer to: Describe the cat', call_2: 'answer to: Describe the dog' });
	});

	it('a bad argument comes back to the agent as an error it can act on, the workflow goes on', async () => {
		fx.server.route('*', streamText(['never']));
		const record: AgentRecord = { tools: [], runs: 0 };
		const wf = protocolWorkflow([{ id: 'call_bad', args: { prompt: 'What is this?', imageUrls: 'cat.png' } }], record);
		const { run } = await runAgentWorkflow({ ...wf, credentials: fx.credentials() });
		expect(fx.server.requests).toHaveLength(0);
		expect(run.data.resultData.error).toBeUndefined();
		const agentOut = run.data.resultData.runData['AI Agent'].at(-1)!.data!.main[0]![0].json as any;
		const observed = JSON.parse(agentOut.observations[0].observation);
		expect(observed).toEqual([{ error: expect.stringContaining('"cat.png" in "Image URLs" is not a valid URL') }]);
	});

	it('a provider error comes back to the agent as an error too', async () => {
		fx.server.route('*', jsonAnswer(400, { error: { message: 'Invalid image URL: could not download', type: 'invalid_request_error' } }));
		const record: AgentRecord = { tools: [], runs: 0 };
		const wf = protocolWorkflow([{ id: 'call_1', args: { prompt: 'What is this?', imageUrls: CAT } }], record);
		const { run } = await runAgentWorkflow({ ...wf, credentials: fx.credentials() });
		expect(fx.server.requests).toHaveLength(1);
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
		fx.server.route('*', streamText(['Two', ' cats.']));
		const record: AgentRecord = { tools: [], runs: 0 };
		let invoked: unknown;
		let rejected: unknown;
		const nodeTypes = agentNodeTypes({
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
		const nodes = [node(TRIGGER_NAME, TRIGGER_TYPE, 1, {}), node('AI Agent', 'test.invokingAgent', 1, {}), toolNode()];
		const connections: IConnections = {
			'When chat message received': { main: [[{ node: 'AI Agent', type: NodeConnectionTypes.Main, index: 0 }]] },
			[TOOL_NODE_NAME]: { ai_tool: [[{ node: 'AI Agent', type: NodeConnectionTypes.AiTool, index: 0 }]] },
		};
		const { run } = await runAgentWorkflow({ nodeTypes, nodes, connections, credentials: fx.credentials() });
		expect(run.data.resultData.error).toBeUndefined();
		// A call without imageUrls never reaches the node: the schema requires both fields.
		expect(String(rejected)).toMatch(/did not match expected schema[\s\S]*Required[\s\S]*imageUrls/);
		expect(fx.server.requests).toHaveLength(1);
		expect(fx.server.requests[0].json.messages[0].content).toEqual([
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

