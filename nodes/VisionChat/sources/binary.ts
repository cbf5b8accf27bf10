import type { IBinaryData, IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { InlineImage } from '../stream/request/body';
import { sniffType } from './imageType';
import { InputError } from '../helpers/inputError';
import { addContent, inlineImage, mb, type GatheredImages, type ImageSourceKind } from './imageSource';
import { isPdf } from '../documents/pdfContent';
import type { VisionChatOptions } from '../description/options';

export const binarySource: ImageSourceKind = {
	value: 'binary',
	name: 'Binary File',
	description: 'Images attached to the input item (e.g. from a form upload, an email attachment or Read File)',
	subtitle: '',
	fields: [
		{
			displayName: 'Binary Property',
			name: 'binaryPropertyName',
			type: 'string',
			default: 'data',
			required: true,
			placeholder: 'e.g. data or data, attachment_0',
			description: 'Name of the binary property holding the image. Separate several names with commas to send several images in one message, or enter * to send every image on the item.',
		},
	],
	read: ({ ctx, item, itemIndex, maxBytes, options }) =>
		readBinaryImages(ctx, item, itemIndex, ctx.getNodeParameter('binaryPropertyName', itemIndex, 'data') as string, maxBytes, options),
};

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
	options: VisionChatOptions = {},
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
	const gathered: GatheredImages = { images: [], notes: [] };
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
		const read = () => ctx.helpers.getBinaryDataBuffer(itemIndex, item.binary?.[name] ? name : binary);
		// By name where n8n 1.x and 2.x both take it; the object itself for n8n 2.x's combined mode.
		const bytes = head ?? (await read());
		if (isPdf(bytes)) {
			// A PDF is read whole: its pages are rendered, its text or the file itself is sent.
			await addContent(gathered, head ? Buffer.from(binary.data, 'base64') : bytes, what, binary.mimeType, binary.fileName, options);
			continue;
		}
		if (all && !sniffType(bytes)?.isImage) {
			gathered.notes.push(`Skipped binary property "${name}"${binary.fileName ? ` (${binary.fileName})` : ''}: not an image or PDF`);
			continue;
		}
		const image = inlineImage(bytes, what, binary.mimeType);
		gathered.images.push(inMemory ? new InlineImage(image.mimeType, { base64: binary.data }) : image);
	}
	if (all && gathered.images.length === 0) {
		throw new InputError(`None of the binary properties of item ${itemIndex} is an image or PDF (${names.join(', ')})`, 'Send PNG, JPEG, GIF or WebP images, or PDF documents');
	}
	return gathered;
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
