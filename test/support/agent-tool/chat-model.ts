/**
 * LangChain helpers from the installed n8n's own @langchain/core (the Agent checks classes with
 * `instanceof`, so they must be the copies n8n uses): a scripted chat model, and what an
 * OpenAI-style provider is sent for a tool.
 */
import type { IDataObject } from 'n8n-workflow';
import type { EnginePackages } from '../engine';

interface ModelCall {
	messages: any[];
}

export type ScriptedAnswer = { content: string; toolCalls?: Array<{ id: string; name: string; args: IDataObject }> };

/**
 * A LangChain chat model (the installed n8n's @langchain/core) that answers from a script, by
 * invoke or by stream (word by word, as the Agent streams when the chat does), and records what
 * it was sent: the tools bound to it, as an OpenAI-style provider is sent them, and every
 * conversation.
 */
export function scriptedChatModel(engine: EnginePackages, answer: (messages: any[], callIndex: number) => ScriptedAnswer) {
	const BaseChatModel = engine.load('@langchain/core/language_models/chat_models').BaseChatModel as new (fields: object) => any;
	const { AIMessage, AIMessageChunk } = engine.load('@langchain/core/messages');
	const { ChatGenerationChunk } = engine.load('@langchain/core/outputs');
	const { convertToOpenAITool } = engine.load('@langchain/core/utils/function_calling');
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

/** The JSON schema an OpenAI-style provider is sent for a LangChain tool. */
export function openAiToolOf(engine: EnginePackages, tool: any): any {
	const { convertToOpenAITool } = engine.load('@langchain/core/utils/function_calling');
	return convertToOpenAITool(tool);
}

/** A LangChain message's type: 'human', 'ai', 'tool', … */
export const typeOf = (message: any): string => message._getType?.() ?? message.getType?.();
