import type { IBinaryData, IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { InlineImage } from '../stream/request/body';
import { downloadImage } from '../stream/transport/download';
import { sniffType } from './imageType';
import { InputError } from '../helpers/inputError';
import type { ImageSource } from '../request/chatBody';

export interface GatheredImages {
	images: ImageSource[];
	/** Things the user should know about, reported as `warnings` on the result. */
	notes: string[];
}

function splitUrls(value: string): string[] {
	// A data: URL contains a comma of its own, so split only where a new URL starts.
	return value
		.split(/[\n\r]+|,\s*(?=(?:https?|data):)/i)
		.map((part) => part.trim())
		.filter(Boolean);
}

export function parseImageUrls(value: unknown): string[] {
	const list = Array.isArray(value) ? value.map(String) : splitUrls(String(value ?? ''));
	return list.map((url) => {
		if (/^data:/i.test(url)) {
			if (!/^data:image\/[a-z0-9.+-]+;base64,[A-Za-z0-9+/=\s]+$/i.test(url)) {
				throw new InputError(`"${shorten(url)}" is not a base64 image data URL`, 'A data URL must look like data:image/png;base64,iVBOR...');
			}
			return url;
		}
		const parsed = URL.canParse(url) ? new URL(url) : undefined;
		if (!parsed) throw new InputError(`"${shorten(url)}" in "Image URLs" is not a valid URL`, 'Each image URL must start with http://, https:// or data:');
		if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
			throw new InputError(`"${shorten(url)}" in "Image URLs" is not an http(s) or data: URL`, 'Each image URL must start with http://, https:// or data:');
		}
		return url;
	});
}

function shorten(text: string): string {
	return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;

/** Checks that bytes are an image and wraps them for the request body. */
function inlineImage(bytes: Buffer, what: string, declaredType: string | undefined): InlineImage {
	const sniffed = sniffType(bytes);
	if (!sniffed?.isImage) {
		const found = sniffed?.mimeType ?? (declaredType && declaredType !== 'application/octet-stream' ? `${declaredType} (declared)` : 'unknown');
		throw new InputError(
			`${what} is not an image (type found: ${found})`,
			'Send PNG, JPEG, GIF or WebP images. Convert other files to an image first (e.g. with the Edit Image node).',
		);
	}
	return new InlineImage(sniffed.mimeType, bytes);
}

/**
 * Reads the named binary properties of an item with n8n's helpers (memory, filesystem or
 * S3 binary modes alike) and checks that each really is an image. `*` takes every image
 * binary on the item and notes the ones skipped.
 */
export async function readBinaryImages(
	ctx: IExecuteFunctions,
	item: INodeExecutionData,
	itemIndex: number,
	propertyNames: string,
	maxBytes: number,
): Promise<GatheredImages> {
	const files = binaryFilesOf(item);
	const available = Object.keys(files);
	const all = propertyNames.trim() === '*';
	const names = all
		? available
		: propertyNames
				.split(',')
				.map((name) => name.trim())
				.filter(Boolean);
	if (!all && names.length === 0) throw new InputError('"Binary Property" is empty', 'Enter the name of the binary property holding the image, usually "data"');
	if (names.length === 0) {
		throw new InputError(`Item ${itemIndex} has no binary data`, 'Put a node that outputs a file (Form Trigger, Read File, HTTP Request with file response...) before this one');
	}
	const images: ImageSource[] = [];
	const notes: string[] = [];
	for (const name of names) {
		const binary = files[name] ?? binaryAtPath(item.json, name);
		if (!binary) {
			throw new InputError(
				`Item ${itemIndex} has no binary property "${name}"`,
				available.length > 0
					? `Set "Binary Property" to one of: ${available.join(', ')}`
					: 'The input item carries no binary data at all: put a node that outputs a file (Form Trigger, Read File, HTTP Request with file response...) before this one, or switch "Image Input" to Image URL',
			);
		}
		if (maxBytes > 0) {
			// Refuse oversized files before reading them into memory.
			const size = binary.id ? (await ctx.helpers.getBinaryMetadata(binary.id)).fileSize : Buffer.byteLength(binary.data, 'base64');
			if (size > maxBytes) {
				throw new InputError(
					`Binary property "${name}" of item ${itemIndex} is ${mb(size)}, over the ${mb(maxBytes)} limit`,
					'Resize the image first (e.g. with the Edit Image node), or raise "Max Image Size (MB)" if your provider accepts larger images',
				);
			}
		}
		const what = `Binary property "${name}" of item ${itemIndex}${binary.fileName ? ` (file ${binary.fileName})` : ''}`;
		// In-memory binary data is base64 already: send that text as is instead of decoding
		// 20 MB only to encode it again. Stored data (filesystem, S3, database) has an id.
		const inMemory = !binary.id && !NOT_BASE64.test(binary.data);
		const head = inMemory ? Buffer.from(binary.data.slice(0, 64), 'base64') : undefined;
		// By name where n8n 1.x and 2.x both take it; the object itself for n8n 2.x's combined mode.
		const bytes = head ?? (await ctx.helpers.getBinaryDataBuffer(itemIndex, item.binary?.[name] ? name : binary));
		if (all && !sniffType(bytes)?.isImage) {
			notes.push(`Skipped binary property "${name}"${binary.fileName ? ` (${binary.fileName})` : ''}: not an image`);
			continue;
		}
		const image = inlineImage(bytes, what, binary.mimeType);
		images.push(inMemory ? new InlineImage(image.mimeType, { base64: binary.data }) : image);
	}
	if (all && images.length === 0) {
		throw new InputError(`None of the binary properties of item ${itemIndex} is an image (${names.join(', ')})`, 'Send PNG, JPEG, GIF or WebP images');
	}
	return { images, notes };
}

/** Anything but base64 characters; searching for one is about 8x faster than matching the whole text. */
const NOT_BASE64 = /[^A-Za-z0-9+/=]/;

function isBinaryData(value: unknown): value is IBinaryData {
	const candidate = value as IBinaryData | undefined;
	return typeof candidate === 'object' && candidate !== null && typeof candidate.mimeType === 'string' && (typeof candidate.data === 'string' || typeof candidate.id === 'string');
}

/**
 * The item's files by name: `item.binary` (n8n's usual "separate" mode) and `json._files`
 * (n8n 2.x's "combined" binary mode, where files travel inside the JSON).
 */
function binaryFilesOf(item: INodeExecutionData): Record<string, IBinaryData> {
	const files: Record<string, IBinaryData> = {};
	const combined = (item.json as IDataObject | undefined)?._files;
	if (combined && typeof combined === 'object') {
		for (const [name, value] of Object.entries(combined)) if (isBinaryData(value)) files[name] = value;
	}
	return Object.assign(files, item.binary ?? {});
}

/** In combined mode a file may sit anywhere in the JSON: `photo` or `attachments.0`. */
function binaryAtPath(json: IDataObject, path: string): IBinaryData | undefined {
	let value: unknown = json;
	for (const key of path.split('.')) {
		if (value === null || typeof value !== 'object') return undefined;
		value = (value as Record<string, unknown>)[key];
	}
	return isBinaryData(value) ? value : undefined;
}

/** A base64 string or data: URL from a field of the item, as upstream APIs often hand images over. */
export function parseBase64Image(value: unknown, itemIndex: number, maxBytes: number): InlineImage {
	if (typeof value !== 'string' || !value.trim()) {
		throw new InputError(`"Base64 Image" of item ${itemIndex} is empty`, 'Map it to a field holding a base64 string or a data: URL, e.g. {{ $json.image }}');
	}
	const text = value.trim();
	const match = /^data:([^;,]*)(;base64)?,(.*)$/is.exec(text);
	const payload = (match ? match[3] : text).replace(/\s+/g, '');
	if (match && !match[2]) throw new InputError(`The data URL of item ${itemIndex} is not base64-encoded`, 'Use a data URL of the form data:image/png;base64,...');
	if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(payload) || payload.length % 4 === 1) {
		throw new InputError(`"Base64 Image" of item ${itemIndex} is not valid base64`, 'Map it to a field holding only the base64 text (or a data: URL), without quotes or JSON around it');
	}
	const size = Math.floor((payload.length * 3) / 4);
	if (maxBytes > 0 && size > maxBytes) {
		throw new InputError(`"Base64 Image" of item ${itemIndex} is ${mb(size)}, over the ${mb(maxBytes)} limit`, 'Use a smaller image, or raise "Max Image Size (MB)"');
	}
	return inlineImage(Buffer.from(payload, 'base64'), `"Base64 Image" of item ${itemIndex}`, match?.[1]);
}

/** Downloads http(s) URLs in n8n and sends them inline; data: URLs pass through. */
export async function inlineUrls(
	urls: string[],
	itemIndex: number,
	maxBytes: number,
	signal: AbortSignal | undefined,
	allowUnauthorizedCerts: boolean,
): Promise<ImageSource[]> {
	const images: ImageSource[] = [];
	for (const url of urls) {
		if (url.startsWith('data:')) {
			images.push(url);
			continue;
		}
		const { bytes, contentType } = await downloadImage(url, { maxBytes: maxBytes || Number.MAX_SAFE_INTEGER, timeoutMs: 30_000, maxRedirects: 5, signal, allowUnauthorizedCerts });
		images.push(inlineImage(bytes, `The download of ${shorten(url)} (item ${itemIndex})`, contentType.split(';')[0]));
	}
	return images;
}
