import { createParser, type EventSourceParser, type ParseError } from 'eventsource-parser';
import { VisionStreamError } from '../errors/streamError';
import { ndjsonError } from '../errors/httpErrors';
import { errorMessageOf, snippet } from '../errors/serverMessage';
import type { ChatCompletionChunk } from '../types';

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
