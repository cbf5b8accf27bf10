/**
 * The optional Memory input, used the way n8n's AI Agent uses it: the memory node picks the
 * session (by default the Chat Trigger's `sessionId`) and the window (its Context Window
 * Length); `loadMemoryVariables({})` gives the window's messages before the answer, and after a
 * successful answer the turn is added to the memory's chat history.
 */
import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { InputError } from '../helpers/inputError';
import { savedContent, savedText, turnOf, type KeptImage, type Turn } from './memoryMessages';

/** The parts of a LangChain chat history this node uses, all optional: checked before use. */
interface ChatHistoryLike {
	addMessages?: (messages: unknown[]) => Promise<void>;
	addUserMessage?: (content: unknown) => unknown;
	addAIMessage?: (content: unknown) => unknown;
	addAIChatMessage?: (content: unknown) => unknown;
}

/** A LangChain chat memory (BaseChatMemory), as n8n's memory nodes supply it. */
export interface ChatMemoryLike {
	loadMemoryVariables(values: object): Promise<Record<string, unknown>>;
	saveContext?: (input: object, output: object) => Promise<void>;
	chatHistory?: ChatHistoryLike;
	memoryKeys?: string[];
}

/** The memory connected to the item's Memory input, or undefined when none is (or n8n is too old to have one). */
export async function connectedMemory(ctx: IExecuteFunctions, itemIndex: number): Promise<ChatMemoryLike | undefined> {
	// Run by an AI agent, the node is a tool without inputs; n8n before AI sub-nodes has no connection data.
	if (ctx.getNode().type.endsWith('Tool') || typeof ctx.getInputConnectionData !== 'function') return undefined;
	const memory = (await ctx.getInputConnectionData(NodeConnectionTypes.AiMemory, itemIndex)) as ChatMemoryLike | undefined;
	if (memory === undefined || memory === null) return undefined;
	if (typeof memory.loadMemoryVariables !== 'function') {
		throw new InputError('The node connected to "Memory" is not a chat memory', 'Connect a memory node such as Simple Memory, Redis Chat Memory or Postgres Chat Memory');
	}
	return memory;
}

/** The session's earlier turns in the memory's window, oldest first. */
export async function loadTurns(memory: ChatMemoryLike): Promise<{ turns: Turn[]; notes: string[] }> {
	const variables = await memory.loadMemoryVariables({});
	const key = memory.memoryKeys?.[0] ?? 'chat_history';
	const value = variables?.[key] ?? variables?.chat_history;
	if (value === undefined || value === null || value === '') return { turns: [], notes: [] };
	if (!Array.isArray(value)) {
		return { turns: [], notes: ['The connected memory returned its history as one text, not as messages: it was not sent. Use a memory node that returns messages (all of n8n\'s do).'] };
	}
	const turns: Turn[] = [];
	for (const message of value) {
		const turn = turnOf(message);
		if (turn) turns.push(turn);
	}
	return { turns, notes: [] };
}

/**
 * Adds the turn (the user's message with the kept images, then the answer) to the memory's chat
 * history in one `addMessages` call, as n8n's Agent saves turns with tool steps. The messages are
 * made by the history's own `addUserMessage` / `addAIMessage`, so they are the LangChain classes
 * of the n8n that runs the memory. A memory without those gets the text through `saveContext`.
 */
export async function saveTurn(memory: ChatMemoryLike, prompt: string, imageCount: number, kept: KeptImage[], answer: string): Promise<string[]> {
	const history = memory.chatHistory;
	const human = history && messageMadeBy(history, history.addUserMessage, savedContent(prompt, imageCount, kept));
	const ai = history && messageMadeBy(history, history.addAIMessage ?? history.addAIChatMessage, answer);
	if (history && typeof history.addMessages === 'function' && human && ai) {
		await history.addMessages([human, ai]);
		return [];
	}
	if (typeof memory.saveContext !== 'function') {
		throw new InputError('The connected memory can neither add messages nor save a turn', 'Connect a memory node such as Simple Memory, Redis Chat Memory or Postgres Chat Memory');
	}
	await memory.saveContext({ input: savedText(prompt, imageCount) }, { output: answer });
	return kept.length > 0 ? ['The connected memory stores text only: follow-up questions will not see this picture again'] : [];
}

/** The message `add(content)` would add, taken before it reaches the store. */
function messageMadeBy(history: ChatHistoryLike, add: ((content: unknown) => unknown) | undefined, content: unknown): object | undefined {
	if (typeof add !== 'function') return undefined;
	let made: unknown;
	const capture = Object.create(history) as ChatHistoryLike & { addMessage: (message: unknown) => Promise<void> };
	capture.addMessage = async (message: unknown) => {
		made = message;
	};
	try {
		const pending = add.call(capture, content) as Promise<unknown> | undefined;
		if (typeof pending?.then === 'function') pending.then(undefined, () => undefined);
	} catch {
		return undefined;
	}
	return typeof made === 'object' && made !== null && 'content' in made ? made : undefined;
}
