import type { Failure } from '../errors/classify';

export interface BackoffSettings {
	baseDelayMs: number;
	maxDelayMs: number;
}

export const DEFAULT_BACKOFF: BackoffSettings = { baseDelayMs: 500, maxDelayMs: 30_000 };

/** Everything that decides whether and when a failed request is sent again. */
export interface RetrySettings {
	/** Attempts after the first. */
	maxRetries: number;
	backoff: BackoffSettings;
	/** A server asking for a longer wait than this is not retried. */
	maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetrySettings = { maxRetries: 2, backoff: DEFAULT_BACKOFF, maxRetryAfterMs: 60_000 };

/** `paced`: a 429 of a scheduled request, sent again when the account's scheduler allows, outside the retry budget. */
export type RetryDecision = { retry: true; delayMs: number; paced?: boolean } | { retry: false; note?: string };

/**
 * The one place that decides about another attempt: only transient failures, only before any
 * chunk arrived (a retry would repeat text already passed on), within the attempt budget and
 * the longest wait we accept. With the account's scheduler, a 429 is the scheduler's to wait out:
 * it does not use the retry budget, and the scheduler's own wait limit bounds it.
 */
export function decideRetry(failure: Failure, attempt: number, settings: RetrySettings, aborted: boolean, scheduled = false): RetryDecision {
	if (scheduled && !aborted && failure.error.httpCode === 429 && failure.chunksReceived === 0) return { retry: true, delayMs: 0, paced: true };
	if (aborted || !failure.transient || failure.chunksReceived > 0 || attempt > settings.maxRetries) return { retry: false };
	const requested = failure.retryAfterMs;
	if (requested !== undefined && requested > settings.maxRetryAfterMs) {
		return { retry: false, note: `the server asked to wait ${Math.ceil(requested / 1000)} s before retrying, longer than we wait` };
	}
	return { retry: true, delayMs: requested ?? backoffDelayMs(attempt - 1, settings.backoff) };
}

/** Exponential backoff with jitter, so many clients retrying at once spread out. */
export function backoffDelayMs(retryNumber: number, settings: BackoffSettings = DEFAULT_BACKOFF, random = Math.random): number {
	const exponential = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** retryNumber);
	return Math.round(exponential * (0.75 + 0.25 * random()));
}

/** Waits, or rejects at once when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
	return new Promise((resolve, reject) => {
		if (signal?.aborted) return reject(signal.reason);
		const timer = setTimeout(() => {
			signal?.removeEventListener('abort', onAbort);
			resolve();
		}, ms);
		const onAbort = () => {
			clearTimeout(timer);
			reject(signal?.reason);
		};
		signal?.addEventListener('abort', onAbort, { once: true });
	});
}
