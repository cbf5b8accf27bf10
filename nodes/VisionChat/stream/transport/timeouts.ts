/** How long to wait for each phase of a request unless the caller says otherwise. */
export const DEFAULT_TIMEOUTS = {
	connectTimeoutMs: 30_000,
	// Vision models can think for minutes before the first token; relays may buffer headers.
	firstByteTimeoutMs: 600_000,
	idleTimeoutMs: 300_000,
};
