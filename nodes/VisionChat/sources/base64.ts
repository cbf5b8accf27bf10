import { InputError } from '../helpers/inputError';
import { addContent, mb, type GatheredImages, type ImageSourceKind } from './imageSource';

export const base64Source: ImageSourceKind = {
	value: 'base64',
	name: 'Base64 Text',
	description: 'A base64 string or data: URL held in a field of the input item',
	subtitle: ' · base64',
	fields: [
		{
			displayName: 'Base64 Image',
			name: 'base64Image',
			type: 'string',
			default: '={{ $json.image }}',
			// Checked when the node runs: n8n's pre-run check cannot see through an expression in Image Input.
			placeholder: 'e.g. {{ $json.image }}',
			description: 'The image as base64 text or a data: URL, usually an expression pointing at a field of the input item. Whitespace is ignored; the type is read from the bytes.',
		},
	],
	async read({ ctx, itemIndex, maxBytes, options }) {
		const { bytes, declaredType } = decodeBase64Input(ctx.getNodeParameter('base64Image', itemIndex, ''), itemIndex, maxBytes);
		const gathered: GatheredImages = { images: [], notes: [] };
		await addContent(gathered, bytes, `"Base64 Image" of item ${itemIndex}`, declaredType, undefined, options);
		return gathered;
	},
};

/** A base64 string or data: URL from a field of the item, as upstream APIs often hand images over. */
export function decodeBase64Input(value: unknown, itemIndex: number, maxBytes: number): { bytes: Buffer; declaredType?: string } {
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
	return { bytes: Buffer.from(payload, 'base64'), declaredType: match?.[1] };
}
