/**
 * The node as a tool of n8n's real AI Agent (v3, from the installed n8n 2.41.1's LangChain
 * nodes) with a scripted chat model: what the model is offered, the call, the answer, and what
 * the chat is streamed. How n8n makes a tool of the node: agentTool.test.ts.
 *
 * Needs n8n 2.41.1 installed by test/support/n8n (`npm test` does it before jest). Without it,
 * on CI (CI=true) a test fails that says so; elsewhere the suites are skipped (`skipped: …`).
 */
import type { StructuredChunk } from 'n8n-workflow';
import { scriptedChatModel, typeOf } from '../support/agent-tool/chat-model';
import { CAT, TOOL_NODE_NAME, TOOL_PARAMETERS, toolNode } from '../support/agent-tool/nodes';
import { describeIfN8nInstalled, runRealAgent, useModelServer } from '../support/agent-tool/workflows';
import { streamText } from '../server';
import { installedN8n } from '../support/engine';

const describeWithN8n = describeIfN8nInstalled();
const fx = useModelServer('sk-agent-tool-key');

describeWithN8n("n8n's AI Agent (v3) calling the tool", () => {
	it('the model is offered the tool, calls it with prompt and imageUrls, and answers from what the node returned', async () => {
		fx.server.route('*', streamText(['A tabby', ' cat asleep', ' on a laptop.']));
		const question = `What is in this photo? ${CAT}`;
		const model = scriptedChatModel(installedN8n(), (messages, callIndex) => {
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
		const { run } = await runRealAgent({ model, question, credentials: fx.credentials() });
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
		expect(fx.server.requests).toHaveLength(1);
		expect(fx.server.requests[0].json.messages).toEqual([
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
		scriptedChatModel(installedN8n(), (messages, callIndex) => {
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
		fx.server.route('*', streamText(['a tabby', ' cat.']));
		const model = visionThenAnswer();
		const tool = toolNode({ ...TOOL_PARAMETERS, options: { emitChunks: false, streamToCaller: false } });
		const { run, chunks } = await runRealAgent({ model, question: `What is this? ${CAT}`, tool, streaming: true, credentials: fx.credentials() });
		expect(run.data.resultData.error).toBeUndefined();
		expect(fx.server.requests).toHaveLength(1);
		expect(run.data.resultData.runData['AI Agent'].at(-1)!.data!.main[0]![0].json).toEqual({ output: 'It is a tabby cat.' });
		expect(chatMessages(chunks)).toEqual([{ node: 'AI Agent', text: 'It is a tabby cat.' }]);
	});

	// Run as a tool, the node's raw answer must not reach the chat as a message of its own before the agent's.
	it('by default, a tool run does not stream its raw answer into the chat', async () => {
		fx.server.route('*', streamText(['a tabby', ' cat.']));
		const model = visionThenAnswer();
		const { run, chunks } = await runRealAgent({ model, question: `What is this? ${CAT}`, tool: toolNode(), streaming: true, credentials: fx.credentials() });
		expect(run.data.resultData.error).toBeUndefined();
		expect(fx.server.requests).toHaveLength(1);
		expect(chatMessages(chunks)).toEqual([{ node: 'AI Agent', text: 'It is a tabby cat.' }]);
	});
});
