import type { IDataObject, INodeExecutionData } from 'n8n-workflow';
import type { VisionStreamError } from '../stream/errors/streamError';
import { StructuredAnswerError } from '../structured/structuredAnswer';
import type { ChatCompletionChunk, ChatStreamResult } from '../stream/types';

/** The Result output item for one input item. */
export function resultItem(result: ChatStreamResult, itemIndex: number, notices: string[]): INodeExecutionData {
	const first = result.choices[0];
	const json: IDataObject = {
		text: first?.text ?? '',
		finishReason: first?.finishReason ?? null,
	};
	if (first?.toolCalls) json.toolCalls = first.toolCalls as unknown as IDataObject[];
	if (first?.reasoning) json.reasoning = first.reasoning;
	if (first?.refusal) json.refusal = first.refusal;
	json.choices = result.choices.map((choice) => {
		const entry: IDataObject = {
			index: choice.index,
			text: choice.text,
			finishReason: choice.finishReason,
			toolCalls: (choice.toolCalls ?? null) as unknown as IDataObject[],
			reasoning: choice.reasoning ?? null,
		};
		if (choice.refusal) entry.refusal = choice.refusal;
		return entry;
	});
	if (result.usage) json.usage = result.usage as IDataObject;
	json.id = result.id ?? null;
	json.model = result.model ?? null;
	json.created = result.created ?? null;
	json.systemFingerprint = result.systemFingerprint ?? null;
	json.chunkCount = result.chunkCount;
	json.timing = {
		timeToFirstTokenMs: result.timeToFirstTokenMs === null ? null : Math.round(result.timeToFirstTokenMs * 10) / 10,
		durationMs: Math.round(result.durationMs * 10) / 10,
	};
	if (result.attempts > 1) json.attempts = result.attempts;
	const warnings = result.warnings ? [...notices, ...result.warnings] : notices;
	if (warnings.length > 0) json.warnings = warnings;
	return { json, pairedItem: { item: itemIndex } };
}

/** What an AI agent gets back: the answer, without the metadata it would only have to read past. */
export function toolResultItem(result: ChatStreamResult, itemIndex: number, notices: string[]): INodeExecutionData {
	const first = result.choices[0];
	const json: IDataObject = { text: first?.text ?? '', finishReason: first?.finishReason ?? null };
	if (first?.toolCalls) json.toolCalls = first.toolCalls as unknown as IDataObject[];
	if (first?.refusal) json.refusal = first.refusal;
	if (result.choices.length > 1) json.alternatives = result.choices.slice(1).map((choice) => choice.text);
	const warnings = result.warnings ? [...notices, ...result.warnings] : notices;
	if (warnings.length > 0) json.warnings = warnings;
	return { json, pairedItem: { item: itemIndex } };
}

/** A chunk as received plus where it sits; the parsed object is reused, not copied. */
export function chunkItem(chunk: ChatCompletionChunk, itemIndex: number, sequence: number, receivedMs: number): INodeExecutionData {
	const json = chunk as IDataObject;
	json.sequence = sequence;
	json.receivedMs = Math.round(receivedMs * 10) / 10;
	json.itemIndex = itemIndex;
	return { json, pairedItem: { item: itemIndex } };
}

/**
 * What a failed item yields under "continue on fail": the message, and nothing it received
 * lost. n8n's engine sends an item to the node's error output only when its json has no keys
 * but error/message/details (an `item.error` would make it replace the json with the bare
 * message), so for the error output the same facts go under `details`.
 */
export function errorItem(error: Error, itemIndex: number, forErrorOutput: boolean): INodeExecutionData {
	const streamError = error as Partial<VisionStreamError> & { description?: string };
	const facts: IDataObject = {};
	if (streamError.httpCode !== undefined) facts.httpCode = streamError.httpCode;
	if (streamError.serverMessage !== undefined) facts.serverMessage = streamError.serverMessage;
	if (streamError.partialText !== undefined) facts.partialText = streamError.partialText;
	facts.chunkCount = streamError.chunkCount ?? 0;
	if (error instanceof StructuredAnswerError) {
		facts.text = error.text;
		facts.jsonError = error.checked.jsonError ?? null;
		facts.violations = (error.checked.violations ?? []) as unknown as IDataObject[];
		facts.jsonAttempts = error.attempts;
	}
	const hint = streamError.hint ?? streamError.description;
	const json: IDataObject = forErrorOutput
		? { error: error.message, ...(hint ? { message: hint } : {}), details: facts }
		: { error: error.message, ...(hint ? { description: hint } : {}), ...facts };
	return { json, pairedItem: { item: itemIndex } };
}
