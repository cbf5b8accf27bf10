import { downloadImage } from '../stream/transport/download';
import { InputError } from '../helpers/inputError';
import { addContent, shorten, type GatheredImages, type ImageSourceKind } from './imageSource';
import type { VisionChatOptions } from '../description/options';

export const urlSource: ImageSourceKind = {
	value: 'url',
	name: 'Image URL',
	description: 'Public http(s) URLs or data: URLs, e.g. from a previous node',
	subtitle: ' · URL',
	fields: [
		{
			displayName: 'Image URLs',
			name: 'imageUrls',
			type: 'string',
			typeOptions: { rows: 2 },
			default: '',
			// Checked when the node runs: n8n's pre-run check cannot see through an expression in Image Input.
			placeholder: 'e.g. https://example.com/photo.jpg',
			description: 'One or more image URLs (http, https or data:), separated by commas or new lines',
		},
	],
	async read({ ctx, itemIndex, options, signal, maxBytes }) {
		const urls = parseImageUrls(ctx.getNodeParameter('imageUrls', itemIndex, ''));
		if (urls.length === 0) throw new InputError('"Image URLs" is empty', 'Enter at least one image URL, or switch "Image Input" to None');
		if (!options.downloadImages) {
			const pdf = urls.find(looksLikePdf);
			if (pdf) {
				throw new InputError(`"${shorten(pdf)}" (item ${itemIndex}) is a PDF, which a provider cannot fetch as an image URL`, 'Turn on "Download Images": the node then downloads the PDF and sends its pages');
			}
			return { images: urls, notes: [] };
		}
		return await inlineUrls(urls, itemIndex, maxBytes, signal, options);
	},
};

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

/** Downloads http(s) URLs in n8n and sends them inline (PDFs as their pages); data: URLs pass through. */
export async function inlineUrls(urls: string[], itemIndex: number, maxBytes: number, signal: AbortSignal | undefined, options: VisionChatOptions): Promise<GatheredImages> {
	const gathered: GatheredImages = { images: [], notes: [] };
	for (const url of urls) {
		if (url.startsWith('data:')) {
			gathered.images.push(url);
			continue;
		}
		const { bytes, contentType } = await downloadImage(url, {
			maxBytes: maxBytes || Number.MAX_SAFE_INTEGER,
			timeoutMs: 30_000,
			maxRedirects: 5,
			signal,
			allowUnauthorizedCerts: options.allowUnauthorizedCerts === true,
		});
		const fileName = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '') || undefined;
		await addContent(gathered, bytes, `The download of ${shorten(url)} (item ${itemIndex})`, contentType.split(';')[0], fileName, options);
	}
	return gathered;
}

function looksLikePdf(url: string): boolean {
	return !url.startsWith('data:') && URL.canParse(url) && /\.pdf$/i.test(new URL(url).pathname);
}
