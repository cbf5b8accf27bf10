/**
 * The messages n8n's memory nodes hold (LangChain messages from n8n's own @langchain/core, read
 * by shape only: this package does not depend on LangChain) as conversation turns, and back.
 *
 * A saved user message is the prompt text, a marker line saying how many images went with it
 * (`[image attached]`, `[2 images attached]`), and the kept images as standard LangChain image
 * blocks (`{type: 'image', mimeType, data}` or `{type: 'image', url}`), which LangChain's own
 * memories store as they are and n8n's AI-node SDK memories convert to and from file blocks.
 * The marker is plain text, so a memory that keeps only text still says that a picture was there.
 */

export interface Turn {
	role: 'user' | 'assistant' | 'system';
	text: string;
	/** data: or http(s) URLs of the images the message carries. */
	images: string[];
	/** How many images the marker says the message had (0 without a marker). */
	attached: number;
}

/** One image as it is kept in the memory. */
export type KeptImage = { mimeType: string; base64: string } | { url: string };

const MARKER = /\n?\[(image|\d+ images) attached\]\s*$/;

export function markerFor(count: number): string {
	return count === 1 ? '[image attached]' : `[${count} images attached]`;
}

/** The text of a saved user message: the prompt, then the marker line when images went with it. */
export function savedText(prompt: string, imageCount: number): string {
	if (imageCount === 0) return prompt;
	return prompt ? `${prompt}\n${markerFor(imageCount)}` : markerFor(imageCount);
}

/** The content of a saved user message. */
export function savedContent(prompt: string, imageCount: number, kept: KeptImage[]): unknown {
	const text = savedText(prompt, imageCount);
	if (kept.length === 0) return text;
	return [{ type: 'text', text }, ...kept.map((image) => ('url' in image ? { type: 'image', url: image.url } : { type: 'image', mimeType: image.mimeType, data: image.base64 }))];
}

interface MessageLike {
	content?: unknown;
	type?: unknown;
	role?: unknown;
	tool_calls?: unknown[];
	_getType?: () => string;
	getType?: () => string;
}

const ROLE_OF: Record<string, Turn['role']> = { human: 'user', user: 'user', ai: 'assistant', assistant: 'assistant', system: 'system' };

function typeOf(message: MessageLike): string {
	if (typeof message.getType === 'function') return message.getType();
	if (typeof message._getType === 'function') return message._getType();
	return String(message.type ?? message.role ?? '');
}

/**
 * A memory's message as a turn; undefined for what a chat-completions request cannot replay on
 * its own (tool calls and results an AI Agent sharing the memory saved, empty messages).
 */
export function turnOf(raw: unknown): Turn | undefined {
	if (typeof raw !== 'object' || raw === null) return undefined;
	const message = raw as MessageLike;
	const role = ROLE_OF[typeOf(message)];
	if (!role) return undefined;
	const texts: string[] = [];
	const images: string[] = [];
	const parts = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : Array.isArray(message.content) ? message.content : [];
	for (const part of parts as Array<Record<string, unknown>>) {
		if (part?.type === 'text' && typeof part.text === 'string') texts.push(part.text);
		else if (role === 'user') {
			const url = imageUrlOf(part);
			if (url) images.push(url);
		}
	}
	const text = texts.join('\n');
	const marker = MARKER.exec(text);
	const attached = marker ? (marker[1] === 'image' ? 1 : Number.parseInt(marker[1], 10)) : 0;
	if (!text.trim() && images.length === 0) return undefined;
	if (role === 'assistant' && !text.trim()) return undefined;
	return { role, text, images, attached };
}

/** The URL of an image part in any of the shapes LangChain and n8n use; undefined for other parts. */
function imageUrlOf(part: Record<string, unknown> | undefined): string | undefined {
	if (!part || typeof part !== 'object') return undefined;
	if (part.type === 'image_url') {
		const value = part.image_url as unknown;
		const url = typeof value === 'string' ? value : (value as { url?: unknown } | undefined)?.url;
		return typeof url === 'string' ? url : undefined;
	}
	const mimeType = (part.mimeType ?? part.mime_type) as unknown;
	const isImage = part.type === 'image' || (part.type === 'file' && typeof mimeType === 'string' && mimeType.startsWith('image/'));
	if (!isImage) return undefined;
	if (typeof part.data === 'string' && part.data && part.source_type !== 'url') {
		return part.data.startsWith('data:') ? part.data : `data:${typeof mimeType === 'string' ? mimeType : 'image/jpeg'};base64,${part.data}`;
	}
	const url = part.url ?? (part.source_type === 'url' ? part.data : undefined);
	return typeof url === 'string' && url ? url : undefined;
}
