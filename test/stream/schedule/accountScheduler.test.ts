import { AccountScheduler, type Permit } from '../../../nodes/VisionChat/stream/schedule/accountScheduler';
import { accountKey, accountScheduler } from '../../../nodes/VisionChat/stream/schedule/registry';

const budget = (maxWaitMs = 10_000) => ({ maxWaitMs, waitedMs: 0 });

describe('the registry', () => {
	it('keys an account by URL and a hash of the key, never the key itself', () => {
		const key = accountKey('https://api.example/v1/chat/completions', 'sk-very-secret');
		expect(key).not.toContain('sk-very-secret');
		expect(key).toMatch(/^https:\/\/api\.example\/v1\/chat\/completions [0-9a-f]{32}$/);
	});

	it('the same URL and key share one scheduler; another key or URL gets its own', () => {
		const url = 'https://registry.example/v1/chat/completions';
		const a = accountScheduler(url, 'key-a');
		expect(accountScheduler(url, 'key-a')).toBe(a);
		expect(accountScheduler(url, 'key-b')).not.toBe(a);
		expect(accountScheduler(`${url}?x=1`, 'key-a')).not.toBe(a);
	});

	it('the latest credential limits apply', () => {
		const scheduler = accountScheduler('https://caps.example/v1/chat/completions', 'k', { maxConcurrentRequests: 2 });
		expect(scheduler.window.limit).toBe(2);
		accountScheduler('https://caps.example/v1/chat/completions', 'k', { maxConcurrentRequests: 5 });
		expect(scheduler.window.limit).toBe(5);
	});
});

describe('AccountScheduler', () => {
	it('holds requests over the concurrency cap until a place is given back', async () => {
		const scheduler = new AccountScheduler('test');
		scheduler.configure({ maxConcurrentRequests: 1 });
		const first = await scheduler.acquire(undefined, budget());
		let second: Permit | undefined;
		const waiting = scheduler.acquire(undefined, budget()).then((p) => (second = p));
		await new Promise((r) => setTimeout(r, 30));
		expect(second).toBeUndefined();
		first.release(true);
		await waiting;
		expect(second).toBeDefined();
	});

	it('waits for the reset when the headers say nothing is left, then goes', async () => {
		const scheduler = new AccountScheduler('test');
		const permit = await scheduler.acquire(undefined, budget());
		permit.answered(200, { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '200ms' });
		permit.release(true);
		const started = Date.now();
		(await scheduler.acquire(undefined, budget())).release(true);
		expect(Date.now() - started).toBeGreaterThanOrEqual(190);
	});

	it.each<[string, Record<string, string>]>([
		['garbage reset', { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': 'soon' }],
		['no reset at all', { 'x-ratelimit-remaining': '0' }],
		['garbage remaining', { 'x-ratelimit-remaining-requests': 'none', 'x-ratelimit-reset-requests': '1h' }],
		['an IETF field that is noise', { ratelimit: ';;;', 'ratelimit-policy': 'q=' }],
	])('%s never stalls the account', async (_name, headers) => {
		const scheduler = new AccountScheduler('test');
		const permit = await scheduler.acquire(undefined, budget());
		permit.answered(200, headers);
		permit.release(true);
		const started = Date.now();
		(await scheduler.acquire(undefined, budget(50))).release(true);
		expect(Date.now() - started).toBeLessThan(30);
	});

	it('a 429 with Retry-After pauses the whole account', async () => {
		const scheduler = new AccountScheduler('test');
		const permit = await scheduler.acquire(undefined, budget());
		permit.answered(429, { 'retry-after-ms': '300' });
		permit.release(false);
		const started = Date.now();
		await Promise.all([0, 1].map(async () => (await scheduler.acquire(undefined, budget())).release(true)));
		expect(Date.now() - started).toBeGreaterThanOrEqual(290);
	});

	it('fails at once, naming the limit and the last headers, when the reset is past the wait budget', async () => {
		const scheduler = new AccountScheduler('https://x.example/v1/chat/completions');
		const permit = await scheduler.acquire(undefined, budget());
		permit.answered(200, { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '6m0s' });
		permit.release(true);
		const started = Date.now();
		await expect(scheduler.acquire(undefined, budget(1000))).rejects.toMatchObject({
			kind: 'rate-limit',
			message: expect.stringMatching(/^The rate limit of https:\/\/x\.example\/v1\/chat\/completions needs another 36[01] s wait, past "Max Rate Limit Wait" \(1 s in all; waited 0 s\): held back by the provider's request limit .*; last rate-limit headers: x-ratelimit-remaining-requests: 0, x-ratelimit-reset-requests: 6m0s$/),
		});
		expect(Date.now() - started).toBeLessThan(100);
	});

	it('an abort wakes only the aborted waiter, at once', async () => {
		const scheduler = new AccountScheduler('test');
		scheduler.configure({ maxConcurrentRequests: 1 });
		const held = await scheduler.acquire(undefined, budget());
		const controller = new AbortController();
		const aborted = scheduler.acquire(controller.signal, budget());
		const other = scheduler.acquire(undefined, budget());
		setTimeout(() => controller.abort(new Error('cancelled')), 20);
		const started = Date.now();
		await expect(aborted).rejects.toThrow('cancelled');
		expect(Date.now() - started).toBeLessThan(100);
		held.release(true);
		(await other).release(true);
	});
});
