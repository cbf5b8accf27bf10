import type { INodeProperties } from 'n8n-workflow';

/** How PDFs are turned into what the model reads. */
export interface DocumentOptions {
	pdfMode?: 'images' | 'file' | 'text';
	pdfPages?: string;
	pdfMaxPages?: number;
	pdfRenderLongEdge?: number;
}

export const DEFAULT_PDF_MAX_PAGES = 10;
// 1,600 px on the long edge is 137 dpi on A4 (145 on Letter): 6.5 pt print stays legible on digital
// pages and 200 dpi scans, while 2,000 px costs 72 % more bytes on text pages (docs/pdf-choice.md).
export const DEFAULT_PDF_LONG_EDGE = 1600;

/** Entries of the node's Options collection; parameter names are a public interface, never rename one. */
export const documentOptionFields: INodeProperties[] = [
	{
		displayName: 'PDF Max Pages',
		name: 'pdfMaxPages',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: DEFAULT_PDF_MAX_PAGES,
		description: 'Without a page selection only the first pages are sent (the result says which were not); a selection longer than this is an error',
	},
	{
		displayName: 'PDF Mode',
		name: 'pdfMode',
		type: 'options',
		default: 'images',
		description: 'How a PDF reaches the model',
		options: [
			{ name: 'Page Images', value: 'images', description: 'Each selected page rendered to an image: works with every vision model' },
			{ name: 'PDF File', value: 'file', description: 'The PDF itself as a file part (OpenAI, OpenRouter and others that accept files)' },
			{ name: 'Text Layer', value: 'text', description: 'The text of each page (cheap, for digital PDFs); a page without text is sent as an image' },
		],
	},
	{
		displayName: 'PDF Pages',
		name: 'pdfPages',
		type: 'string',
		default: '',
		placeholder: 'e.g. 1-3, 5, 8-',
		description: 'Which pages to send. Empty: all, up to PDF Max Pages.',
	},
	{
		displayName: 'PDF Render Long Edge (Px)',
		name: 'pdfRenderLongEdge',
		type: 'number',
		typeOptions: { minValue: 200, maxValue: 6000 },
		default: DEFAULT_PDF_LONG_EDGE,
		description: 'The long edge of a rendered page in pixels; try 2000 for dense forms and fax-like scans with print of 6 pt or less. Pages are PNG (sharp small print), or JPEG when Re-Encode Format is JPEG (suits scans).',
	},
];
