import type { ChunkDelta, ContentPart } from '../types';

/**
 * Mistral's Magistral models stream `delta.content` as a list of typed parts instead of a
 * string: `text` parts belong to the answer, `thinking` parts to the reasoning. Any other
 * type is reported, never silently turned into text.
 */
export interface SplitContent {
	text: string;
	reasoning: string;
	/** Types of parts this module does not read, in order of arrival. */
	unknownTypes: string[];
}

export function splitContentParts(parts: ContentPart[]): SplitContent {
	let text = '';
	let reasoning = '';
	const unknownTypes: string[] = [];
	for (const part of parts) {
		if (typeof part === 'string') {
			text += part;
			continue;
		}
		if (!part || typeof part !== 'object') continue;
		const kind = partKind(part);
		if (kind === 'text') text += part.text ?? '';
		else if (kind === 'thinking') reasoning += thinkingText(part.thinking ?? part.text);
		else unknownTypes.push(String(part.type));
	}
	return { text, reasoning, unknownTypes };
}

/** Whether a content part is answer text, reasoning, or a type the node does not read. */
export function partKind(part: ContentPart | string): 'text' | 'thinking' | 'unknown' {
	if (typeof part === 'string') return 'text';
	if (part.type === 'text' || (part.type === undefined && typeof part.text === 'string')) return 'text';
	if (part.type === 'thinking' || part.type === 'reasoning') return 'thinking';
	return 'unknown';
}

function thinkingText(thinking: unknown): string {
	if (typeof thinking === 'string') return thinking;
	if (!Array.isArray(thinking)) return '';
	let text = '';
	for (const piece of thinking) {
		if (typeof piece === 'string') text += piece;
		else if (piece && typeof (piece as ContentPart).text === 'string') text += (piece as ContentPart).text;
	}
	return text;
}

/** The answer text a delta carries, whether its content is a string or a list of parts. */
export function deltaText(delta: ChunkDelta | null | undefined): string {
	const content = delta?.content;
	if (typeof content === 'string') return content;
	if (Array.isArray(content)) return splitContentParts(content).text;
	return '';
}

/** The reasoning a delta carries, under any of the names providers use. */
export function deltaReasoning(delta: ChunkDelta | null | undefined): string {
	if (!delta) return '';
	// DeepSeek/vLLM say reasoning_content, OpenRouter and Ollama say reasoning, Magistral uses thinking parts.
	const named = delta.reasoning_content ?? delta.reasoning;
	if (typeof named === 'string' && named) return named;
	return Array.isArray(delta.content) ? splitContentParts(delta.content).reasoning : '';
}
