import { request, type Dispatcher } from 'undici';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { ChatStreamAccumulator } from '../answer/accumulate';
import { keyHeaders, type KeyAuth } from '../request/auth';
import { jsonBody, type RequestBody } from '../request/body';
import { dispatcherFor } from './dispatcher';
import { VisionStreamError, redactSecret, type AttemptRecord } from '../errors/streamError';
import { DEFAULT_TIMEOUTS } from './timeouts';
import { HttpFailure, MidStreamFailure, TotalTimeout, finish, toStreamError } from '../errors/classify';
import { ChunkDecoder, DEFAULT_MAX_EVENT_BYTES } from '../sse/chunkDecoder';
import { httpError } from '../errors/httpErrors';
import { nonStreamedResult, resultOf } from '../answer/results';
import { decodedBody, headerValue, readRest, readText, sniffFormat } from './responseBody';
import { decideRetry, sleep, DEFAULT_RETRY, type BackoffSettings, type RetrySettings } from '../retry/policy';
import { serverRequestedDelayMs } from '../retry/retryAfter';
import { withoutRefusedField } from '../retry/requestFallback';
import type { ChatCompletionChunk, ChatStreamResult } from '../types';
import { DEFAULT_MAX_RATE_LIMIT_WAIT_MS, type AccountScheduler, type Permit, type WaitBudget } from '../schedule/accountScheduler';

export { DEFAULT_TIMEOUTS };

export interface ChunkInfo {
	/** 0-based position of the chunk in the stream. */
	sequence: number;
	/** ms since the request started. */
	receivedMs: number;
}

export interface StreamChatOptions {
	/** The full chat completions URL. */
	url: string;
	apiKey: string;
	/** How the key is sent; Authorization: Bearer when absent. */
	auth?: KeyAuth;
	/** A JSON-serialisable body (may contain InlineImage values) or a prepared RequestBody. */
	body: unknown;
	headers?: Record<string, string>;
	signal?: AbortSignal;
	/** Called for every chunk as it arrives, before it is folded into the answer. */
	onChunk?: (chunk: ChatCompletionChunk, info: ChunkInfo) => void;
	/** `n` of the request: how many choices must finish for the answer to be complete. */
	expectedChoices?: number;
	/** How long to wait for `[DONE]` (or the end) once every choice has a finish_reason. */
	finishGraceMs?: number;
	/** Time without any data between chunks before giving up. */
	idleTimeoutMs?: number;
	/** Time from sending the request to the response headers. */
	firstByteTimeoutMs?: number;
	connectTimeoutMs?: number;
	/** Optional limit on the whole request, retries included. */
	totalTimeoutMs?: number;
	maxRetries?: number;
	backoff?: BackoffSettings;
	/** A server asking for a longer wait than this is not retried. */
	maxRetryAfterMs?: number;
	maxEventBytes?: number;
	allowUnauthorizedCerts?: boolean;
	dispatcher?: Dispatcher;
	/** The account's shared scheduler: paces every attempt; its 429s are waited out without using maxRetries. */
	scheduler?: AccountScheduler;
	/** With a scheduler: the most this request may wait for rate limits in all. */
	maxRateLimitWaitMs?: number;
}


const MAX_ERROR_BODY_BYTES = 64 * 1024;
const MAX_JSON_BODY_BYTES = 64 * 1024 * 1024;
// Long enough for the usage chunk that follows the last finish_reason, short enough not to be felt.
const DEFAULT_FINISH_GRACE_MS = 1500;
// After [DONE], give a well-behaved server this long to end the response so its connection is reused.
const AFTER_DONE_DRAIN_MS = 250;

/**
 * Sends one chat completion request with `stream: true` and returns the assembled answer.
 * Retries transient failures that happen before any answer content arrived; never after,
 * since that would duplicate text. Every failure is a VisionStreamError carrying what it can.
 */
export async function streamChatCompletion(options: StreamChatOptions): Promise<ChatStreamResult> {
	const startedAt = performance.now();
	const retry: RetrySettings = {
		maxRetries: Math.max(0, options.maxRetries ?? DEFAULT_RETRY.maxRetries),
		backoff: options.backoff ?? DEFAULT_RETRY.backoff,
		maxRetryAfterMs: options.maxRetryAfterMs ?? DEFAULT_RETRY.maxRetryAfterMs,
	};
	let request = options.body;
	let body = isRequestBody(request) ? request : jsonBody(request);
	const attempts: AttemptRecord[] = [];
	const warnings: string[] = [];

	const totalController = options.totalTimeoutMs ? new AbortController() : undefined;
	const totalTimer = totalController
		? setTimeout(() => totalController.abort(new TotalTimeout()), options.totalTimeoutMs)
		: undefined;
	const signal = combineSignals(options.signal, totalController?.signal);
	const waitBudget: WaitBudget = { maxWaitMs: options.maxRateLimitWaitMs ?? DEFAULT_MAX_RATE_LIMIT_WAIT_MS, waitedMs: 0 };

	try {
		// `attempt` counts tries of the current body: the retry budget starts again after a fallback.
		for (let attempt = 1; ; attempt++) {
			let permit: Permit | undefined;
			try {
				permit = await options.scheduler?.acquire(signal, waitBudget);
				const result = await attemptOnce(options, body, signal, startedAt, permit);
				permit?.release(true);
				result.attempts = attempt;
				if (warnings.length > 0) result.warnings = [...warnings, ...(result.warnings ?? [])];
				return result;
			} catch (error) {
				permit?.release(false);
				const failure = toStreamError(error, signal, options);
				const decision = decideRetry(failure, attempt, retry, signal?.aborted ?? false, permit !== undefined);
				if (decision.retry && decision.paced) {
					// The scheduler holds the resend back as long as the account's limits say.
					attempt--;
					continue;
				}
				const record: AttemptRecord = { attempt: attempts.length + 1, outcome: failure.error.message, httpCode: failure.error.httpCode };
				attempts.push(record);
				if (!decision.retry) {
					const fallback = signal?.aborted ? undefined : withoutRefusedField(request, failure.error);
					if (!fallback) {
						if (decision.note) failure.error.message += ` (${decision.note})`;
						throw finish(failure.error, attempts, options.apiKey);
					}
					warnings.push(redactSecret(fallback.warning, options.apiKey));
					request = fallback.body;
					body = jsonBody(fallback.body);
					attempts.length = 0;
					attempt = 0;
					continue;
				}
				record.delayMs = decision.delayMs;
				try {
					await sleep(decision.delayMs, signal);
				} catch (abortReason) {
					throw finish(toStreamError(abortReason, signal, options).error, attempts, options.apiKey);
				}
			}
		}
	} finally {
		if (totalTimer) clearTimeout(totalTimer);
	}
}

async function attemptOnce(
	options: StreamChatOptions,
	body: RequestBody,
	signal: AbortSignal | undefined,
	startedAt: number,
	permit: Permit | undefined,
): Promise<ChatStreamResult> {
	const headers: Record<string, string> = {
		...options.headers,
		...keyHeaders(options.apiKey, options.auth),
		'content-type': 'application/json',
		accept: 'text/event-stream, application/json',
		'content-length': String(body.length),
	};
	const response = await request(options.url, {
		method: 'POST',
		headers,
		body: body.stream(),
		signal,
		headersTimeout: options.firstByteTimeoutMs ?? DEFAULT_TIMEOUTS.firstByteTimeoutMs,
		bodyTimeout: options.idleTimeoutMs ?? DEFAULT_TIMEOUTS.idleTimeoutMs,
		dispatcher:
			options.dispatcher ??
			dispatcherFor({
				connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_TIMEOUTS.connectTimeoutMs,
				allowUnauthorizedCerts: options.allowUnauthorizedCerts ?? false,
			}),
	});

	permit?.answered(response.statusCode, response.headers);
	const contentType = headerValue(response.headers['content-type']).toLowerCase();
	if (response.statusCode < 200 || response.statusCode >= 300) {
		const text = await readText(decodedBodyOf(response), MAX_ERROR_BODY_BYTES);
		throw new HttpFailure(
			httpError(response.statusCode, text, contentType, options.url, headerValue(response.headers.location) || undefined),
			serverRequestedDelayMs(response.headers),
		);
	}

	const accumulator = new ChatStreamAccumulator();
	let timeToFirstTokenMs: number | null = null;
	let completion: ChatStreamResult['completion'] | undefined;
	const onChunk = options.onChunk;
	const decoder = new ChunkDecoder(
		{
			onChunk(chunk) {
				// The clock is read only when someone needs it: it is a measurable share of the per-chunk cost.
				if (onChunk) {
					const receivedMs = performance.now() - startedAt;
					onChunk(chunk, { sequence: accumulator.chunkCount, receivedMs });
					if (accumulator.push(chunk) && timeToFirstTokenMs === null) timeToFirstTokenMs = receivedMs;
				} else if (accumulator.push(chunk) && timeToFirstTokenMs === null) {
					timeToFirstTokenMs = performance.now() - startedAt;
				}
			},
			onDone() {
				completion = 'done';
			},
		},
		options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES,
	);

	const answer = decodedBodyOf(response);
	const iterator = answer[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
	const expectedChoices = options.expectedChoices ?? 1;
	let quietAfterFinish = false;
	try {
		const { format, head, ended } = await sniffFormat(iterator, contentType);
		if (format !== 'sse') {
			const rest = ended ? Buffer.concat(head).toString('utf8') : await readRest(head, iterator, MAX_JSON_BODY_BYTES);
			return nonStreamedResult(rest, format, contentType, accumulator, startedAt, options.url);
		}
		for (const bytes of head) decoder.feed(bytes);
		let finished = accumulator.allChoicesFinished(expectedChoices);
		while (!decoder.done && !ended) {
			// Once the answer is complete, a server that neither sends [DONE] nor closes is not waited for.
			const next = finished ? await withGrace(iterator.next(), options.finishGraceMs ?? DEFAULT_FINISH_GRACE_MS) : await iterator.next();
			if (next === undefined) {
				quietAfterFinish = true;
				break;
			}
			if (next.done) break;
			decoder.feed(next.value);
			if (!finished) finished = accumulator.allChoicesFinished(expectedChoices);
		}
		if (!decoder.done && !quietAfterFinish) decoder.end();
	} catch (error) {
		answer.destroy();
		response.body.destroy();
		throw new MidStreamFailure(error, accumulator);
	}
	if (decoder.done) {
		// [DONE] arrived: whatever follows (keep-alive bytes, an open connection) is not ours to wait for.
		response.body.dump({ limit: 65_536, signal: AbortSignal.timeout(AFTER_DONE_DRAIN_MS) }).catch(() => undefined);
	} else if (quietAfterFinish) {
		response.body.destroy();
	}

	if (completion === undefined && accumulator.allChoicesFinished(expectedChoices)) {
		completion = 'finish_reason';
	}
	if (completion === undefined) {
		throw new MidStreamFailure(
			new VisionStreamError(
				accumulator.chunkCount === 0
					? 'The server closed the stream without sending any chunk'
					: `The stream ended before the answer was complete (no finish_reason and no [DONE] after ${accumulator.chunkCount} chunks)`,
				{ kind: 'incomplete', hint: 'The server or a proxy cut the answer short: try again, or raise the timeouts of proxies in between' },
			),
			accumulator,
		);
	}
	return resultOf(accumulator, completion, timeToFirstTokenMs, startedAt);
}

function combineSignals(...signals: Array<AbortSignal | undefined>): AbortSignal | undefined {
	const present = signals.filter((s): s is AbortSignal => s !== undefined);
	if (present.length <= 1) return present[0];
	return AbortSignal.any(present);
}

function isRequestBody(value: unknown): value is RequestBody {
	return typeof value === 'object' && value !== null && typeof (value as RequestBody).stream === 'function' && typeof (value as RequestBody).length === 'number';
}

/** The body with any Content-Encoding undone. */
function decodedBodyOf(response: Dispatcher.ResponseData): Readable {
	return decodedBody(response.body, headerValue(response.headers['content-encoding']));
}

/** The next read, or undefined when nothing arrives within `ms`. */
async function withGrace<T>(read: Promise<T>, ms: number): Promise<T | undefined> {
	let timer: NodeJS.Timeout | undefined;
	const quiet = new Promise<undefined>((resolve) => {
		timer = setTimeout(resolve, ms, undefined);
	});
	try {
		return await Promise.race([read, quiet]);
	} finally {
		clearTimeout(timer);
	}
}
