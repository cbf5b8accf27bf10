import { VisionStreamError } from '../errors/streamError';
import { backoffDelayMs } from '../retry/policy';
import { serverRequestedDelayMs } from '../retry/retryAfter';
import { ConcurrencyWindow } from './concurrencyWindow';
import { Pacing } from './pacing';
import { readRateLimitHeaders, type HeaderMap } from './rateLimitHeaders';

/** How long one request may wait for rate limits unless the caller says otherwise: 10 minutes. */
export const DEFAULT_MAX_RATE_LIMIT_WAIT_MS = 600_000;

/** What the user knows of an account's limits (the credential's fields); 0 or absent = none. */
export interface AccountLimits {
	maxRequestsPerMinute?: number;
	maxConcurrentRequests?: number;
}

/** How long one request may wait for rate limits in all, and what it waited so far. */
export interface WaitBudget {
	maxWaitMs: number;
	waitedMs: number;
}

/** One attempt's place in the account: report the answer's headers, then give the place back. */
export interface Permit {
	/** The status and headers of the answer, once per attempt (not per chunk). */
	answered(status: number, headers: HeaderMap): void;
	release(succeeded: boolean): void;
}

interface Waiter {
	budget: WaitBudget;
	since: number;
	resolve(permit: Permit): void;
	reject(error: unknown): void;
	cleanup(): void;
}

/**
 * Every request of one account (endpoint + key) in this process goes through here: at most the
 * window's concurrency in flight, sends paced to what the credential and the server's headers
 * allow, and the whole account paused after a 429. Waiters are served first come, first served,
 * whichever execution they belong to.
 */
export class AccountScheduler {
	readonly window = new ConcurrencyWindow();
	private readonly pacing = new Pacing();
	private inFlight = 0;
	/** In flight with a 2xx answer: what the server is serving now. */
	private serving = 0;
	private unanswered = 0;
	private queue: Waiter[] = [];
	private pausedUntil = 0;
	private pauseReason = '';
	private refusals = 0;
	private timer?: NodeJS.Timeout;
	private timerAt = Infinity;
	/** The rate-limit headers of the latest answer, for error messages. */
	lastHeaders = '';
	lastUsedAt = Date.now();

	constructor(readonly name: string) {}

	configure(limits: AccountLimits): void {
		this.window.setCap(Math.floor(limits.maxConcurrentRequests ?? 0));
		this.pacing.configure(limits.maxRequestsPerMinute ?? 0);
	}

	get idle(): boolean {
		return this.inFlight === 0 && this.queue.length === 0;
	}

	/** A place for one attempt; waits as the account's limits say, rejects on abort or when the budget is spent. */
	acquire(signal: AbortSignal | undefined, budget: WaitBudget): Promise<Permit> {
		if (signal?.aborted) return Promise.reject(signal.reason);
		this.lastUsedAt = Date.now();
		if (this.queue.length === 0 && this.blocked(Date.now()) === undefined) return Promise.resolve(this.grant());
		return new Promise<Permit>((resolve, reject) => {
			const since = Date.now();
			const onAbort = () => this.drop(waiter, signal?.reason);
			const deadline = setTimeout(() => this.drop(waiter, this.waitExceeded(waiter)), Math.max(0, budget.maxWaitMs - budget.waitedMs));
			const waiter: Waiter = {
				budget,
				since,
				resolve,
				reject,
				cleanup: () => {
					clearTimeout(deadline);
					signal?.removeEventListener('abort', onAbort);
					budget.waitedMs += Date.now() - since;
				},
			};
			signal?.addEventListener('abort', onAbort, { once: true });
			this.queue.push(waiter);
			this.pump();
		});
	}

	/** Which limit holds the next request back at `now`: a time, or 'slot' for a free place. */
	private blocked(now: number): { until: number; reason: string } | 'slot' | undefined {
		if (now < this.pausedUntil) return { until: this.pausedUntil, reason: this.pauseReason };
		if (this.inFlight >= this.window.limit) return 'slot';
		return this.pacing.closed(now);
	}

	private pump(): void {
		if (this.queue.length === 0 && this.timer) {
			// Nobody left to wake: a long pause must not keep the process alive.
			clearTimeout(this.timer);
			this.timer = undefined;
			this.timerAt = Infinity;
		}
		while (this.queue.length > 0) {
			const now = Date.now();
			const blocked = this.blocked(now);
			if (blocked === undefined) {
				const waiter = this.queue.shift()!;
				waiter.cleanup();
				waiter.resolve(this.grant());
				continue;
			}
			if (blocked === 'slot') return;
			// Nobody waits past their budget for a gate that is known to open too late.
			const head = this.queue[0];
			if (blocked.until - head.since > head.budget.maxWaitMs - head.budget.waitedMs) {
				this.drop(head, this.waitExceeded(head, blocked.reason, blocked.until - now));
				continue;
			}
			this.wakeAt(blocked.until);
			return;
		}
	}

	private wakeAt(at: number): void {
		if (this.timer && this.timerAt <= at) return;
		if (this.timer) clearTimeout(this.timer);
		this.timerAt = at;
		this.timer = setTimeout(() => {
			this.timer = undefined;
			this.timerAt = Infinity;
			this.pump();
		}, Math.max(0, at - Date.now()));
	}

	private drop(waiter: Waiter, error: unknown): void {
		const index = this.queue.indexOf(waiter);
		if (index < 0) return;
		this.queue.splice(index, 1);
		waiter.cleanup();
		waiter.reject(error);
		if (index === 0 || this.queue.length === 0) this.pump();
	}

	private grant(): Permit {
		const sentAt = Date.now();
		const epoch = this.window.epoch;
		this.inFlight++;
		this.unanswered++;
		this.pacing.sent(sentAt);
		let answered = false;
		let serving = false;
		let released = false;
		return {
			answered: (status, headers) => {
				if (answered) return;
				answered = true;
				this.unanswered--;
				serving = status >= 200 && status < 300;
				if (serving) this.serving++;
				this.answered(status, headers, sentAt, epoch);
			},
			release: (succeeded) => {
				if (released) return;
				released = true;
				this.inFlight--;
				if (!answered) this.unanswered--;
				if (serving) this.serving--;
				if (succeeded) this.window.succeeded();
				this.lastUsedAt = Date.now();
				this.pump();
			},
		};
	}

	private answered(status: number, headers: HeaderMap, sentAt: number, epoch: number): void {
		const now = Date.now();
		const info = readRateLimitHeaders(headers, now);
		if (info.seen) this.lastHeaders = info.seen;
		this.pacing.update(info, this.unanswered, now);
		if (status >= 200 && status < 300) {
			this.refusals = 0;
			this.window.accepted();
			this.pacing.accepted(sentAt);
			return;
		}
		if (status !== 429) return;
		// The request itself is counted as in flight until it is released: leave it out of "serving".
		this.window.refused(epoch, this.inFlight, this.serving);
		const retryAfterMs = serverRequestedDelayMs(headers, now);
		if (retryAfterMs !== undefined && !info.requests) this.pacing.learnFrom429(retryAfterMs, now);
		const waitMs = retryAfterMs ?? this.pacing.exhaustedFor(info) ?? (this.serving > 0 ? 0 : backoffDelayMs(this.refusals));
		this.refusals++;
		if (waitMs > 0 && now + waitMs > this.pausedUntil) {
			this.pausedUntil = now + waitMs;
			this.pauseReason =
				retryAfterMs !== undefined
					? `HTTP 429 from the server, which asked to wait ${Math.ceil(retryAfterMs / 1000)} s (Retry-After)`
					: `HTTP 429 from the server${info.seen ? '' : ', without Retry-After or rate-limit headers'}`;
		}
	}

	private waitExceeded(waiter: Waiter, reason?: string, neededMs?: number): VisionStreamError {
		const now = Date.now();
		const limit = reason ?? this.currentReason(now);
		const waited = Math.round((waiter.budget.waitedMs + now - waiter.since) / 100) / 10;
		const max = Math.round(waiter.budget.maxWaitMs / 100) / 10;
		const lead =
			neededMs === undefined
				? `Waited ${waited} s for the rate limit of ${this.name}, the most "Max Rate Limit Wait" allows (${max} s)`
				: `The rate limit of ${this.name} needs another ${Math.ceil(neededMs / 1000)} s wait, past "Max Rate Limit Wait" (${max} s in all; waited ${waited} s)`;
		return new VisionStreamError(`${lead}: held back by ${limit}; last rate-limit headers: ${this.lastHeaders || 'none'}`, {
			kind: 'rate-limit',
			hint: 'Raise "Max Rate Limit Wait", send fewer items at once (or lower the credential\'s limits to match your plan), or check the plan\'s limits with your provider',
		});
	}

	private currentReason(now: number): string {
		const blocked = this.blocked(now);
		if (blocked === 'slot') {
			return `the account's concurrency (${this.window.limit} request${this.window.limit === 1 ? '' : 's'} at a time, all in use)`;
		}
		return blocked?.reason ?? 'the requests queued before this one';
	}
}
