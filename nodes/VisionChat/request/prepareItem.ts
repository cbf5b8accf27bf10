import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { imageSourceFor } from '../sources';
import { renderedPages, type DocumentReport } from '../documents/pdfContent';
import { buildChatRequest, imagePart } from './chatBody';
import type { VisionChatOptions } from '../description/options';
import { InlineImage } from '../stream/request/body';
import { resizeImage, resizeRequested, type ResizeOptions } from '../sources/resize/resize';
import { bringsNoImage, type Conversation } from '../conversation';

export interface PreparedRequest {
	body: IDataObject;
	notes: string[];
	/** Bytes before and after resizing, per inline image, when resizing is on. */
	imageSizes?: IDataObject[];
	/** What was sent of each PDF. */
	documents?: DocumentReport[];
}

/** One item's parameters and images -> the request body. Images are read here, per item, so memory stays bounded. */
export async function prepareRequest(
	ctx: IExecuteFunctions,
	item: INodeExecutionData,
	itemIndex: number,
	options: VisionChatOptions,
	signal: AbortSignal,
	conversation?: Conversation,
): Promise<PreparedRequest> {
	const model = ctx.getNodeParameter('model', itemIndex, '', { extractValue: true }) as string;
	const prompt = ctx.getNodeParameter('prompt', itemIndex, '') as string;
	const systemPrompt = ctx.getNodeParameter('systemPrompt', itemIndex, '') as string;
	const imageInput = ctx.getNodeParameter('imageInput', itemIndex, 'binary') as string;
	const maxBytes = (options.maxImageSizeMb ?? 20) * 1048576;
	// In a conversation, a message without an image is a follow-up, not an error.
	const followUp = conversation !== undefined && bringsNoImage(ctx, item, itemIndex, imageInput);
	const { images, notes, documents } = followUp ? { images: [], notes: [], documents: undefined } : await imageSourceFor(imageInput).read({ ctx, item, itemIndex, options, signal, maxBytes });
	let imageSizes: IDataObject[] | undefined;
	const resize: ResizeOptions = { maxEdge: options.resizeMaxEdge ?? 0, format: options.reencodeFormat ?? 'keep', quality: options.reencodeQuality ?? 85 };
	if (resizeRequested(resize)) {
		imageSizes = [];
		// One at a time: a decoded 20 MB photo is large, several at once would be larger.
		for (let i = 0; i < images.length; i++) {
			const image = images[i];
			// Rendered PDF pages already have their size and format.
			if (!(image instanceof InlineImage) || renderedPages.has(image)) continue;
			const outcome = await resizeImage(image, resize);
			images[i] = outcome.image;
			const size: IDataObject = { bytesBefore: outcome.bytesBefore, bytesAfter: outcome.bytesAfter, resized: outcome.resized };
			if (outcome.note) size.note = outcome.note;
			imageSizes.push(size);
		}
	}
	const history = conversation?.history(prompt, images, (url) => imagePart(url, options));
	const body = buildChatRequest({ model: String(model ?? ''), prompt, systemPrompt, images, options, history }) as IDataObject;
	return { body, notes, imageSizes, documents };
}
