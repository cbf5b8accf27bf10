import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { streamChatCompletion } from '../stream/transport/client';
import { chatCompletionsUrl, displayUrl, sendsKeyInClear } from '../stream/request/endpoint';
import { prepareRequest } from '../request/prepareItem';
import { toNodeError } from '../outputs/nodeErrors';
import { connectionOf, type Connection, type VisionChatCredential } from '../helpers/credential';
import type { ChunkGrouper } from '../outputs/chunkGroups';
import { chunkSink, onChunkFor } from '../outputs/chunkCallbacks';
import { LiveRelay, type LiveStream } from '../outputs/liveStream';
import { errorItem, resultItem, toolResultItem } from '../outputs/resultItems';
import type { VisionChatOptions } from '../description/options';
import { DEFAULT_CONCURRENCY, transportSettings } from './transportOptions';
import { runAll } from './itemPool';
import { accountScheduler } from '../stream/schedule/registry';
import { SchemaValidators } from '../structured/schemaValidator';
import { structuredPlanOf } from '../structured/plan';
import { askForJson } from '../structured/askForJson';
import { addJsonFields, recordItems } from '../outputs/jsonItems';
import { Conversation, hasMemoryInput } from '../conversation';

/** What the caller's live text shows between a JSON answer that was unusable and the next try. */
const RETRY_SEPARATOR = '\n\n[The answer was not valid JSON for the schema; asking again]\n\n';

interface ItemOutcome {
	/** One Result item, or one per choice for records. */
	results: INodeExecutionData[];
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
	// Shared with every execution in this process that uses the same endpoint and key.
	const scheduler = accountScheduler(url, apiKey, connection.limits);

	const outcomes: ItemOutcome[] = new Array(items.length);
	// Without "continue on fail", the first failure ends the node: stop the other requests too.
	const failFast = new AbortController();
	let firstFailure: Error | undefined;
	const signal = cancelSignal ? AbortSignal.any([cancelSignal, failFast.signal]) : failFast.signal;

	const relay = LiveRelay.for(this);
	// Run by an AI agent (n8n generates the "...Tool" type): the agent's own answer is what the
	// caller should see, and the agent reads only the Result output, so keep both lean by default.
	const asTool = this.getNode().type.endsWith('Tool');
	// Each JSON schema is compiled once per execution, however many items use it.
	const validators = new SchemaValidators();

	const runItem = async (itemIndex: number): Promise<void> => {
		const chunks: INodeExecutionData[] = [];
		const grouperRef: { grouper?: ChunkGrouper } = {};
		let live: LiveStream | undefined;
		try {
			const options = this.getNodeParameter('options', itemIndex, {}) as VisionChatOptions;
			live = (options.streamToCaller ?? !asTool) ? relay?.stream(itemIndex) : undefined;
			live?.begin();
			const allowUnauthorizedCerts = connection.allowUnauthorizedCerts || options.allowUnauthorizedCerts === true;
			const conversation = await Conversation.open(this, itemIndex, options);
			const { body, notes, imageSizes, documents } = await prepareRequest(this, items[itemIndex], itemIndex, { ...options, allowUnauthorizedCerts }, signal, conversation);
			const emitChunks = options.emitChunks ?? !asTool;
			const ask = (request: IDataObject) =>
				streamChatCompletion({
					url,
					apiKey,
					auth,
					body: request,
					headers,
					signal,
					expectedChoices: typeof request.n === 'number' ? request.n : 1,
					...transportSettings(options, scheduler),
					allowUnauthorizedCerts,
					onChunk: onChunkFor(emitChunks ? chunkSink(chunks, itemIndex, options.groupChunksMs ?? 0, grouperRef) : undefined, live),
				});
			const plan = structuredPlanOf(options, validators);
			const answer = plan ? await askForJson(ask, body, plan, () => live?.text(RETRY_SEPARATOR)) : undefined;
			const result = answer ? answer.result : await ask(body);
			// Only a complete answer is remembered: a failure or a cancel threw above.
			const saveNotes = conversation ? await conversation.save(result.choices[0]?.text ?? '') : [];
			grouperRef.grouper?.flush();
			live?.end();
			const item = (asTool ? toolResultItem : resultItem)(result, itemIndex, [...notices, ...notes, ...(conversation?.notes ?? []), ...saveNotes]);
			if (imageSizes) item.json.imageSizes = imageSizes;
			if (documents) item.json.documents = documents as unknown as IDataObject[];
			if (answer) addJsonFields(item, answer);
			const produced = answer && options.jsonOutput === 'record' && !asTool ? recordItems(item, answer, itemIndex) : [item];
			if (options.keepInput) for (const output of produced) keepInputData(output, items[itemIndex]);
			outcomes[itemIndex] = { results: produced, chunks };
		} catch (error) {
			grouperRef.grouper?.flush();
			live?.fail((error as Error).message);
			if (failFast.signal.aborted) return; // another item already failed the node
			if (this.continueOnFail()) {
				outcomes[itemIndex] = { results: [errorItem(error as Error, itemIndex, this.getNode().onError === 'continueErrorOutput')], chunks };
				return;
			}
			firstFailure ??= toNodeError(this, error as Error, itemIndex, asTool);
			failFast.abort();
		} finally {
			relay?.finish(itemIndex);
		}
	};

	// With a Memory, each item must see the turns of the items before it.
	await runAll(items.length, hasMemoryInput(this) ? 1 : concurrencyOf(this), runItem, () => failFast.signal.aborted);
	if (firstFailure) throw firstFailure;

	const results: INodeExecutionData[] = [];
	const chunkItems: INodeExecutionData[] = [];
	for (const outcome of outcomes) {
		for (const result of outcome.results) results.push(result);
		for (const chunk of outcome.chunks) chunkItems.push(chunk);
	}
	return [results, chunkItems];
}

function keepInputData(result: INodeExecutionData, input: INodeExecutionData): void {
	result.json = { ...input.json, ...result.json };
	if (input.binary) result.binary = input.binary;
}

function concurrencyOf(ctx: IExecuteFunctions): number {
	const options = ctx.getNodeParameter('options', 0, {}) as { concurrency?: number };
	const value = Number(options.concurrency ?? DEFAULT_CONCURRENCY);
	return Number.isFinite(value) && value >= 1 ? Math.floor(value) : 1;
}
