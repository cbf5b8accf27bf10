/**
 * What a provider's response headers say about its limits, in one shape whatever the dialect:
 * OpenAI/Groq `x-ratelimit-*-requests|tokens`, OpenRouter `x-ratelimit-*`, Anthropic
 * `anthropic-ratelimit-*` and the IETF `RateLimit` / `RateLimit-Policy` fields (and their older
 * `RateLimit-Limit|Remaining|Reset` form). A value that cannot be read is left out, never guessed:
 * garbage must not pause the account.
 */

export type HeaderMap = Record<string, string | string[] | undefined>;

/** One quota as the server reported it at `now`. */
export interface Quota {
	remaining: number;
	/** ms from now until the quota is whole again; absent when the server did not say (readably). */
	resetMs?: number;
	limit?: number;
}

export interface RateLimitInfo {
	requests?: Quota;
	tokens?: Quota;
	/** The recognised headers as sent, for error messages: "name: value, …". */
	seen: string;
}

const PREFIXES = ['x-ratelimit-', 'anthropic-ratelimit-', 'ratelimit', 'retry-after'];

/** Reads every known dialect; `now` is the local time the headers arrived. */
export function readRateLimitHeaders(headers: HeaderMap, now = Date.now()): RateLimitInfo {
	const get = (name: string): string | undefined => {
		const value = headers[name];
		return Array.isArray(value) ? value[0] : value;
	};
	const quota = (remaining: string, reset: string, limit: string, readReset: (value: string) => number | undefined): Quota | undefined =>
		quotaOf(get(remaining), get(reset), get(limit), readReset);
	const epoch = (value: string) => epochResetMs(value, now);
	const date = (value: string) => dateResetMs(value, now);

	const requests =
		quota('x-ratelimit-remaining-requests', 'x-ratelimit-reset-requests', 'x-ratelimit-limit-requests', durationMs) ??
		quota('anthropic-ratelimit-requests-remaining', 'anthropic-ratelimit-requests-reset', 'anthropic-ratelimit-requests-limit', date) ??
		quota('x-ratelimit-remaining', 'x-ratelimit-reset', 'x-ratelimit-limit', epoch) ??
		ietfQuota(get('ratelimit'), get('ratelimit-policy')) ??
		quota('ratelimit-remaining', 'ratelimit-reset', 'ratelimit-limit', secondsMs);
	const tokens = tightest([
		quota('x-ratelimit-remaining-tokens', 'x-ratelimit-reset-tokens', 'x-ratelimit-limit-tokens', durationMs),
		quota('anthropic-ratelimit-tokens-remaining', 'anthropic-ratelimit-tokens-reset', 'anthropic-ratelimit-tokens-limit', date),
		quota('anthropic-ratelimit-input-tokens-remaining', 'anthropic-ratelimit-input-tokens-reset', 'anthropic-ratelimit-input-tokens-limit', date),
		quota('anthropic-ratelimit-output-tokens-remaining', 'anthropic-ratelimit-output-tokens-reset', 'anthropic-ratelimit-output-tokens-limit', date),
	]);
	const seen = Object.keys(headers)
		.filter((name) => PREFIXES.some((prefix) => name.toLowerCase().startsWith(prefix)))
		.sort()
		.map((name) => `${name}: ${get(name)}`)
		.join(', ');
	return { requests, tokens, seen };
}

function quotaOf(remaining: string | undefined, reset: string | undefined, limit: string | undefined, readReset: (value: string) => number | undefined): Quota | undefined {
	const count = countOf(remaining);
	if (count === undefined) return undefined;
	const quota: Quota = { remaining: count };
	const resetMs = reset === undefined ? undefined : readReset(reset.trim());
	if (resetMs !== undefined) quota.resetMs = resetMs;
	const max = countOf(limit);
	if (max !== undefined) quota.limit = max;
	return quota;
}

function countOf(value: string | undefined): number | undefined {
	if (value === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(value)) return undefined;
	return Math.floor(Number(value));
}

/** The quota with the least left: the one that binds first. */
function tightest(quotas: Array<Quota | undefined>): Quota | undefined {
	let best: Quota | undefined;
	for (const quota of quotas) if (quota && (!best || quota.remaining < best.remaining)) best = quota;
	return best;
}

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };

/** Go-style durations as OpenAI and Groq send them: `1s`, `6m0s`, `120ms`, `1.5s`, `2h3m4.5s`; a bare number is seconds. */
export function durationMs(value: string): number | undefined {
	if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
	if (!/^(\d+(\.\d+)?(h|ms|m|s|us|µs|ns))+$/.test(value)) return undefined;
	let total = 0;
	for (const [, amount, , unit] of value.matchAll(/(\d+(\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) total += Number(amount) * UNIT_MS[unit];
	return total;
}

/**
 * OpenRouter's reset is an epoch in ms; some gateways send epoch seconds, others seconds to wait.
 * Told apart by size: a delta is under a year, epoch seconds are ~1.7e9, epoch ms ~1.7e12.
 */
export function epochResetMs(value: string, now: number): number | undefined {
	if (!/^\d+(\.\d+)?$/.test(value)) return undefined;
	const number = Number(value);
	if (number < 31_536_000) return number * 1000;
	const at = number < 1e11 ? number * 1000 : number;
	return Math.max(0, at - now);
}

/** Anthropic's RFC 3339 timestamp; an HTTP date works too. */
export function dateResetMs(value: string, now: number): number | undefined {
	const at = Date.parse(value);
	return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function secondsMs(value: string): number | undefined {
	return /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : undefined;
}

/**
 * IETF `RateLimit`: draft 7 `limit=10, remaining=5, reset=2`, or the structured-field form of
 * later drafts `"default";r=5;t=2` with `RateLimit-Policy: "default";q=10;w=1`. Several policies:
 * the tightest counts.
 */
export function ietfQuota(field: string | undefined, policy: string | undefined): Quota | undefined {
	if (!field) return undefined;
	const members = field.split(',').map((member) => member.trim());
	const dictionary = paramsOf(members.join(';'));
	if (dictionary.remaining !== undefined) {
		return quotaOf(dictionary.remaining, dictionary.reset, dictionary.limit, secondsMs);
	}
	const limits = new Map<string, string | undefined>();
	for (const member of (policy ?? '').split(',')) {
		const [name, ...rest] = member.trim().split(';');
		limits.set(name.trim(), paramsOf(rest.join(';')).q);
	}
	const quotas = members.map((member) => {
		const [name, ...rest] = member.split(';');
		const params = paramsOf(rest.join(';'));
		return quotaOf(params.r, params.t, limits.get(name.trim()), secondsMs);
	});
	return tightest(quotas);
}

function paramsOf(text: string): Record<string, string | undefined> {
	const params: Record<string, string | undefined> = {};
	for (const pair of text.split(';')) {
		const equals = pair.indexOf('=');
		if (equals > 0) params[pair.slice(0, equals).trim().toLowerCase()] = pair.slice(equals + 1).trim().replace(/^"|"$/g, '');
	}
	return params;
}
