import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

/**
 * An image whose bytes go into the JSON body as a base64 `data:` URL. Put one where the
 * URL string would be; the serializer streams it out in slices, so a 20 MB image never
 * exists as a 27 MB base64 string, nor as a second copy inside a JSON string.
 */
export class InlineImage {
	private bytes: Uint8Array | undefined;
	private readonly base64: string | undefined;

	/** `{ base64 }`: text that already exists (n8n's in-memory binary data), sent as is and decoded only if asked. */
	constructor(
		readonly mimeType: string,
		source: Uint8Array | { base64: string },
	) {
		if (source instanceof Uint8Array) this.bytes = source;
		else this.base64 = source.base64;
	}

	get data(): Uint8Array {
		this.bytes ??= Buffer.from(this.base64 ?? '', 'base64');
		return this.bytes;
	}

	get byteLength(): number {
		return this.bytes ? this.bytes.byteLength : Buffer.byteLength(this.base64 ?? '', 'base64');
	}

	get encodedLength(): number {
		return this.prefix().length + (this.base64 !== undefined ? this.base64.length : 4 * Math.ceil(this.data.byteLength / 3));
	}

	prefix(): string {
		return `data:${this.mimeType};base64,`;
	}

	/** The base64 text in slices of at most `sliceChars` bytes, each a fresh Buffer. */
	*encodedSlices(sliceChars: number): Generator<Buffer> {
		if (this.base64 !== undefined) {
			for (let offset = 0; offset < this.base64.length; offset += sliceChars) {
				yield Buffer.from(this.base64.slice(offset, offset + sliceChars), 'latin1');
			}
			return;
		}
		const bytes = this.data;
		const sliceBytes = (sliceChars / 4) * 3;
		for (let offset = 0; offset < bytes.byteLength; offset += sliceBytes) {
			yield encodeBase64(bytes, offset, Math.min(offset + sliceBytes, bytes.byteLength));
		}
	}
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** Every 12-bit value as its two base64 characters, ready to store as one 16-bit word. */
const PAIRS = (() => {
	const table = new Uint16Array(4096);
	for (let i = 0; i < 4096; i++) {
		const first = ALPHABET.charCodeAt(i >> 6);
		const second = ALPHABET.charCodeAt(i & 63);
		table[i] = LITTLE_ENDIAN ? first | (second << 8) : (first << 8) | second;
	}
	return table;
})();

/**
 * Base64 of bytes[start, end) written straight into a Buffer. `toString('base64')` would make
 * a string per slice that V8 keeps in its large-object space until a major GC: with an
 * n8n-sized heap that garbage alone was about 2.7x the image size.
 */
function encodeBase64(bytes: Uint8Array, start: number, end: number): Buffer {
	const whole = start + Math.floor((end - start) / 3) * 3;
	const tail = end - whole;
	const out = Buffer.allocUnsafeSlow(((whole - start) / 3) * 4 + (tail ? 4 : 0));
	const words = new Uint16Array(out.buffer, out.byteOffset, (out.length - (tail ? 4 : 0)) >> 1);
	let w = 0;
	for (let i = start; i < whole; i += 3) {
		const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
		words[w++] = PAIRS[n >> 12];
		words[w++] = PAIRS[n & 0xfff];
	}
	if (tail) out.write(Buffer.from(bytes.buffer, bytes.byteOffset + whole, tail).toString('base64'), out.length - 4, 'latin1');
	return out;
}

/** A request body that can be sent more than once (retries) without being rebuilt. */
export interface RequestBody {
	readonly length: number;
	stream(): Readable;
}

// Characters per slice of an image's base64 text: small enough to stay out of V8's large-object space.
const SLICE_CHARS = 65_536;

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
		if (part instanceof InlineImage) {
			yield Buffer.from(part.prefix(), 'latin1');
			yield* part.encodedSlices(SLICE_CHARS);
		} else {
			yield part;
		}
	}
}
