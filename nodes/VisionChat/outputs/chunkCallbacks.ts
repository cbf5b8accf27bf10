import type { INodeExecutionData } from 'n8n-workflow';
import type { ChunkInfo } from '../stream/transport/client';
import type { ChatCompletionChunk } from '../stream/types';
import { deltaText } from '../stream/answer/contentParts';
import { ChunkGrouper } from './chunkGroups';
import type { LiveStream } from './liveStream';
import { chunkItem } from './resultItems';

export type OnChunk = (chunk: ChatCompletionChunk, info: ChunkInfo) => void;

/** Where chunk items go: one per chunk, or merged per time window when grouping is on. */
export function chunkSink(out: INodeExecutionData[], itemIndex: number, groupMs: number, ref: { grouper?: ChunkGrouper }): OnChunk {
	if (groupMs > 0) {
		const grouper = (ref.grouper = new ChunkGrouper(groupMs, itemIndex, out));
		return (chunk, info) => grouper.add(chunk, info.sequence, info.receivedMs);
	}
	return (chunk, info) => out.push(chunkItem(chunk, itemIndex, info.sequence, info.receivedMs));
}

/** One callback per item that does only the work asked for, since it runs for every chunk. */
export function onChunkFor(emit: OnChunk | undefined, live: LiveStream | undefined): OnChunk | undefined {
	if (!live) return emit;
	const sendText = (chunk: ChatCompletionChunk) => {
		const choice = chunk.choices?.[0];
		if (!choice || (choice.index ?? 0) !== 0 || !choice.delta) return;
		const content = choice.delta.content;
		// Strings are the hot path; lists of typed parts (Magistral) carry their text in parts.
		const text = typeof content === 'string' ? content : deltaText(choice.delta);
		if (text) live.text(text);
		if (choice.delta.refusal) live.text(choice.delta.refusal);
	};
	if (!emit) return sendText;
	return (chunk, info) => {
		sendText(chunk);
		emit(chunk, info);
	};
}
