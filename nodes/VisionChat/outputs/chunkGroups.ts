import type { IDataObject, INodeExecutionData } from 'n8n-workflow';
import type { ChatCompletionChunk, ContentPart, ToolCallDelta } from '../stream/types';
import { deltaReasoning, deltaText, partKind } from '../stream/answer/contentParts';

interface GroupChoice {
	index: number;
	content: string[];
	reasoning: string[];
	refusal: string[];
	/** Content parts of types the node does not read, kept as received. */
	otherParts: ContentPart[];
	toolCalls: ToolCallDelta[];
	finishReason: string | null;
}

/**
 * Merges the chunks received within a time window into one Chunks item, so a long answer
 * stores tens of items instead of thousands. Text pieces are joined per choice; tool call
 * deltas are kept in order; the window's first and last sequence and times are recorded.
 */
export class ChunkGrouper {
	private group: { first: ChatCompletionChunk; choices: GroupChoice[]; usage?: unknown; from: number; to: number; fromMs: number; toMs: number } | undefined;

	constructor(
		private readonly windowMs: number,
		private readonly itemIndex: number,
		private readonly out: INodeExecutionData[],
	) {}

	add(chunk: ChatCompletionChunk, sequence: number, receivedMs: number): void {
		if (this.group && receivedMs - this.group.fromMs > this.windowMs) this.flush();
		const group = (this.group ??= { first: chunk, choices: [], from: sequence, to: sequence, fromMs: receivedMs, toMs: receivedMs });
		group.to = sequence;
		group.toMs = receivedMs;
		if (chunk.usage) group.usage = chunk.usage;
		for (const choice of chunk.choices ?? []) {
			const index = choice.index ?? 0;
			const target = group.choices.find((c) => c.index === index) ?? pushChoice(group.choices, index);
			const delta = choice.delta;
			const text = deltaText(delta);
			if (text) target.content.push(text);
			const reasoning = deltaReasoning(delta);
			if (reasoning) target.reasoning.push(reasoning);
			if (delta?.refusal) target.refusal.push(delta.refusal);
			if (Array.isArray(delta?.content)) {
				for (const part of delta.content) if (part && partKind(part) === 'unknown') target.otherParts.push(part);
			}
			if (delta?.tool_calls) target.toolCalls.push(...delta.tool_calls);
			if (choice.finish_reason) target.finishReason = choice.finish_reason;
		}
	}

	flush(): void {
		const group = this.group;
		if (!group) return;
		this.group = undefined;
		const json: IDataObject = {
			id: group.first.id ?? null,
			object: 'chat.completion.chunk.group',
			created: group.first.created ?? null,
			model: group.first.model ?? null,
			system_fingerprint: group.first.system_fingerprint ?? null,
			choices: group.choices.map((choice) => {
				const delta: IDataObject = { content: choice.content.join('') };
				if (choice.reasoning.length > 0) delta.reasoning_content = choice.reasoning.join('');
				if (choice.refusal.length > 0) delta.refusal = choice.refusal.join('');
				if (choice.otherParts.length > 0) delta.otherParts = choice.otherParts as IDataObject[];
				if (choice.toolCalls.length > 0) delta.tool_calls = choice.toolCalls as IDataObject[];
				return { index: choice.index, delta, finish_reason: choice.finishReason };
			}),
		};
		if (group.usage) json.usage = group.usage as IDataObject;
		json.sequence = group.from;
		json.sequenceEnd = group.to;
		json.chunkCount = group.to - group.from + 1;
		json.receivedMs = Math.round(group.fromMs * 10) / 10;
		json.receivedEndMs = Math.round(group.toMs * 10) / 10;
		json.itemIndex = this.itemIndex;
		this.out.push({ json, pairedItem: { item: this.itemIndex } });
	}
}

function pushChoice(choices: GroupChoice[], index: number): GroupChoice {
	const choice: GroupChoice = { index, content: [], reasoning: [], refusal: [], otherParts: [], toolCalls: [], finishReason: null };
	choices.push(choice);
	return choice;
}
