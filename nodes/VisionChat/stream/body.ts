import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

/**
 * An image whose bytes go into the JSON body as a base64 `data:` URL. Put one where the
 * URL string would be; the serializer streams it out in slices, so a 20 MB image never
 * exists as a 27 MB base64 string, nor as a second copy inside a JSON string.
 */
export class InlineImage {
	constructor(
		readonly mimeType: string,
		readonly data: Uint8Array,
	) {}

	get encodedLength(): number {
		return this.prefix().length + 4 * Math.ceil(this.data.byteLength / 3);
	}

	prefix(): string {
		return `data:${this.mimeType};base64,`;
	}
}

/** A request body that can be sent more than once (retries) without being rebuilt. */
export interface RequestBody {
	readonly length: number;
	stream(): Readable;
}

// 3 * 2^16: a multiple of 3, so each slice encodes to base64 without padding in the middle.
const SLICE_BYTES = 196_608;

export function jsonBody(value: unknown): RequestBody {
	const images: InlineImage[] = [];
	const nonce = randomBytes(8).toString('hex');
	const json = JSON.stringify(value, (_key, item: unknown) => {
		if (item instanceof InlineImage) {
			images.push(item);
			return `${nonce}:${images.length - 1}`;
		}
		return item;
	});
	const parts: Array<Buffer | InlineImage> = [];
	if (images.length === 0) {
		parts.push(Buffer.from(json, 'utf8'));
	} else {
		const pattern = new RegExp(`${nonce}:(\\d+)`, 'g');
		let last = 0;
		for (const match of json.matchAll(pattern)) {
			parts.push(Buffer.from(json.slice(last, match.index), 'utf8'));
			parts.push(images[Number(match[1])]);
			last = match.index + match[0].length;
		}
		parts.push(Buffer.from(json.slice(last), 'utf8'));
	}
	let length = 0;
	for (const part of parts) length += part instanceof InlineImage ? part.encodedLength : part.length;
	return {
		length,
		stream: () => Readable.from(encodeParts(parts), { objectMode: false }),
	};
}

function* encodeParts(parts: Array<Buffer | InlineImage>): Generator<Buffer> {
	for (const part of parts) {
		if (!(part instanceof InlineImage)) {
			yield part;
			continue;
		}
		yield Buffer.from(part.prefix(), 'latin1');
		const bytes = Buffer.from(part.data.buffer, part.data.byteOffset, part.data.byteLength);
		for (let offset = 0; offset < bytes.length; offset += SLICE_BYTES) {
			yield Buffer.from(bytes.subarray(offset, offset + SLICE_BYTES).toString('base64'), 'latin1');
		}
	}
}

/** Reads a whole body back into a string (tests, debugging). */
export async function bodyToString(body: RequestBody): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const chunk of body.stream()) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks).toString('utf8');
}
