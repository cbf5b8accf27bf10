import { backoffDelayMs, decideRetry } from '../../../nodes/VisionChat/stream/retry/policy';
import type { Failure } from '../../../nodes/VisionChat/stream/errors/classify';
import { VisionStreamError } from '../../../nodes/VisionChat/stream/errors/streamError';
import { serverRequestedDelayMs } from '../../../nodes/VisionChat/stream/retry/retryAfter';

describe('retry timing', () => {
	it('reads retry-after-ms, Retry-After seconds and HTTP dates', () => {
		expect(serverRequestedDelayMs({ 'retry-after-ms': '250' })).toBe(250);
		expect(serverRequestedDelayMs({ 'retry-after': '3' })).toBe(3000);
		const now = Date.parse('2026-01-01T00:00:00Z');
		expect(serverRequestedDelayMs({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }, now)).toBe(5000);
		expect(serverRequestedDelayMs({})).toBeUndefined();
	});

	it('backs off exponentially with jitter, capped', () => {
		expect(backoffDelayMs(0, { baseDelayMs: 100, maxDelayMs: 1000 }, () => 1)).toBe(100);
		expect(backoffDelayMs(2, { baseDelayMs: 100, maxDelayMs: 1000 }, () => 0)).toBe(300);
		expect(backoffDelayMs(10, { baseDelayMs: 100, maxDelayMs: 1000 }, () => 1)).toBe(1000);
	});
});

describe('the retry decision', () => {
	const settings = { maxRetries: 2, backoff: { baseDelayMs: 100, maxDelayMs: 1000 }, maxRetryAfterMs: 5000 };
	const failure = (over: Partial<Failure> = {}): Failure => ({ error: new VisionStreamError('x', { kind: 'http' }), transient: true, chunksReceived: 0, ...over });

	it('retries a transient failure before any chunk, honouring the server\'s wait', () => {
		expect(decideRetry(failure({ retryAfterMs: 1500 }), 1, settings, false)).toEqual({ retry: true, delayMs: 1500 });
		const backoff = decideRetry(failure(), 2, settings, false);
		expect(backoff.retry && backoff.delayMs).toBeGreaterThanOrEqual(150);
	});

	it('never retries after chunks arrived, past the budget, when aborted, or a failure that will not pass', () => {
		expect(decideRetry(failure({ chunksReceived: 1 }), 1, settings, false)).toEqual({ retry: false });
		expect(decideRetry(failure(), 3, settings, false)).toEqual({ retry: false });
		expect(decideRetry(failure(), 1, settings, true)).toEqual({ retry: false });
		expect(decideRetry(failure({ transient: false }), 1, settings, false)).toEqual({ retry: false });
	});

	it('refuses a wait longer than it accepts, and says so', () => {
		expect(decideRetry(failure({ retryAfterMs: 90_000 }), 1, settings, false)).toEqual({
			retry: false,
			note: 'the server asked to wait 90 s before retrying, longer than we wait',
		});
	});
});
