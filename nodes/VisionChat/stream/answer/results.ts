import { performance } from 'node:perf_hooks';
import type { ChatStreamAccumulator } from './accumulate';
import { VisionStreamError } from '../errors/streamError';
import { ndjsonError } from '../errors/httpErrors';
import { errorMessageOf, looksLikeHtml, snippet, summariseHtml } from '../errors/serverMessage';
import type { BodyFormat } from '../transport/responseBody';
import type { ChatCompletion, ChatCompletionChunk, ChatStreamResult } from '../types';

const CHECK_BASE_URL = 'Check the base URL in the credential: it must point at an OpenAI-compatible API (usually ending in /v1)';

/** The finished answer, with what the user should know about it; never an empty success. */
export function resultOf(
	accumulator: ChatStreamAccumulator,
	completion: ChatStreamResult['completion'],
	timeToFirstTokenMs: number | null,
	startedAt: number,
): ChatStreamResult {
	const choices = accumulator.choiceResults();
	const warnings: string[] = [];
	for (const { index, types } of accumulator.unknownPartTypes()) {
		const choice = choices.find((c) => c.index === index);
		const list = types.map((type) => `"${type}"`).join(', ');
		if (choice && !choice.text && !choice.toolCalls && !choice.refusal) {
			throw new VisionStreamError(`The answer${index > 0 ? ` of choice ${index}` : ''} arrived only as content parts of type ${list}, which the node cannot read as text`, {
				kind: 'protocol',
				chunkCount: accumulator.chunkCount,
				partialText: '',
				hint: 'Turn on "Emit Chunks" to see the parts as received, or pick a model that answers in text',
			});
		}
		warnings.push(`Choice ${index} also carried content parts of type ${list} that the node does not read; the Chunks output keeps them as received`);
	}
	for (const choice of choices) {
		if (choice.refusal) warnings.push(`The model refused${choice.index > 0 ? ` (choice ${choice.index})` : ''}: ${snippet(choice.refusal, 200)}`);
	}
	const result: ChatStreamResult = {
		id: accumulator.id,
		model: accumulator.model,
		created: accumulator.created,
		systemFingerprint: accumulator.systemFingerprint,
		choices,
		usage: accumulator.usage,
		chunkCount: accumulator.chunkCount,
		completion,
		timeToFirstTokenMs,
		durationMs: Math.round((performance.now() - startedAt) * 1000) / 1000,
		attempts: 1,
	};
	if (warnings.length > 0) result.warnings = warnings;
	return result;
}

/** A 200 answer that is not an event stream: a whole chat completion, an error, or a wrong endpoint. */
export function nonStreamedResult(
	text: string,
	format: BodyFormat,
	contentType: string,
	accumulator: ChatStreamAccumulator,
	startedAt: number,
	url: string,
): ChatStreamResult {
	let parsed: unknown;
	try {
		if (format === 'ndjson') throw new SyntaxError('JSON lines');
		parsed = JSON.parse(text);
	} catch {
		const lines = jsonLines(text);
		if (lines) {
			const failed = lines.find((line) => line.error !== undefined && line.error !== null);
			if (failed) throw serverError(errorMessageOf(failed), url);
			throw ndjsonError();
		}
		const what = looksLikeHtml(text, contentType) ? summariseHtml(text) : snippet(text) || '(empty body)';
		throw new VisionStreamError(`The server answered 200 but not with an event stream or JSON: ${what}`, {
			kind: 'protocol',
			serverMessage: what,
			url,
			hint: CHECK_BASE_URL,
		});
	}
	const object = (parsed ?? {}) as Record<string, unknown>;
	if (object.error !== undefined && object.error !== null) throw serverError(errorMessageOf(object), url);
	if (!Array.isArray(object.choices)) {
		throw new VisionStreamError(`The server answered 200 with JSON that is not a chat completion: ${snippet(text)}`, {
			kind: 'protocol',
			url,
			hint: CHECK_BASE_URL,
		});
	}
	if (object.object === 'chat.completion.chunk') {
		accumulator.push(object as ChatCompletionChunk);
	} else {
		accumulator.acceptCompletion(object as ChatCompletion);
	}
	const ttft = performance.now() - startedAt;
	return resultOf(accumulator, 'non_streamed', ttft, startedAt);
}

function serverError(message: string, url: string): VisionStreamError {
	return new VisionStreamError(`The server answered 200 with an error: ${message}`, { kind: 'server', serverMessage: message, url });
}

/** The objects of a newline-delimited JSON body, or undefined when it is not one. */
function jsonLines(text: string): Array<Record<string, unknown>> | undefined {
	const lines = text.split(/\r?\n/).filter((line) => line.trim());
	if (lines.length === 0) return undefined;
	const objects: Array<Record<string, unknown>> = [];
	for (const line of lines) {
		try {
			const value = JSON.parse(line);
			if (!value || typeof value !== 'object') return undefined;
			objects.push(value);
		} catch {
			return undefined;
		}
	}
	return objects;
}
