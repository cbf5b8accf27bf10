import type { INodeProperties } from 'n8n-workflow';

/** How images are checked, fetched, shrunk and referenced in the request. */
export interface ImageOptions {
	detail?: 'auto' | 'low' | 'high';
	imageUrlFormat?: 'object' | 'string';
	maxImageSizeMb?: number;
	downloadImages?: boolean;
	resizeMaxEdge?: number;
	reencodeFormat?: 'keep' | 'jpeg' | 'webp';
	reencodeQuality?: number;
}

/** Entries of the node's Options collection; parameter names are a public interface, never rename one. */
export const imageOptionFields: INodeProperties[] = [
	{
		displayName: 'Download Images',
		name: 'downloadImages',
		type: 'boolean',
		default: false,
		description: 'Whether n8n downloads http(s) image URLs itself and sends them inline, for private URLs or providers that cannot fetch images. Size-limited by "Max Image Size (MB)".',
		displayOptions: { show: { '/imageInput': ['url'] } },
	},
	{
		displayName: 'Image Detail',
		name: 'detail',
		type: 'options',
		default: 'auto',
		description: 'How closely the model looks at the images. Low uses a fixed small number of tokens per image and is fastest; High tiles the image and can cost several times more.',
		options: [
			{ name: 'Auto', value: 'auto' },
			{ name: 'Low', value: 'low' },
			{ name: 'High', value: 'high' },
		],
	},
	{
		displayName: 'Image URL Format',
		name: 'imageUrlFormat',
		type: 'options',
		default: 'object',
		description: 'How each image is written in the request. Some local servers only accept the bare string form.',
		options: [
			{ name: 'Object {url, detail} (OpenAI)', value: 'object' },
			{ name: 'Bare String', value: 'string' },
		],
	},
	{
		displayName: 'Max Image Size (MB)',
		name: 'maxImageSizeMb',
		type: 'number',
		typeOptions: { minValue: 0, numberPrecision: 1 },
		default: 20,
		description: 'Images larger than this are refused before anything is uploaded. 0 means no limit.',
	},
	{
		displayName: 'Re-Encode Format',
		name: 'reencodeFormat',
		type: 'options',
		default: 'keep',
		description: 'Convert images before sending. JPEG and WebP are much smaller than PNG for photos. Needs the optional "sharp" package (see the README).',
		options: [
			{ name: 'Keep', value: 'keep' },
			{ name: 'JPEG', value: 'jpeg' },
			{ name: 'WebP', value: 'webp' },
		],
	},
	{
		displayName: 'Re-Encode Quality',
		name: 'reencodeQuality',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 100 },
		default: 85,
		description: 'JPEG/WebP quality (1–100) used when an image is re-encoded or downscaled',
	},
	{
		displayName: 'Resize Long Edge To (Px)',
		name: 'resizeMaxEdge',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 0,
		description: 'Downscale images whose long edge is larger than this, e.g. 1568 or 2048 (models rarely look closer). 0 = off. Animated GIFs and smaller images are left alone. Needs the optional "sharp" package (see the README).',
	},
];
