/** Statuses worth another attempt: the request itself was fine, the server was not ready. */
export function isRetriableStatus(status: number): boolean {
	return status === 408 || status === 409 || status === 429 || status >= 500;
}

export interface BackoffSettings {
	baseDelayMs: number;
	maxDelayMs: number;
}

export const DEFAULT_BACKOFF: BackoffSettings = { baseDelayMs: 500, maxDelayMs: 30_000 };

/**
 * The server's own wait request, in ms, from `retry-after-ms` or `Retry-After`
 * (seconds or an HTTP date); undefined when it said nothing usable.
 */
export function serverRequestedDelayMs(
	headers: Record<string, string | string[] | undefined>,
	now = Date.now(),
): number | undefined {
	const ms = Number(first(headers['retry-after-ms']));
	if (first(headers['retry-after-ms']) !== undefined && Number.isFinite(ms) && ms >= 0) return ms;
	const value = first(headers['retry-after']);
	if (value === undefined) return undefined;
	const seconds = Number(value);
	if (value.trim() !== '' && Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
	const date = Date.parse(value);
	if (!Number.isNaN(date)) return Math.max(0, date - now);
	return undefined;
}

/** Exponential backoff with jitter, so many clients retrying at once spread out. */
export function backoffDelayMs(retryNumber: number, settings: BackoffSettings = DEFAULT_BACKOFF, random = Math.random): number {
	const exponential = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** retryNumber);
	return Math.round(exponential * (0.75 + 0.25 * random()));
}

function first(value: string | string[] | undefined): string | undefined {
	return Array.isArray(value) ? value[0] : value;
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
