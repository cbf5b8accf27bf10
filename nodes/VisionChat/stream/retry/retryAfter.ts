/** What the server says about trying again: which statuses are worth it, and how long it asked us to wait. */

/** Statuses worth another attempt: the request itself was fine, the server was not ready. */
export function isTransientStatus(status: number): boolean {
	return status === 408 || status === 409 || status === 429 || status >= 500;
}

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

function first(value: string | string[] | undefined): string | undefined {
	return Array.isArray(value) ? value[0] : value;
}
