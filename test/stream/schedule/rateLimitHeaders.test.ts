import { dateResetMs, durationMs, epochResetMs, ietfQuota, readRateLimitHeaders } from '../../../nodes/VisionChat/stream/schedule/rateLimitHeaders';

const NOW = Date.parse('2026-01-01T00:00:00Z');

describe('durations as OpenAI and Groq send them', () => {
	it.each<[string, number]>([
		['1s', 1000],
		['6m0s', 360_000],
		['120ms', 120],
		['1.5s', 1500],
		['2h3m4.5s', 7_384_500],
		['7.66s', 7660],
		['0s', 0],
		['30', 30_000],
	])('%s is %i ms', (text, ms) => {
		expect(durationMs(text)).toBeCloseTo(ms, 6);
	});

	it.each(['', 'soon', '1x', '-1s', 's', '1s garbage', 'NaN'])('"%s" is not read', (text) => {
		expect(durationMs(text)).toBeUndefined();
	});
});

describe('reset times', () => {
	it('OpenRouter epoch milliseconds, epoch seconds and a seconds delta are told apart', () => {
		expect(epochResetMs(String(NOW + 2500), NOW)).toBe(2500);
		expect(epochResetMs(String(NOW / 1000 + 3), NOW)).toBe(3000);
		expect(epochResetMs('42', NOW)).toBe(42_000);
		expect(epochResetMs(String(NOW - 5000), NOW)).toBe(0);
		expect(epochResetMs('tomorrow', NOW)).toBeUndefined();
	});

	it('Anthropic RFC 3339 timestamps, with and without fractions; garbage is not read', () => {
		expect(dateResetMs('2026-01-01T00:00:07Z', NOW)).toBe(7000);
		expect(dateResetMs('2026-01-01T00:00:01.250+00:00', NOW)).toBe(1250);
		expect(dateResetMs('2025-12-31T23:59:00Z', NOW)).toBe(0);
		expect(dateResetMs('not a date', NOW)).toBeUndefined();
	});
});

describe('readRateLimitHeaders', () => {
	it('OpenAI/Groq: requests and tokens pairs with their limits', () => {
		const info = readRateLimitHeaders(
			{
				'x-ratelimit-limit-requests': '600', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '6m0s',
				'x-ratelimit-limit-tokens': '150000', 'x-ratelimit-remaining-tokens': '149000', 'x-ratelimit-reset-tokens': '120ms',
				'content-type': 'text/event-stream',
			},
			NOW,
		);
		expect(info.requests).toEqual({ remaining: 0, resetMs: 360_000, limit: 600 });
		expect(info.tokens).toEqual({ remaining: 149_000, resetMs: 120, limit: 150_000 });
		expect(info.seen).toBe(
			'x-ratelimit-limit-requests: 600, x-ratelimit-limit-tokens: 150000, x-ratelimit-remaining-requests: 0, x-ratelimit-remaining-tokens: 149000, x-ratelimit-reset-requests: 6m0s, x-ratelimit-reset-tokens: 120ms',
		);
	});

	it('OpenRouter: X-RateLimit-Remaining with an epoch-ms reset', () => {
		const info = readRateLimitHeaders({ 'x-ratelimit-limit': '20', 'x-ratelimit-remaining': '3', 'x-ratelimit-reset': String(NOW + 4000) }, NOW);
		expect(info.requests).toEqual({ remaining: 3, resetMs: 4000, limit: 20 });
	});

	it('Anthropic: requests, and the tightest of the token quotas', () => {
		const info = readRateLimitHeaders(
			{
				'anthropic-ratelimit-requests-limit': '50', 'anthropic-ratelimit-requests-remaining': '49', 'anthropic-ratelimit-requests-reset': '2026-01-01T00:00:01Z',
				'anthropic-ratelimit-input-tokens-remaining': '900', 'anthropic-ratelimit-input-tokens-reset': '2026-01-01T00:00:02Z',
				'anthropic-ratelimit-output-tokens-remaining': '0', 'anthropic-ratelimit-output-tokens-reset': '2026-01-01T00:00:05Z',
			},
			NOW,
		);
		expect(info.requests).toEqual({ remaining: 49, resetMs: 1000, limit: 50 });
		expect(info.tokens).toEqual({ remaining: 0, resetMs: 5000 });
	});

	it('IETF draft 7 dictionary and the separate RateLimit-* fields', () => {
		expect(readRateLimitHeaders({ ratelimit: 'limit=10, remaining=4, reset=2' }, NOW).requests).toEqual({ remaining: 4, resetMs: 2000, limit: 10 });
		expect(readRateLimitHeaders({ 'ratelimit-limit': '10', 'ratelimit-remaining': '0', 'ratelimit-reset': '1' }, NOW).requests).toEqual({ remaining: 0, resetMs: 1000, limit: 10 });
	});

	it('IETF structured fields: the tightest policy counts, with its quota from RateLimit-Policy', () => {
		expect(ietfQuota('"minute";r=50;t=30, "second";r=2;t=1', '"minute";q=100;w=60, "second";q=10;w=1')).toEqual({ remaining: 2, resetMs: 1000, limit: 10 });
		expect(ietfQuota('"default";r=0;t=5', undefined)).toEqual({ remaining: 0, resetMs: 5000 });
	});

	it('missing or garbage values give no quota or no reset, never a made-up one', () => {
		expect(readRateLimitHeaders({}, NOW)).toEqual({ requests: undefined, tokens: undefined, seen: '' });
		expect(readRateLimitHeaders({ 'x-ratelimit-remaining-requests': 'lots', 'x-ratelimit-reset-requests': '1s' }, NOW).requests).toBeUndefined();
		expect(readRateLimitHeaders({ 'x-ratelimit-remaining-requests': '-3' }, NOW).requests).toBeUndefined();
		expect(readRateLimitHeaders({ 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': 'eventually' }, NOW).requests).toEqual({ remaining: 0 });
		expect(readRateLimitHeaders({ ratelimit: 'garbage;;==' }, NOW).requests).toBeUndefined();
		expect(readRateLimitHeaders({ 'anthropic-ratelimit-requests-remaining': '0', 'anthropic-ratelimit-requests-reset': 'whenever' }, NOW).requests).toEqual({ remaining: 0 });
	});

	it('a repeated header is read from its first value', () => {
		expect(readRateLimitHeaders({ 'x-ratelimit-remaining-requests': ['5', '9'] }, NOW).requests).toEqual({ remaining: 5 });
	});
});
