import { InlineImage } from '../stream/request/body';
import { InputError } from '../helpers/inputError';
import type { VisionChatOptions } from '../description/options';
import type { ImageSource } from '../sources/imageSource';
import { DEFAULT_PDF_LONG_EDGE, DEFAULT_PDF_MAX_PAGES } from './documentOptions';
import { choosePages } from './pageSelection';
import { closePage, openPdf, type PdfDocument, type PdfPage } from './pdfium';
import { encodePng } from './pngEncode';
import { encodeJpeg } from './jpegEncode';

/** What went out for one PDF, reported on the Result item. */
export interface DocumentReport {
	pages: number;
	sent: number[];
	mode: string;
	bytesSent: number;
}

export interface DocumentContent {
	parts: ImageSource[];
	report: DocumentReport;
	notes: string[];
}

/** Page images made here are final: the resize step leaves them alone. */
export const renderedPages = new WeakSet<InlineImage>();

export function isPdf(bytes: Uint8Array): boolean {
	return bytes.length >= 5 && bytes[0] === 0x25 && bytes[1] === 0x50 && bytes[2] === 0x44 && bytes[3] === 0x46 && bytes[4] === 0x2d;
}

/** A PDF as content parts: page images, the file itself, or page text, as "PDF Mode" says. */
export async function pdfContent(bytes: Uint8Array, fileName: string | undefined, options: VisionChatOptions, where: string): Promise<DocumentContent> {
	const mode = options.pdfMode ?? 'images';
	const maxPages = options.pdfMaxPages ?? DEFAULT_PDF_MAX_PAGES;
	const document = await openPdf(bytes, where);
	try {
		const pageCount = document.getPageCount();
		if (mode === 'file') {
			const notes = options.pdfPages?.trim() ? [`${where}: PDF Mode "PDF File" sends the whole document, so "PDF Pages" was not applied`] : [];
			const part: ImageSource = { type: 'file', filename: fileName || 'document.pdf', data: new InlineImage('application/pdf', bytes) };
			return { parts: [part], notes, report: { pages: pageCount, sent: range(pageCount), mode, bytesSent: bytes.length } };
		}
		const choice = choosePages(options.pdfPages, pageCount, maxPages, where);
		const notes = choice.leftOut ? [`${where}: pages ${choice.leftOut} of ${pageCount} were not sent ("PDF Max Pages" is ${maxPages}; choose pages with "PDF Pages")`] : [];
		const parts: ImageSource[] = [];
		const withoutText: number[] = [];
		let bytesSent = 0;
		// One page at a time: a rendered page is megabytes of pixels until it is encoded.
		for (const number of choice.pages) {
			const page = document.getPage(number - 1);
			if (mode === 'text') {
				const text = page.getText().replace(/\r\n/g, '\n').trim();
				if (text) {
					closePage(page);
					const part = `[Page ${number}]\n${text}`;
					parts.push({ type: 'text', text: part });
					bytesSent += Buffer.byteLength(part);
					continue;
				}
				withoutText.push(number);
			}
			const image = await renderPage(page, options);
			parts.push(image);
			bytesSent += image.byteLength;
		}
		if (withoutText.length > 0) notes.push(`${where}: page${withoutText.length > 1 ? 's' : ''} ${withoutText.join(', ')} ha${withoutText.length > 1 ? 've' : 's'} no text layer and ${withoutText.length > 1 ? 'were' : 'was'} sent as ${withoutText.length > 1 ? 'images' : 'an image'}`);
		return { parts, notes, report: { pages: pageCount, sent: choice.pages, mode, bytesSent } };
	} finally {
		(document as PdfDocument).destroy();
	}
}

async function renderPage(page: PdfPage, options: VisionChatOptions): Promise<InlineImage> {
	const longEdge = options.pdfRenderLongEdge ?? DEFAULT_PDF_LONG_EDGE;
	if (!Number.isFinite(longEdge) || longEdge < 200 || longEdge > 6000) {
		throw new InputError(`"PDF Render Long Edge (Px)" is ${String(longEdge)}, outside 200 to 6000`, 'Use about 1600 for A4 or Letter pages');
	}
	const { originalWidth, originalHeight } = page.getOriginalSize();
	// Exact pixel sizes: a scale alone is applied to a rounded-down page size (1598 instead of 1600).
	const scale = longEdge / Math.max(originalWidth, originalHeight);
	const bitmap = await page.render({ width: Math.round(originalWidth * scale), height: Math.round(originalHeight * scale), scale: 1, render: 'bitmap' });
	const jpeg = options.reencodeFormat === 'jpeg';
	const encoded = jpeg
		? encodeJpeg(bitmap.data, bitmap.width, bitmap.height, options.reencodeQuality ?? 85)
		: await encodePng(bitmap.data, bitmap.width, bitmap.height);
	const image = new InlineImage(jpeg ? 'image/jpeg' : 'image/png', encoded);
	renderedPages.add(image);
	return image;
}

function range(count: number): number[] {
	return Array.from({ length: count }, (_, i) => i + 1);
}
