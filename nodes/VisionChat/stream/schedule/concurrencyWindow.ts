/**
 * How many requests of one account may be in flight: additive increase, multiplicative decrease.
 * A new account starts at INITIAL_WINDOW and, until the first 429, gains one slot per accepted
 * request (a fresh process learns quickly without a burst). A 429 halves the window, never above
 * what the server was serving at that moment; then one slot comes back per run of successes (a
 * run is as many successes as the window is wide). Near the level that was refused, the next
 * probe waits for longer runs, doubling after every probe the server refused again, so a steady
 * concurrency limit costs a handful of 429s, not one per run.
 */
export const INITIAL_WINDOW = 8;

export class ConcurrencyWindow {
	/** Requests allowed in flight; Infinity once the user's cap is the only bound. */
	limit: number;
	/** Decreases so far: a 429 of a request sent before the last decrease does not decrease again. */
	epoch = 0;
	private growing = true;
	private successes = 0;
	/** In flight when the server last refused; probing at or above it is done sparingly. */
	private refusedAt = Infinity;
	private patience = 4;

	constructor(private cap = Infinity) {
		this.limit = Math.min(cap, INITIAL_WINDOW);
	}

	setCap(cap: number): void {
		this.cap = cap > 0 ? cap : Infinity;
		this.limit = Math.min(this.limit, this.cap);
		if (this.growing) this.limit = Math.max(this.limit, Math.min(this.cap, INITIAL_WINDOW));
	}

	/** A response with a 2xx status: while no 429 was seen, one more slot. */
	accepted(): void {
		if (this.growing && this.limit < this.cap) this.limit++;
	}

	/** A request finished well. */
	succeeded(): void {
		if (this.growing || this.limit >= this.cap) return;
		this.successes++;
		const probing = this.limit + 1 >= this.refusedAt;
		if (this.successes < this.limit * (probing ? this.patience : 1)) return;
		this.successes = 0;
		// A whole run above the refused level: the server's limit moved up, probe freely again.
		if (this.limit >= this.refusedAt) {
			this.refusedAt = Infinity;
			this.patience = 4;
		}
		this.limit = Math.min(this.cap, this.limit + 1);
	}

	/**
	 * A 429 of a request sent in `sentEpoch`, with `serving` requests of the account answered 2xx
	 * and still running. Returns whether the window was lowered.
	 */
	refused(sentEpoch: number, inFlight: number, serving: number): boolean {
		if (sentEpoch !== this.epoch) return false;
		const level = Math.min(this.limit, inFlight);
		const halved = Math.max(1, Math.floor(level / 2));
		// The server was serving `serving` requests and refused one more: that is about its ceiling.
		const next = serving > 0 ? Math.max(halved, Math.min(serving, level - 1)) : halved;
		if (!this.growing && level >= this.refusedAt - 1) this.patience = Math.min(64, this.patience * 2);
		this.refusedAt = serving > 0 ? serving + 1 : level;
		this.limit = Math.max(1, Math.min(this.cap, next));
		this.growing = false;
		this.successes = 0;
		this.epoch++;
		return true;
	}
}
