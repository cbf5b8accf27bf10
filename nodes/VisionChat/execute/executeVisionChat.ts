import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { streamChatCompletion, type ChunkInfo } from '../stream/transport/client';
import type { ChatCompletionChunk } from '../stream/types';
import { deltaText } from '../stream/answer/contentParts';
import { chatCompletionsUrl, displayUrl, sendsKeyInClear } from '../stream/request/endpoint';
import { prepareRequest } from '../request/prepareItem';
import { toNodeError } from '../outputs/nodeErrors';
import { connectionOf, type Connection, type VisionChatCredential } from '../helpers/credential';
import { ChunkGrouper } from '../outputs/chunkGroups';
import { LiveRelay, type LiveStream } from '../outputs/liveStream';
import { chunkItem, errorItem, resultItem, toolResultItem } from '../outputs/resultItems';
import type { VisionChatOptions } from '../request/chatBody';

interface ItemOutcome {
	result: INodeExecutionData;
	chunks: INodeExecutionData[];
}

/** Runs one request per input item and returns the Result and Chunks outputs, in input order. */
export async function executeVisionChat(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const credentials = (await this.getCredentials('visionChatApi')) as unknown as VisionChatCredential;
	let connection: Connection;
	let url: string;
	try {
		connection = connectionOf(credentials);
		url = chatCompletionsUrl(connection.baseUrl);
	} catch (error) {
		throw new NodeOperationError(this.getNode(), (error as Error).message, { description: 'Fix the Vision Chat API credential' });
	}
	const { apiKey, headers, auth } = connection;
	const notices =
		apiKey && sendsKeyInClear(url) ? [`The base URL ${displayUrl(url)} is plain http to another host: the API key travels unencrypted`] : [];
	const cancelSignal = this.getExecutionCancelSignal?.();

	const outcomes: ItemOutcome[] = new Array(items.length);
	// Without "continue on fail", the first failure ends the node: stop the other requests too.
	const failFast = new AbortController();
	let firstFailure: Error | undefined;
	const signal = cancelSignal ? AbortSignal.any([cancelSignal, failFast.signal]) : failFast.signal;

	const relay = LiveRelay.for(this);
	// Run by an AI agent (n8n generates the "...Tool" type): the agent's own answer is what the
	// caller should see, and the agent reads only the Result output, so keep both lean by default.
	const asTool = this.getNode().type.endsWith('Tool');

	const runItem = async (itemIndex: number): Promise<void> => {
		const chunks: INodeExecutionData[] = [];
		const grouperRef: { grouper?: ChunkGrouper } = {};
		let live: LiveStream | undefined;
		try {
			const options = this.getNodeParameter('options', itemIndex, {}) as VisionChatOptions;
			live = (options.streamToCaller ?? !asTool) ? relay?.stream(itemIndex) : undefined;
			live?.begin();
			const allowUnauthorizedCerts = connection.allowUnauthorizedCerts || options.allowUnauthorizedCerts === true;
			const { body, notes, imageSizes } = await prepareRequest(this, items[itemIndex], itemIndex, { ...options, allowUnauthorizedCerts }, signal);
			const emitChunks = options.emitChunks ?? !asTool;
			const result = await streamChatCompletion({
					url,
					apiKey,
					auth,
					body,
					headers,
					signal,
					expectedChoices: typeof body.n === 'number' ? body.n : 1,
					idleTimeoutMs: options.timeout,
					firstByteTimeoutMs: options.firstByteTimeout,
					totalTimeoutMs: options.totalTimeout || undefined,
					maxRetries: options.maxRetries,
					allowUnauthorizedCerts,
					onChunk: onChunkFor(emitChunks ? chunkSink(chunks, itemIndex, options.groupChunksMs ?? 0, grouperRef) : undefined, live),
				});
			grouperRef.grouper?.flush();
			live?.end();
			const item = (asTool ? toolResultItem : resultItem)(result, itemIndex, [...notices, ...notes]);
			if (imageSizes) item.json.imageSizes = imageSizes;
			if (options.keepInput) keepInputData(item, items[itemIndex]);
			outcomes[itemIndex] = { result: item, chunks };
		} catch (error) {
			grouperRef.grouper?.flush();
			live?.fail((error as Error).message);
			if (failFast.signal.aborted) return; // another item already failed the node
			if (this.continueOnFail()) {
				outcomes[itemIndex] = { result: errorItem(error as Error, itemIndex, this.getNode().onError === 'continueErrorOutput'), chunks };
				return;
			}
			firstFailure ??= toNodeError(this, error as Error, itemIndex, asTool);
			failFast.abort();
		} finally {
			relay?.finish(itemIndex);
		}
	};

	await runAll(items.length, concurrencyOf(this), runItem, () => failFast.signal.aborted);
	if (firstFailure) throw firstFailure;

	const results: INodeExecutionData[] = [];
	const chunkItems: INodeExecutionData[] = [];
	for (const outcome of outcomes) {
		results.push(outcome.result);
		for (const chunk of outcome.chunks) chunkItems.push(chunk);
	}
	return [results, chunkItems];
}

type OnChunk = (chunk: ChatCompletionChunk, info: ChunkInfo) => void;

/** Where chunk items go: one per chunk, or merged per time window when grouping is on. */
function chunkSink(out: INodeExecutionData[], itemIndex: number, groupMs: number, ref: { grouper?: ChunkGrouper }): OnChunk {
	if (groupMs > 0) {
		const grouper = (ref.grouper = new ChunkGrouper(groupMs, itemIndex, out));
		return (chunk, info) => grouper.add(chunk, info.sequence, info.receivedMs);
	}
	return (chunk, info) => out.push(chunkItem(chunk, itemIndex, info.sequence, info.receivedMs));
}

/** One callback per item that does only the work asked for, since it runs for every chunk. */
function onChunkFor(emit: OnChunk | undefined, live: LiveStream | undefined): OnChunk | undefined {
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

function keepInputData(result: INodeExecutionData, input: INodeExecutionData): void {
	result.json = { ...input.json, ...result.json };
	if (input.binary) result.binary = input.binary;
}

function concurrencyOf(ctx: IExecuteFunctions): number {
	const options = ctx.getNodeParameter('options', 0, {}) as { concurrency?: number };
	const value = Number(options.concurrency ?? 4);
	return Number.isFinite(value) && value >= 1 ? Math.floor(value) : 1;
}

/** A small worker pool: at most `limit` items in flight, started in input order. `run` never throws. */
async function runAll(count: number, limit: number, run: (index: number) => Promise<void>, stopped: () => boolean): Promise<void> {
	let next = 0;
	const worker = async () => {
		while (next < count && !stopped()) await run(next++);
	};
	await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}
