import { pipeline, type Readable } from 'node:stream';
import { constants, createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { VisionStreamError } from '../errors/streamError';

/**
 * undici's `request()` hands over the body as sent, `Content-Encoding` and all. A user who
 * copies `Accept-Encoding: gzip` into the custom headers, or a proxy that compresses anyway,
 * must still get a readable stream: decode it as it arrives, never buffering the whole answer.
 */
export function decodedBody(body: Readable, contentEncoding: string): Readable {
	const codings = contentEncoding
		.toLowerCase()
		.split(',')
		.map((coding) => coding.trim())
		.filter((coding) => coding && coding !== 'identity');
	if (codings.length === 0) return body;
	let stream = body;
	// Codings are listed in the order they were applied; undo them last first.
	for (const coding of codings.reverse()) {
		const decoder = decoderFor(coding);
		stream = pipeline(stream, decoder, () => undefined);
	}
	return stream;
}

function decoderFor(coding: string): Readable & NodeJS.WritableStream {
	// Flush what each network read decodes to at once: an SSE answer must not wait for more input.
	switch (coding) {
		case 'gzip':
		case 'x-gzip':
			return createGunzip({ flush: constants.Z_SYNC_FLUSH, finishFlush: constants.Z_SYNC_FLUSH });
		case 'deflate':
			return createInflate({ flush: constants.Z_SYNC_FLUSH, finishFlush: constants.Z_SYNC_FLUSH });
		case 'br':
			return createBrotliDecompress({ flush: constants.BROTLI_OPERATION_FLUSH, finishFlush: constants.BROTLI_OPERATION_FLUSH });
		default:
			throw new VisionStreamError(`The server answered with Content-Encoding "${coding}", which the node cannot decode`, {
				kind: 'protocol',
				hint: 'Remove "Accept-Encoding" from the credential\'s custom headers, or ask for gzip, deflate or br',
			});
	}
}

export function headerValue(value: string | string[] | undefined): string {
	return Array.isArray(value) ? value.join(', ') : (value ?? '');
}

/** Reads at most `limit` bytes as text (error bodies: enough to quote, never unbounded). */
export async function readText(body: Readable, limit: number): Promise<string> {
	const chunks: Buffer[] = [];
	let size = 0;
	try {
		for await (const chunk of body as AsyncIterable<Buffer>) {
			chunks.push(chunk);
			size += chunk.length;
			if (size >= limit) {
				body.destroy();
				break;
			}
		}
	} catch {
		// A broken error body still leaves us the status code and what arrived.
	}
	return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

/** The rest of a body that is not a stream (a whole JSON answer), bounded. */
export async function readRest(first: Buffer[], iterator: AsyncIterator<Buffer>, limit: number): Promise<string> {
	const chunks = [...first];
	let size = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
	for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
		chunks.push(next.value);
		size += next.value.length;
		if (size > limit) throw new VisionStreamError(`The server's answer is larger than ${limit / 1048576} MB and is not a stream`, { kind: 'protocol' });
	}
	return Buffer.concat(chunks).toString('utf8');
}

export type BodyFormat = 'sse' | 'json' | 'ndjson' | 'other';

/**
 * Reads until the first non-blank byte and says what kind of body this is. The decision
 * never depends on how the network happened to cut the first read.
 */
export async function sniffFormat(iterator: AsyncIterator<Buffer>, contentType: string): Promise<{ format: BodyFormat; head: Buffer[]; ended: boolean }> {
	const head: Buffer[] = [];
	let first: number | undefined;
	let ended = false;
	while (first === undefined) {
		const next = await iterator.next();
		if (next.done) {
			ended = true;
			break;
		}
		head.push(next.value);
		first = next.value.find((byte) => byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0xef && byte !== 0xbb && byte !== 0xbf);
	}
	if (/ndjson|jsonl|json-seq/.test(contentType)) return { format: 'ndjson', head, ended };
	if (contentType.includes('text/event-stream')) return { format: 'sse', head, ended };
	if (first === 0x7b /* { */ || first === 0x5b /* [ */) return { format: 'json', head, ended };
	// data:, event:, id:, retry: or a ":" comment
	if (first === 0x64 || first === 0x65 || first === 0x69 || first === 0x72 || first === 0x3a) return { format: 'sse', head, ended };
	return { format: 'other', head, ended };
}
