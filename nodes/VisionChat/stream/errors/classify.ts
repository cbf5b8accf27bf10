import { DEFAULT_TIMEOUTS } from '../transport/timeouts';
import { ChatStreamAccumulator } from '../answer/accumulate';
import { VisionStreamError, redactSecret, type AttemptRecord } from './streamError';
import { isTransientStatus } from '../retry/retryAfter';

/** What toStreamError needs of the request's options. */
export interface FailureContext {
	url: string;
	idleTimeoutMs?: number;
	firstByteTimeoutMs?: number;
	connectTimeoutMs?: number;
	totalTimeoutMs?: number;
}


/** What happened, for the retry policy to decide on; this module never decides. */
export interface Failure {
	error: VisionStreamError;
	/** The condition may pass (network, overload, rate limit), as opposed to a wrong request or answer. */
	transient: boolean;
	/** Chunks that arrived before the failure; a retry would then repeat text already passed on. */
	chunksReceived: number;
	/** How long the server asked us to wait (Retry-After). */
	retryAfterMs?: number;
}

export class TotalTimeout extends Error {
	constructor() {
		super('total timeout');
	}
}

/** A failure that happened while streaming, with the answer received so far. */
export class MidStreamFailure extends Error {
	constructor(
		readonly inner: unknown,
		readonly accumulator: ChatStreamAccumulator,
	) {
		super('mid-stream failure');
	}
}

export class HttpFailure extends Error {
	constructor(
		readonly error: VisionStreamError,
		readonly retryAfterMs: number | undefined,
	) {
		super(error.message);
	}
}

/** Maps anything thrown in an attempt onto a VisionStreamError and whether to retry it. */
const TLS_TRUST_CODES = new Set([
	'DEPTH_ZERO_SELF_SIGNED_CERT',
	'SELF_SIGNED_CERT_IN_CHAIN',
	'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
	'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
	'CERT_HAS_EXPIRED',
	'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export function toStreamError(error: unknown, signal: AbortSignal | undefined, options: FailureContext): Failure {
	const chunksReceived = error instanceof MidStreamFailure ? error.accumulator.chunkCount : 0;
	return { ...classify(error, signal, options), chunksReceived };
}

function classify(error: unknown, signal: AbortSignal | undefined, options: FailureContext): Omit<Failure, 'chunksReceived'> {
	let accumulator: ChatStreamAccumulator | undefined;
	let inner = error;
	if (error instanceof MidStreamFailure) {
		accumulator = error.accumulator;
		inner = error.inner;
	}
	const received = accumulator?.chunkCount ?? 0;
	const keep = (failure: VisionStreamError): VisionStreamError => {
		if (accumulator) {
			failure.partialText = accumulator.partialText();
			failure.chunkCount = accumulator.chunkCount;
		}
		return failure;
	};
	if (inner instanceof HttpFailure) {
		const status = inner.error.httpCode ?? 0;
		return { error: inner.error, transient: isTransientStatus(status), retryAfterMs: inner.retryAfterMs };
	}
	if (inner instanceof VisionStreamError) return { error: keep(inner), transient: false };

	if (signal?.aborted) {
		if (signal.reason instanceof TotalTimeout) {
			return {
				error: keep(
					new VisionStreamError(`The request took longer than the total limit of ${seconds(options.totalTimeoutMs)} s`, {
						kind: 'timeout',
						hint: 'Raise the "Total Timeout" option, or ask for a shorter answer',
					}),
				),
				transient: false,
			};
		}
		return {
			error: keep(new VisionStreamError('The execution was cancelled; the request to the model was aborted', { kind: 'cancelled' })),
			transient: false,
		};
	}

	const code = (inner as { code?: string })?.code ?? (inner as { cause?: { code?: string } })?.cause?.code;
	const origin = safeOrigin(options.url);
	const afterChunks = received > 0 ? ` after ${received} chunks` : '';
	switch (code) {
		case 'UND_ERR_BODY_TIMEOUT':
			return {
				error: keep(
					new VisionStreamError(
						`No data from the server for ${seconds(options.idleTimeoutMs ?? DEFAULT_TIMEOUTS.idleTimeoutMs)} s${afterChunks}`,
						{ kind: 'timeout', hint: 'The model or a proxy stalled: try again, or raise the "Timeout" option', cause: inner },
					),
				),
				transient: true,
			};
		case 'UND_ERR_HEADERS_TIMEOUT':
			return {
				error: new VisionStreamError(
					`The server did not start answering within ${seconds(options.firstByteTimeoutMs ?? DEFAULT_TIMEOUTS.firstByteTimeoutMs)} s`,
					{ kind: 'timeout', hint: 'The model is slow or overloaded: try again later, or raise the first-byte timeout', cause: inner },
				),
				transient: true,
			};
		case 'UND_ERR_CONNECT_TIMEOUT':
			return {
				error: new VisionStreamError(`Could not connect to ${origin} within ${seconds(options.connectTimeoutMs ?? DEFAULT_TIMEOUTS.connectTimeoutMs)} s`, {
					kind: 'network',
					hint: 'Check the base URL in the credential and that the server is reachable from n8n',
					cause: inner,
				}),
				transient: true,
			};
		case 'ECONNREFUSED':
			return {
				error: new VisionStreamError(`Could not connect to ${origin}: connection refused`, {
					kind: 'network',
					hint: 'Check the base URL in the credential (host and port) and that the server is running',
					cause: inner,
				}),
				transient: true,
			};
		case 'ENOTFOUND':
		case 'EAI_AGAIN':
			return {
				error: new VisionStreamError(`Could not find the host of ${origin} (DNS lookup failed)`, {
					kind: 'network',
					hint: 'Check the host name in the credential\'s base URL',
					cause: inner,
				}),
				transient: code === 'EAI_AGAIN',
			};
	}
	if (code && TLS_TRUST_CODES.has(code)) {
		return {
			error: new VisionStreamError(`The TLS certificate of ${origin} is not trusted: ${(inner as Error)?.message ?? code} (${code})`, {
				kind: 'network',
				hint: 'For a private gateway with its own certificate, turn on "Allow Self-Signed Certificates"; otherwise check the base URL',
				cause: inner,
			}),
			transient: false,
		};
	}
	const detail = (inner as Error)?.message ?? String(inner);
	if (accumulator) {
		return {
			error: keep(
				new VisionStreamError(`The connection was lost mid-stream${afterChunks}: ${detail}${code ? ` (${code})` : ''}`, {
					kind: 'network',
					hint: 'The server or a proxy dropped the connection: try again',
					cause: inner,
				}),
			),
			transient: true,
		};
	}
	return {
		error: new VisionStreamError(`The request to ${origin} failed: ${detail}${code ? ` (${code})` : ''}`, {
			kind: 'network',
			hint: 'Check the base URL in the credential and the network between n8n and the server',
			cause: inner,
		}),
		transient: true,
	};
}

export function finish(error: VisionStreamError, attempts: AttemptRecord[], apiKey: string): VisionStreamError {
	error.attempts = attempts;
	if (attempts.length > 1) {
		const outcomes = attempts.map((a) => (a.httpCode ? `HTTP ${a.httpCode}` : a.outcome.split(':')[0])).join(', ');
		error.message += ` (${attempts.length} attempts: ${outcomes})`;
	}
	error.message = redactSecret(error.message, apiKey);
	if (error.serverMessage) error.serverMessage = redactSecret(error.serverMessage, apiKey);
	for (const attempt of attempts) attempt.outcome = redactSecret(attempt.outcome, apiKey);
	return error;
}

function safeOrigin(url: string): string {
	try {
		return new URL(url).origin;
	} catch {
		return url;
	}
}

function seconds(ms: number | undefined): number {
	return Math.round((ms ?? 0) / 100) / 10;
}
