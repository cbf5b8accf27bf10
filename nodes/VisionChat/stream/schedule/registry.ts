import { createHash } from 'node:crypto';
import { displayUrl } from '../request/endpoint';
import { AccountScheduler, type AccountLimits } from './accountScheduler';

/** An account nobody used for this long is forgotten (its learnt limits with it). */
const IDLE_FORGET_MS = 30 * 60_000;

const schedulers = new Map<string, AccountScheduler>();

/**
 * The registry key of an account: the chat completions URL and a hash of the key. The key itself
 * is never kept, so nothing in memory or in a heap dump holds it on the scheduler's behalf.
 */
export function accountKey(url: string, apiKey: string): string {
	return `${url} ${createHash('sha256').update(apiKey).digest('hex').slice(0, 32)}`;
}

/**
 * The one scheduler of this account in this process, shared by every execution that uses it;
 * `limits` are the credential's (the latest caller's values apply).
 */
export function accountScheduler(url: string, apiKey: string, limits: AccountLimits = {}): AccountScheduler {
	const key = accountKey(url, apiKey);
	let scheduler = schedulers.get(key);
	if (!scheduler) {
		forgetIdle(Date.now());
		scheduler = new AccountScheduler(displayUrl(url));
		schedulers.set(key, scheduler);
	}
	scheduler.configure(limits);
	return scheduler;
}

function forgetIdle(now: number): void {
	for (const [key, scheduler] of schedulers) if (scheduler.idle && now - scheduler.lastUsedAt > IDLE_FORGET_MS) schedulers.delete(key);
}
