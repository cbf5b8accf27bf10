import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { InlineImage } from '../stream/request/body';
import { sniffType } from './imageType';
import { InputError } from '../helpers/inputError';
import type { VisionChatOptions } from '../description/options';
import { isPdf, pdfContent, type DocumentReport } from '../documents/pdfContent';

/** A page's text from a PDF's text layer, sent as a text part. */
export interface TextContent {
	type: 'text';
	text: string;
}

/** A whole document sent as a chat-completions `file` part. */
export interface FileContent {
	type: 'file';
	filename: string;
	data: InlineImage;
}

/** What the request carries after the prompt: an image URL, inline image bytes, page text, or a file. */
export type ImageSource = string | InlineImage | TextContent | FileContent;

export interface GatheredImages {
	images: ImageSource[];
	/** Things the user should know about, reported as `warnings` on the result. */
	notes: string[];
	/** What was sent of each PDF. */
	documents?: DocumentReport[];
}

/** What an image source needs to read one item's images. */
export interface SourceContext {
	ctx: IExecuteFunctions;
	item: INodeExecutionData;
	itemIndex: number;
	options: VisionChatOptions;
	signal: AbortSignal;
	/** 0 = no limit. */
	maxBytes: number;
}

/** One value of "Image Input": its form fields and how it reads an item's images. */
export interface ImageSourceKind {
	value: string;
	name: string;
	description: string;
	/** Appended to the model name in the canvas subtitle. */
	subtitle: string;
	/** Shown only when this source is chosen. */
	fields: INodeProperties[];
	read(source: SourceContext): Promise<GatheredImages>;
}

export function shorten(text: string): string {
	return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;

/** Checks that bytes are an image and wraps them for the request body. */
export function inlineImage(bytes: Uint8Array, what: string, declaredType: string | undefined): InlineImage {
	const sniffed = sniffType(bytes);
	if (!sniffed?.isImage) {
		const found = sniffed?.mimeType ?? (declaredType && declaredType !== 'application/octet-stream' ? `${declaredType} (declared)` : 'unknown');
		throw new InputError(
			`${what} is not an image (type found: ${found})`,
			'Send PNG, JPEG, GIF or WebP images, or PDF documents. Convert other files to an image first (e.g. with the Edit Image node).',
		);
	}
	return new InlineImage(sniffed.mimeType, bytes);
}

/**
 * Bytes from any source as content: a PDF becomes pages, text or a file part (as "PDF Mode"
 * says), anything else must be an image. Collects into `into`.
 */
export async function addContent(into: GatheredImages, bytes: Uint8Array, what: string, declaredType: string | undefined, fileName: string | undefined, options: VisionChatOptions): Promise<void> {
	if (isPdf(bytes)) {
		const document = await pdfContent(bytes, fileName, options, what);
		into.images.push(...document.parts);
		into.notes.push(...document.notes);
		(into.documents ??= []).push(document.report);
		return;
	}
	into.images.push(inlineImage(bytes, what, declaredType));
}
