import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { InlineImage } from './stream/body';
import { sniffType } from './imageType';
import { InputError } from './inputError';
import type { ImageSource } from './request';

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

/**
 * Reads the named binary properties of an item with n8n's helpers (memory, filesystem or
 * S3 binary modes alike) and checks that each really is an image.
 */
export async function readBinaryImages(
	ctx: IExecuteFunctions,
	item: INodeExecutionData,
	itemIndex: number,
	propertyNames: string,
	maxBytes: number,
): Promise<ImageSource[]> {
	const names = propertyNames
		.split(',')
		.map((name) => name.trim())
		.filter(Boolean);
	if (names.length === 0) throw new InputError('"Binary Property" is empty', 'Enter the name of the binary property holding the image, usually "data"');
	const available = Object.keys(item.binary ?? {});
	const images: ImageSource[] = [];
	for (const name of names) {
		const binary = item.binary?.[name];
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
			const size = binary.id
				? (await ctx.helpers.getBinaryMetadata(binary.id)).fileSize
				: Math.floor((binary.data.length * 3) / 4);
			if (size > maxBytes) throw tooLarge(name, itemIndex, size, maxBytes);
		}
		const bytes = await ctx.helpers.getBinaryDataBuffer(itemIndex, name);
		if (maxBytes > 0 && bytes.length > maxBytes) throw tooLarge(name, itemIndex, bytes.length, maxBytes);
		const sniffed = sniffType(bytes);
		if (!sniffed?.isImage) {
			const found = sniffed?.mimeType ?? (binary.mimeType && binary.mimeType !== 'application/octet-stream' ? `${binary.mimeType} (declared)` : 'unknown');
			throw new InputError(
				`Binary property "${name}" of item ${itemIndex} is not an image (type found: ${found}${binary.fileName ? `, file ${binary.fileName}` : ''})`,
				'Send PNG, JPEG, GIF or WebP images. Convert other files to an image first (e.g. with the Edit Image node).',
			);
		}
		images.push(new InlineImage(sniffed.mimeType, bytes));
	}
	return images;
}

function tooLarge(name: string, itemIndex: number, size: number, maxBytes: number): InputError {
	const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
	return new InputError(
		`Binary property "${name}" of item ${itemIndex} is ${mb(size)}, over the ${mb(maxBytes)} limit`,
		'Resize the image first (e.g. with the Edit Image node), or raise "Max Image Size (MB)" if your provider accepts larger images',
	);
}
