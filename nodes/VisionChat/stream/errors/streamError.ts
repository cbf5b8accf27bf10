/** What went wrong, so callers can map it onto their own error types and advice. */
export type StreamErrorKind =
	| 'http' // the server answered with a non-2xx status
	| 'server' // the server reported an error inside a 200 answer or the stream
	| 'incomplete' // the stream ended before the answer was complete
	| 'network' // the connection failed or dropped
	| 'timeout' // no data within a time limit
	| 'cancelled' // the caller aborted (n8n's execution cancel)
	| 'rate-limit' // waited for the account's rate limits longer than allowed
	| 'protocol'; // the answer was not something an OpenAI-compatible server sends

export interface AttemptRecord {
	attempt: number;
	outcome: string;
	httpCode?: number;
	delayMs?: number;
}

export interface StreamErrorDetails {
	kind: StreamErrorKind;
	/** One line a user can act on: what to check or change. */
	hint?: string;
	httpCode?: number;
	/** The server's own message, as it sent it (secrets redacted). */
	serverMessage?: string;
	/** Joined text of choice 0 received before the failure; never thrown away. */
	partialText?: string;
	chunkCount?: number;
	url?: string;
	attempts?: AttemptRecord[];
	cause?: unknown;
}

export class VisionStreamError extends Error {
	readonly kind: StreamErrorKind;
	readonly hint?: string;
	readonly httpCode?: number;
	serverMessage?: string;
	partialText?: string;
	chunkCount: number;
	readonly url?: string;
	attempts?: AttemptRecord[];

	constructor(message: string, details: StreamErrorDetails) {
		super(message, details.cause === undefined ? undefined : { cause: details.cause });
		this.name = 'VisionStreamError';
		this.kind = details.kind;
		this.hint = details.hint;
		this.httpCode = details.httpCode;
		this.serverMessage = details.serverMessage;
		this.partialText = details.partialText;
		this.chunkCount = details.chunkCount ?? 0;
		this.url = details.url;
		this.attempts = details.attempts;
	}
}

/** Replaces every occurrence of the secret (servers sometimes echo the key back). */
export function redactSecret(text: string, secret: string | undefined): string {
	if (!secret || secret.length < 4 || !text.includes(secret)) return text;
	return text.split(secret).join('[redacted]');
}
