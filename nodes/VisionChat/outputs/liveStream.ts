import type { IExecuteFunctions } from 'n8n-workflow';

type LiveChunkType = 'begin' | 'item' | 'end' | 'error';

/** The caller's live view of one item's answer (Webhook "Streaming" response, Chat Trigger). */
export interface LiveStream {
	begin(): void;
	text(content: string): void;
	end(): void;
	fail(message: string): void;
}

/**
 * Streams the answers of several items to the caller one after another, in input order,
 * while their requests run in parallel: chat widgets and most callers join text by node, not
 * by item, so interleaved answers would read as one garbled text. The item on air goes out
 * at once; the others wait in memory until their turn.
 */
export class LiveRelay {
	private onAir = 0;
	private readonly waiting = new Map<number, Array<[LiveChunkType, string | undefined]>>();
	private readonly done = new Set<number>();

	private constructor(private readonly send: (type: LiveChunkType, itemIndex: number, content?: string) => void) {}

	/** A relay when n8n streams this execution; n8n 1.x without the methods gets none. */
	static for(ctx: IExecuteFunctions): LiveRelay | undefined {
		if (typeof ctx.isStreaming !== 'function' || typeof ctx.sendChunk !== 'function' || !ctx.isStreaming()) return undefined;
		return new LiveRelay((type, itemIndex, content) => {
			// In queue mode each chunk is a Redis write that may return a promise; a lost chunk
			// must not become an unhandled rejection, nor stop the answer.
			const sent: unknown = ctx.sendChunk(type, itemIndex, content);
			if (sent instanceof Promise) sent.catch(() => undefined);
		});
	}

	stream(itemIndex: number): LiveStream {
		const emit = (type: LiveChunkType, content?: string) => {
			if (itemIndex === this.onAir) this.send(type, itemIndex, content);
			else {
				let queue = this.waiting.get(itemIndex);
				if (!queue) this.waiting.set(itemIndex, (queue = []));
				queue.push([type, content]);
			}
		};
		return {
			begin: () => emit('begin'),
			text: (content) => emit('item', content),
			end: () => emit('end'),
			fail: (message) => {
				emit('error', message);
				emit('end');
			},
		};
	}

	/** Every item must be marked finished, streamed or not, so the next one can go on air. */
	finish(itemIndex: number): void {
		this.done.add(itemIndex);
		while (this.done.has(this.onAir)) {
			this.done.delete(this.onAir);
			this.onAir++;
			const queue = this.waiting.get(this.onAir);
			if (queue) {
				this.waiting.delete(this.onAir);
				for (const [type, content] of queue) this.send(type, this.onAir, content);
			}
		}
	}
}
