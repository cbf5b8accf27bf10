import type {
	ChatCompletion,
	ChatCompletionChunk,
	ChoiceResult,
	ToolCall,
	ToolCallDelta,
	Usage,
} from './types';

interface ToolCallState {
	id: string;
	type: string;
	name: string;
	argumentPieces: string[];
}

interface ChoiceState {
	textPieces: string[];
	reasoningPieces: string[];
	toolCalls: ToolCallState[];
	finishReason: string | null;
}

function newChoice(): ChoiceState {
	return { textPieces: [], reasoningPieces: [], toolCalls: [], finishReason: null };
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

	/** Returns true when the chunk carried answer content (text, reasoning or a tool call). */
	push(chunk: ChatCompletionChunk): boolean {
		this.chunkCount++;
		if (this.id === undefined && chunk.id) this.id = chunk.id;
		if (this.model === undefined && chunk.model) this.model = chunk.model;
		if (this.created === undefined && typeof chunk.created === 'number') this.created = chunk.created;
		if (chunk.system_fingerprint) this.systemFingerprint = chunk.system_fingerprint;
		if (chunk.usage) this.usage = chunk.usage;

		const choices = chunk.choices;
		if (!choices) return false;
		let carriedContent = false;
		for (let c = 0; c < choices.length; c++) {
			const choice = choices[c];
			const index = typeof choice.index === 'number' ? choice.index : c;
			const state = this.choices[index] ?? (this.choices[index] = newChoice());
			const delta = choice.delta;
			if (delta) {
				const content = delta.content;
				if (typeof content === 'string' && content.length > 0) {
					state.textPieces.push(content);
					carriedContent = true;
				}
				// Providers disagree on the name: DeepSeek/vLLM use reasoning_content, OpenRouter reasoning.
				const reasoning = delta.reasoning_content ?? delta.reasoning;
				if (typeof reasoning === 'string' && reasoning.length > 0) {
					state.reasoningPieces.push(reasoning);
					carriedContent = true;
				}
				if (delta.tool_calls && delta.tool_calls.length > 0) {
					addToolCallDeltas(state.toolCalls, delta.tool_calls);
					carriedContent = true;
				}
			}
			if (choice.finish_reason) state.finishReason = choice.finish_reason;
		}
		return carriedContent;
	}

	/** Takes a whole non-streamed answer as if it had arrived in one chunk. */
	acceptCompletion(completion: ChatCompletion): void {
		this.id = completion.id;
		this.model = completion.model;
		this.created = completion.created;
		this.systemFingerprint = completion.system_fingerprint ?? undefined;
		if (completion.usage) this.usage = completion.usage;
		const choices = completion.choices ?? [];
		for (let c = 0; c < choices.length; c++) {
			const choice = choices[c];
			const index = typeof choice.index === 'number' ? choice.index : c;
			const state = (this.choices[index] = newChoice());
			const message = choice.message ?? {};
			const content = message.content;
			if (typeof content === 'string') state.textPieces.push(content);
			else if (Array.isArray(content)) {
				for (const part of content) if (typeof part?.text === 'string') state.textPieces.push(part.text);
			}
			const reasoning = message.reasoning_content ?? message.reasoning;
			if (typeof reasoning === 'string') state.reasoningPieces.push(reasoning);
			for (const call of message.tool_calls ?? []) {
				state.toolCalls.push({
					id: call.id ?? '',
					type: call.type ?? 'function',
					name: call.function?.name ?? '',
					argumentPieces: [call.function?.arguments ?? ''],
				});
			}
			state.finishReason = choice.finish_reason ?? 'stop';
		}
	}

	/** True when every choice seen so far (and at least `expectedChoices`) has a finish_reason. */
	allChoicesFinished(expectedChoices = 1): boolean {
		let seen = 0;
		for (const state of this.choices) {
			if (!state) continue;
			if (state.finishReason === null) return false;
			seen++;
		}
		return seen > 0 && seen >= expectedChoices;
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
			if (state.toolCalls.length > 0) result.toolCalls = state.toolCalls.filter(Boolean).map(toToolCall);
			if (state.reasoningPieces.length > 0) result.reasoning = state.reasoningPieces.join('');
			results.push(result);
		});
		return results;
	}
}

function addToolCallDeltas(calls: ToolCallState[], deltas: ToolCallDelta[]): void {
	for (const delta of deltas) {
		let call: ToolCallState | undefined;
		if (typeof delta.index === 'number') {
			call = calls[delta.index] ?? (calls[delta.index] = emptyCall());
		} else if (delta.id) {
			// Some relays omit `index`; a new id then means a new call.
			call = calls.find((c) => c && c.id === delta.id);
			if (!call) calls.push((call = emptyCall()));
		} else {
			call = calls[calls.length - 1] ?? (calls[0] = emptyCall());
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
