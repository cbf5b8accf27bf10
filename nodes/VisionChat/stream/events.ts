import { createParser, type EventSourceParser, type ParseError } from 'eventsource-parser';
import { VisionStreamError } from './errors';
import type { ChatCompletionChunk } from './types';

/** Largest single event we accept; a bigger one means a broken or hostile server. */
export const DEFAULT_MAX_EVENT_BYTES = 16 * 1024 * 1024;

export interface SseHandlers {
	onChunk(chunk: ChatCompletionChunk): void;
	onDone(): void;
}

/**
 * Bytes -> text -> SSE events -> chunk objects. The TextDecoder in streaming mode keeps a
 * UTF-8 character that is split across network packets intact; eventsource-parser handles
 * every line ending and field of the SSE spec. Failures are thrown out of `feed`.
 */
export class ChunkDecoder {
	private readonly decoder = new TextDecoder('utf-8');
	private readonly parser: EventSourceParser;
	private pendingError: VisionStreamError | undefined;
	private atEnd = false;
	done = false;

	constructor(
		private readonly handlers: SseHandlers,
		maxEventBytes = DEFAULT_MAX_EVENT_BYTES,
	) {
		this.parser = createParser({
			maxBufferSize: maxEventBytes,
			onEvent: (event) => this.onEvent(event.event, event.data),
			onError: (error: ParseError) => {
				// Unknown fields and bad retry values are legal to ignore per the SSE spec, but a bare
				// JSON line is some gateway's way of reporting an error (or a stream that is not SSE).
				if (error.type === 'unknown-field' && error.line?.trimStart().startsWith('{')) {
					this.pendingError ??= bareJsonLineError(error.line);
				} else if (error.type === 'max-buffer-size-exceeded') {
					this.pendingError ??= new VisionStreamError(
						`The server sent an event larger than ${Math.round(maxEventBytes / 1048576)} MB, which is not a chat completion chunk`,
						{ kind: 'protocol', hint: 'Check that the base URL points at an OpenAI-compatible chat completions API' },
					);
				}
			},
		});
	}

	feed(bytes: Uint8Array): void {
		if (this.done) return;
		this.parser.feed(this.decoder.decode(bytes, { stream: true }));
		if (this.pendingError) throw this.pendingError;
	}

	/** Called when the body ended cleanly. */
	end(): void {
		if (this.done) return;
		const rest = this.decoder.decode();
		if (rest) this.parser.feed(rest);
		// Lenient where the SSE spec is strict: servers that close right after a last event
		// without its blank line exist. A truncated last event is dropped, not misreported.
		this.atEnd = true;
		this.parser.feed('\n\n');
		if (this.pendingError) throw this.pendingError;
	}

	private onEvent(type: string | undefined, data: string): void {
		if (this.done || this.pendingError) return;
		if (type === 'error') {
			this.pendingError = new VisionStreamError(`The server reported an error mid-stream: ${errorMessageOf(data)}`, {
				kind: 'server',
				serverMessage: errorMessageOf(data),
			});
			return;
		}
		if (data === '[DONE]') {
			this.done = true;
			this.handlers.onDone();
			return;
		}
		if (data.length === 0) return;
		let parsed: unknown;
		try {
			parsed = JSON.parse(data);
		} catch {
			if (this.atEnd) return;
			// Named events we do not know (pings, vendor extras) may carry anything; only plain
			// message events must be chunks.
			if (type !== undefined && type !== 'message') return;
			this.pendingError = new VisionStreamError(`The server sent data that is not JSON: ${snippet(data)}`, {
				kind: 'protocol',
				hint: 'Check that the base URL points at an OpenAI-compatible chat completions API',
			});
			return;
		}
		if (parsed === null || typeof parsed !== 'object') {
			if (type !== undefined && type !== 'message') return;
			this.pendingError = new VisionStreamError(`The server sent an event that is not a chunk object: ${snippet(data)}`, {
				kind: 'protocol',
			});
			return;
		}
		const object = parsed as ChatCompletionChunk;
		// Groq reports a stream it had to stop under x_groq.error.
		const failure = object.error ?? (object.x_groq?.error ? { error: object.x_groq.error } : undefined);
		if (failure !== undefined && failure !== null) {
			const message = errorMessageOf(object.error !== undefined ? object : failure);
			this.pendingError = new VisionStreamError(`The server reported an error mid-stream: ${message}`, {
				kind: 'server',
				serverMessage: message,
			});
			return;
		}
		if (type !== undefined && type !== 'message' && !Array.isArray(object.choices)) return;
		this.handlers.onChunk(object);
	}
}

/** What a JSON line without `data:` in an event stream means: an error report, or NDJSON. */
function bareJsonLineError(line: string): VisionStreamError | undefined {
	let parsed: unknown;
	try {
		parsed = JSON.parse(line);
	} catch {
		return undefined; // a field name that happens to start with "{": ignorable per the SSE spec
	}
	const record = (parsed ?? {}) as Record<string, unknown>;
	if (record.error !== undefined && record.error !== null) {
		const message = errorMessageOf(record);
		return new VisionStreamError(`The server reported an error in the stream: ${message}`, { kind: 'server', serverMessage: message });
	}
	return ndjsonError();
}

/** A body of JSON lines (NDJSON) comes from a native API such as Ollama's /api/chat, not the OpenAI-compatible one. */
export function ndjsonError(): VisionStreamError {
	return new VisionStreamError(
		'The server answered with newline-delimited JSON (NDJSON), the format of a native API, not the server-sent events of an OpenAI-compatible chat completions API',
		{
			kind: 'protocol',
			hint: 'Use the server\'s OpenAI-compatible base URL, which usually ends in /v1 (Ollama: http://localhost:11434/v1)',
		},
	);
}

/** Pulls the human message out of the many error shapes servers use. */
export function errorMessageOf(body: unknown): string {
	if (typeof body === 'string') {
		const trimmed = body.trim();
		if (trimmed.startsWith('{')) {
			try {
				return errorMessageOf(JSON.parse(trimmed));
			} catch {
				// not JSON after all
			}
		}
		return snippet(trimmed) || '(no message)';
	}
	if (body && typeof body === 'object') {
		const record = body as Record<string, unknown>;
		const error = record.error;
		if (typeof error === 'string') return error;
		if (error && typeof error === 'object') {
			const inner = error as Record<string, unknown>;
			const message = inner.message ?? inner.msg ?? inner.detail;
			const code = inner.code ?? inner.type;
			if (typeof message === 'string') {
				const withCode = code && typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
				return withCode + upstreamDetail(inner.metadata);
			}
			return snippet(JSON.stringify(error));
		}
		for (const key of ['message', 'detail', 'msg', 'error_description']) {
			const value = record[key];
			if (typeof value === 'string') return value;
			if (Array.isArray(value)) return snippet(JSON.stringify(value));
		}
		return snippet(JSON.stringify(body));
	}
	return String(body);
}

/** OpenRouter names the upstream provider and quotes its raw error under `error.metadata`. */
function upstreamDetail(metadata: unknown): string {
	if (!metadata || typeof metadata !== 'object') return '';
	const { raw, provider_name: provider } = metadata as { raw?: unknown; provider_name?: unknown };
	if (raw === undefined && provider === undefined) return '';
	let rawText = '';
	if (typeof raw === 'string') rawText = raw.trim().startsWith('{') ? errorMessageOf(raw) : snippet(raw);
	else if (raw !== undefined && raw !== null) rawText = errorMessageOf(raw);
	const who = typeof provider === 'string' && provider ? provider : '';
	if (!who && !rawText) return '';
	return ` — ${who}${who && rawText ? ': ' : ''}${rawText}`;
}

export function snippet(text: string, max = 300): string {
	const flat = text.replace(/\s+/g, ' ').trim();
	return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
