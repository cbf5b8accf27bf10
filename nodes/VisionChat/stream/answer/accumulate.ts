import { splitContentParts } from './contentParts';
import type {
	ChatCompletion,
	ChatCompletionChunk,
	ChoiceResult,
	ContentPart,
	ToolCall,
	ToolCallDelta,
	Usage,
} from '../types';

interface ToolCallState {
	id: string;
	type: string;
	name: string;
	argumentPieces: string[];
}

interface ChoiceState {
	textPieces: string[];
	reasoningPieces: string[];
	refusalPieces: string[];
	/** Calls in order of their first delta. */
	toolCalls: ToolCallState[];
	/** The call each streamed `index` currently points at. */
	toolCallAt: Array<ToolCallState | undefined>;
	finishReason: string | null;
	unknownPartTypes?: Set<string>;
}

function newChoice(): ChoiceState {
	return { textPieces: [], reasoningPieces: [], refusalPieces: [], toolCalls: [], toolCallAt: [], finishReason: null };
}

/**
 * Folds chunk deltas into per-choice answers. Pieces are kept in arrays and joined once at
 * the end, so the per-chunk cost is a few property reads and an array push.
 */
export class ChatStreamAccumulator {
	id?: string;
	model?: string;
	created?: number;
	systemFingerprint?: string;
	usage?: Usage;
	chunkCount = 0;
	private readonly choices: ChoiceState[] = [];
	private choicesSeen = 0;
	private choicesFinished = 0;
	private usageAtTopLevel = false;

	/** Returns true when the chunk carried answer content (text, reasoning, refusal or a tool call). */
	push(chunk: ChatCompletionChunk): boolean {
		this.chunkCount++;
		// Azure's first chunk is a placeholder with empty id and model and created 0: the first real value wins.
		if (this.id === undefined && chunk.id) this.id = chunk.id;
		if (this.model === undefined && chunk.model) this.model = chunk.model;
		if (this.created === undefined && typeof chunk.created === 'number' && chunk.created > 0) this.created = chunk.created;
		if (chunk.system_fingerprint) this.systemFingerprint = chunk.system_fingerprint;
		// Usage is cumulative where it repeats (xAI): the last one wins, never a sum.
		if (chunk.usage) {
			this.usage = chunk.usage;
			this.usageAtTopLevel = true;
		} else if (!this.usageAtTopLevel && chunk.x_groq?.usage) {
			this.usage = chunk.x_groq.usage;
		}

		const choices = chunk.choices;
		if (!choices) return false;
		let carriedContent = false;
		for (let c = 0; c < choices.length; c++) {
			const choice = choices[c];
			const index = typeof choice.index === 'number' ? choice.index : c;
			const state = this.choices[index] ?? this.addChoice(index);
			const delta = choice.delta;
			if (delta) {
				const content = delta.content;
				if (typeof content === 'string') {
					if (content.length > 0) {
						state.textPieces.push(content);
						carriedContent = true;
					}
				} else if (Array.isArray(content) && content.length > 0) {
					if (addContentParts(state, content)) carriedContent = true;
				}
				const reasoning = delta.reasoning_content ?? delta.reasoning;
				if (typeof reasoning === 'string' && reasoning.length > 0) {
					state.reasoningPieces.push(reasoning);
					carriedContent = true;
				}
				if (typeof delta.refusal === 'string' && delta.refusal.length > 0) {
					state.refusalPieces.push(delta.refusal);
					carriedContent = true;
				}
				if (delta.tool_calls && delta.tool_calls.length > 0) {
					addToolCallDeltas(state, delta.tool_calls);
					carriedContent = true;
				}
			}
			if (choice.finish_reason) {
				if (state.finishReason === null) this.choicesFinished++;
				state.finishReason = choice.finish_reason;
			}
		}
		return carriedContent;
	}

	/** Takes a whole non-streamed answer as if it had arrived in one chunk. */
	acceptCompletion(completion: ChatCompletion): void {
		this.id = completion.id || undefined;
		this.model = completion.model || undefined;
		this.created = completion.created || undefined;
		this.systemFingerprint = completion.system_fingerprint ?? undefined;
		if (completion.usage) this.usage = completion.usage;
		const choices = completion.choices ?? [];
		for (let c = 0; c < choices.length; c++) {
			const choice = choices[c];
			const index = typeof choice.index === 'number' ? choice.index : c;
			const state = this.choices[index] ?? this.addChoice(index);
			const message = choice.message ?? {};
			const content = message.content;
			if (typeof content === 'string') state.textPieces.push(content);
			else if (Array.isArray(content)) addContentParts(state, content);
			const reasoning = message.reasoning_content ?? message.reasoning;
			if (typeof reasoning === 'string') state.reasoningPieces.push(reasoning);
			if (typeof message.refusal === 'string' && message.refusal) state.refusalPieces.push(message.refusal);
			for (const call of message.tool_calls ?? []) {
				state.toolCalls.push({
					id: call.id ?? '',
					type: call.type ?? 'function',
					name: call.function?.name ?? '',
					argumentPieces: [call.function?.arguments ?? ''],
				});
			}
			if (state.finishReason === null) this.choicesFinished++;
			state.finishReason = choice.finish_reason ?? 'stop';
		}
	}

	/** True when every choice seen so far (and at least `expectedChoices`) has a finish_reason. */
	allChoicesFinished(expectedChoices = 1): boolean {
		return this.choicesFinished > 0 && this.choicesFinished === this.choicesSeen && this.choicesSeen >= expectedChoices;
	}

	/** Text of choice 0 so far: what a failure keeps as `partialText`. */
	partialText(): string {
		const first = this.choices[0];
		return first ? first.textPieces.join('') : '';
	}

	choiceResults(): ChoiceResult[] {
		const results: ChoiceResult[] = [];
		this.choices.forEach((state, index) => {
			if (!state) return;
			const result: ChoiceResult = {
				index,
				text: state.textPieces.join(''),
				finishReason: state.finishReason,
			};
			if (state.toolCalls.length > 0) result.toolCalls = state.toolCalls.map(toToolCall);
			if (state.reasoningPieces.length > 0) result.reasoning = state.reasoningPieces.join('');
			if (state.refusalPieces.length > 0) result.refusal = state.refusalPieces.join('');
			results.push(result);
		});
		return results;
	}

	/** Content part types that were not read, per choice index; empty when all were understood. */
	unknownPartTypes(): Array<{ index: number; types: string[] }> {
		const found: Array<{ index: number; types: string[] }> = [];
		this.choices.forEach((state, index) => {
			if (state?.unknownPartTypes) found.push({ index, types: [...state.unknownPartTypes] });
		});
		return found;
	}

	private addChoice(index: number): ChoiceState {
		this.choicesSeen++;
		return (this.choices[index] = newChoice());
	}
}

function addContentParts(state: ChoiceState, parts: ContentPart[]): boolean {
	const { text, reasoning, unknownTypes } = splitContentParts(parts);
	if (text) state.textPieces.push(text);
	if (reasoning) state.reasoningPieces.push(reasoning);
	for (const type of unknownTypes) (state.unknownPartTypes ??= new Set()).add(type);
	return text.length > 0 || reasoning.length > 0;
}

function addToolCallDeltas(state: ChoiceState, deltas: ToolCallDelta[]): void {
	for (const delta of deltas) {
		let call: ToolCallState | undefined;
		if (typeof delta.index === 'number') {
			call = state.toolCallAt[delta.index];
			// Ollama numbers every parallel call 0: a different id at the same index is a new call.
			if (!call || (delta.id && call.id && delta.id !== call.id)) {
				call = emptyCall();
				state.toolCalls.push(call);
				state.toolCallAt[delta.index] = call;
			}
		} else if (delta.id) {
			// Gemini and Mistral omit `index`; a new id then means a new call.
			call = state.toolCalls.find((c) => c.id === delta.id);
			if (!call) state.toolCalls.push((call = emptyCall()));
		} else {
			call = state.toolCalls[state.toolCalls.length - 1];
			if (!call) state.toolCalls.push((call = emptyCall()));
		}
		if (delta.id) call.id = delta.id;
		if (delta.type) call.type = delta.type;
		const fn = delta.function;
		if (fn) {
			// Normally sent once; tolerate relays that repeat it, and the rare one that splits it.
			if (fn.name && fn.name !== call.name) call.name = call.name ? call.name + fn.name : fn.name;
			if (typeof fn.arguments === 'string' && fn.arguments.length > 0) call.argumentPieces.push(fn.arguments);
		}
	}
}

function emptyCall(): ToolCallState {
	return { id: '', type: 'function', name: '', argumentPieces: [] };
}

function toToolCall(call: ToolCallState): ToolCall {
	return { id: call.id, type: call.type, function: { name: call.name, arguments: call.argumentPieces.join('') } };
}
