import type { RateLimitInfo } from './rateLimitHeaders';

/** Sent a little after a reset, so the request never reaches the server just before it. */
export const RESET_MARGIN_MS = 15;
/** A rate learnt from 429s alone is trusted this long without a new 429, then forgotten. */
const LEARNT_RATE_TTL_MS = 5 * 60_000;
/** Paced a little under a learnt rate, so timer jitter never crosses the limit. */
const LEARNT_RATE_SHARE = 0.97;

/** A time-based gate that is closed: until when, and which limit closed it. */
export interface Closed {
	until: number;
	reason: string;
}

/**
 * The account's time-based gates: the request quota its headers report (remaining until reset),
 * an exhausted token quota, the user's requests per minute, and a rate learnt from 429s of a
 * server that sends no rate-limit headers. Sends are spaced evenly, never in bursts, so a
 * provider that counts per second sees no more than per minute ÷ 60 in any second.
 */
export class Pacing {
	/** Requests the server still accepts before `resetAt`; undefined when no header said. */
	private available?: number;
	private resetAt?: number;
	private quotaLimit?: number;
	private tokensResetAt = 0;
	private configuredIntervalMs = 0;
	private configuredRpm = 0;
	private learntIntervalMs = 0;
	private learntAt = 0;
	private lastSendAt = -Infinity;
	/** Send times of requests the server accepted, the latest last (bounded). */
	private acceptedSends: number[] = [];

	configure(maxRequestsPerMinute: number): void {
		this.configuredRpm = maxRequestsPerMinute > 0 ? maxRequestsPerMinute : 0;
		this.configuredIntervalMs = this.configuredRpm ? 60_000 / this.configuredRpm : 0;
	}

	/** The first closed gate at `now`, or undefined when a request may go. */
	closed(now: number): Closed | undefined {
		if (this.available !== undefined && this.available <= 0) {
			if (this.resetAt !== undefined && now < this.resetAt) {
				return { until: this.resetAt, reason: `the provider's request limit (no requests left until its reset${this.quotaLimit ? `; limit ${this.quotaLimit}` : ''})` };
			}
			// Reset passed, or the server never said when: the quota is whole again (or unknown).
			this.available = this.quotaLimit;
			this.resetAt = undefined;
		}
		if (now < this.tokensResetAt) return { until: this.tokensResetAt, reason: "the provider's token limit (no tokens left until its reset)" };
		if (this.learntIntervalMs && now - this.learntAt > LEARNT_RATE_TTL_MS) this.learntIntervalMs = 0;
		const spacing = Math.max(this.configuredIntervalMs, this.learntIntervalMs);
		if (spacing && now < this.lastSendAt + spacing) {
			const reason =
				spacing === this.configuredIntervalMs
					? `the credential's Max Requests Per Minute (${this.configuredRpm})`
					: `the rate the server allowed before answering 429 (about ${Math.round(60_000 / spacing)} per minute)`;
			return { until: this.lastSendAt + spacing, reason };
		}
		return undefined;
	}

	sent(now: number): void {
		this.lastSendAt = now;
		if (this.available !== undefined) this.available--;
	}

	accepted(sentAt: number): void {
		this.acceptedSends.push(sentAt);
		if (this.acceptedSends.length > 2048) this.acceptedSends.splice(0, 1024);
	}

	/**
	 * What a response's headers say. `unanswered` requests were sent and have no answer yet: the
	 * server may not have counted them, so they are taken off what it reports as remaining.
	 */
	update(info: RateLimitInfo, unanswered: number, now: number): void {
		const requests = info.requests;
		if (requests) {
			const resetAt = requests.resetMs === undefined ? undefined : now + requests.resetMs + RESET_MARGIN_MS;
			let available = requests.remaining - unanswered;
			// An answer overtaken by a later one of the same window must not raise what is left.
			const sameWindow = resetAt !== undefined && this.resetAt !== undefined && Math.abs(resetAt - this.resetAt) < 50;
			if (sameWindow && this.available !== undefined) available = Math.min(available, this.available);
			this.available = available;
			this.resetAt = resetAt;
			this.quotaLimit = requests.limit ?? Math.max(this.quotaLimit ?? 0, requests.remaining + 1);
		}
		const tokens = info.tokens;
		if (tokens && tokens.remaining <= 0 && tokens.resetMs !== undefined) this.tokensResetAt = Math.max(this.tokensResetAt, now + tokens.resetMs + RESET_MARGIN_MS);
	}

	/** How long the headers of a 429 ask to wait for a quota to come back, if they say. */
	exhaustedFor(info: RateLimitInfo): number | undefined {
		const waits = [info.requests, info.tokens].filter((q) => q && q.remaining <= 0 && q.resetMs !== undefined).map((q) => q!.resetMs! + RESET_MARGIN_MS);
		return waits.length ? Math.max(...waits) : undefined;
	}

	/**
	 * A 429 from a server without rate-limit headers that asked for `retryAfterMs`: the requests
	 * it accepted over that span are about its rate, so later sends are spaced to that.
	 */
	learnFrom429(retryAfterMs: number, now: number): void {
		const span = Math.max(1000, retryAfterMs);
		let count = 0;
		for (let i = this.acceptedSends.length - 1; i >= 0 && this.acceptedSends[i] >= now - span; i--) count++;
		if (count === 0) return;
		this.learntIntervalMs = span / count / LEARNT_RATE_SHARE;
		this.learntAt = now;
	}
}
