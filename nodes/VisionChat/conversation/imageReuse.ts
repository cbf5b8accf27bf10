/**
 * Which images of the conversation are sent again, and the small copies kept in the memory.
 *
 * Only the most recent message that brought images keeps them in the replayed history (at most
 * "Re-Use Images Max"), where they were first sent; every other image of the history is left
 * out (its message still says `[image attached]`). A new message with images starts from those.
 * The copies kept in the memory are downscaled to KEPT_LONG_EDGE px JPEG (with sharp), and an
 * image larger than KEPT_MAX_BYTES is never kept: per picture message, the memory grows by at
 * most reuseImagesMax × KEPT_MAX_BYTES (base64 adds a third).
 */
import { InlineImage } from '../stream/request/body';
import type { ImageSource } from '../sources/imageSource';
import { resizeImage } from '../sources/resize/resize';
import { InputError } from '../helpers/inputError';
import type { ChatMessage } from './earlierMessages';
import type { KeptImage, Turn } from './memoryMessages';

export const KEPT_LONG_EDGE = 768;
export const KEPT_QUALITY = 80;
export const KEPT_MAX_BYTES = 300 * 1024;

export const TEXT_ONLY_WARNING =
	'The memory kept only the text of the earlier messages, not the picture: the model sees the earlier answers but not the picture. Attach the picture again, or use a memory node that stores message content as it is (Simple, Postgres or Redis Chat Memory).';

export interface ReplayPlan {
	messages: ChatMessage[];
	/** Images re-sent from the history. */
	reused: number;
	notes: string[];
}

/**
 * The history as chat-completions messages.
 * @param imagePart how the request writes one image (honours Image Detail and Image URL Format)
 */
export function replayHistory(turns: Turn[], reuse: { images: boolean; max: number }, imagePart: (url: string) => Record<string, unknown>): ReplayPlan {
	let source = -1;
	if (reuse.images && reuse.max > 0) {
		for (let i = turns.length - 1; i >= 0 && source < 0; i--) {
			if (turns[i].role === 'user' && (turns[i].images.length > 0 || turns[i].attached > 0)) source = i;
		}
	}
	const notes: string[] = [];
	let reused = 0;
	const messages = turns.map((turn, index): ChatMessage => {
		if (index !== source) return { role: turn.role, content: turn.text || '[image not sent again]' };
		const images = turn.images.slice(0, reuse.max);
		if (images.length === 0) {
			notes.push(TEXT_ONLY_WARNING);
			return { role: turn.role, content: turn.text };
		}
		reused = images.length;
		const content: Array<Record<string, unknown>> = turn.text ? [{ type: 'text', text: turn.text }] : [];
		for (const url of images) content.push(imagePart(url));
		return { role: turn.role, content };
	});
	return { messages, reused, notes };
}

/** The images of a message (not page text or document files). */
export function picturesOf(images: ImageSource[]): Array<string | InlineImage> {
	return images.filter((image): image is string | InlineImage => typeof image === 'string' || image instanceof InlineImage);
}

/** Small copies of the first `max` pictures, to keep in the memory; notes say what could not be kept. */
export async function keepPictures(pictures: Array<string | InlineImage>, max: number): Promise<{ kept: KeptImage[]; notes: string[] }> {
	const kept: KeptImage[] = [];
	const notes: string[] = [];
	for (const picture of pictures.slice(0, Math.max(0, max))) {
		const image = typeof picture === 'string' ? inlineFromDataUrl(picture) : picture;
		if (!image) {
			kept.push({ url: picture as string });
			continue;
		}
		const small = await downscaled(image, notes);
		if (small.byteLength > KEPT_MAX_BYTES) {
			notes.push(`An image of ${Math.round(small.byteLength / 1024)} KB was not kept for follow-up questions (over ${KEPT_MAX_BYTES / 1024} KB after downscaling)`);
			continue;
		}
		kept.push({ mimeType: small.mimeType, base64: Buffer.from(small.data).toString('base64') });
	}
	return { kept, notes };
}

async function downscaled(image: InlineImage, notes: string[]): Promise<InlineImage> {
	let failure: unknown;
	try {
		return (await resizeImage(image, { maxEdge: KEPT_LONG_EDGE, format: 'jpeg', quality: KEPT_QUALITY })).image;
	} catch (error) {
		failure = error;
	}
	// Without the optional sharp package, a small image is kept as it is.
	if (image.byteLength > KEPT_MAX_BYTES) {
		const hint = failure instanceof InputError && failure.hint ? ` ${failure.hint}` : '';
		notes.push(`Keeping a downscaled copy for follow-up questions needs sharp: ${(failure as Error).message}.${hint}`);
	}
	return image;
}

function inlineFromDataUrl(url: string): InlineImage | undefined {
	const match = /^data:(image\/[a-z0-9.+-]+);base64,(.*)$/is.exec(url);
	return match ? new InlineImage(match[1].toLowerCase(), Buffer.from(match[2].replace(/\s+/g, ''), 'base64')) : undefined;
}
