/**
 * A conversation around one item: the earlier turns (the `messages` option, then the connected
 * memory's window), which of its images go out again, and, after a successful answer, the turn
 * saved to the memory. Without a memory and without `messages` there is none, and nothing changes.
 */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import type { VisionChatOptions } from '../description/options';
import type { ImageSource } from '../sources/imageSource';
import { parseImageUrls } from '../sources/urls';
import { DEFAULT_REUSE_IMAGES_MAX } from './conversationOptions';
import { earlierMessages, type ChatMessage } from './earlierMessages';
import { picturesOf, keepPictures, replayHistory } from './imageReuse';
import { connectedMemory, loadTurns, saveTurn, type ChatMemoryLike } from './memory';
import type { Turn } from './memoryMessages';

export type { ChatMessage } from './earlierMessages';

export class Conversation {
	private prompt = '';
	private pictures: ReturnType<typeof picturesOf> = [];
	/** Notes for the Result item's `warnings`. */
	readonly notes: string[];
	/** Images re-sent from the memory, for the Result item. */
	reused = 0;

	private constructor(
		private readonly memory: ChatMemoryLike | undefined,
		private readonly given: ChatMessage[],
		private readonly turns: Turn[],
		notes: string[],
		private readonly reuse: { images: boolean; max: number },
	) {
		this.notes = [...notes];
	}

	/** Reads the `messages` option and the memory's window; undefined when there is neither. */
	static async open(ctx: IExecuteFunctions, itemIndex: number, options: VisionChatOptions): Promise<Conversation | undefined> {
		const given = earlierMessages(options.messages);
		const memory = await connectedMemory(ctx, itemIndex);
		if (!memory && given.length === 0) return undefined;
		const { turns, notes } = memory ? await loadTurns(memory) : { turns: [], notes: [] };
		const max = Number(options.reuseImagesMax ?? DEFAULT_REUSE_IMAGES_MAX);
		const reuse = { images: options.reuseImages !== false, max: Number.isFinite(max) && max > 0 ? Math.floor(max) : 0 };
		return new Conversation(memory, given, turns, notes, reuse);
	}

	/**
	 * The messages that go between the system prompt and the new user message. Remembers the
	 * prompt and the images sent, for `save`.
	 */
	history(prompt: string, images: ImageSource[], imagePart: (url: string) => Record<string, unknown>): ChatMessage[] {
		this.prompt = prompt;
		this.pictures = picturesOf(images);
		const plan = replayHistory(this.turns, { images: this.reuse.images && images.length === 0, max: this.reuse.max }, imagePart);
		this.reused = plan.reused;
		this.notes.push(...plan.notes);
		return [...this.given, ...plan.messages];
	}

	/** After a successful answer: adds the turn to the memory. An empty answer is not saved. Returns notes. */
	async save(answer: string): Promise<string[]> {
		if (!this.memory || !answer.trim()) return [];
		const { kept, notes } = this.reuse.images ? await keepPictures(this.pictures, this.reuse.max) : { kept: [], notes: [] };
		notes.push(...(await saveTurn(this.memory, this.prompt, this.pictures.length, kept, answer)));
		return notes;
	}
}

/**
 * True when the item brings no image for the chosen Image Input: in a conversation that is a
 * follow-up (the Chat Trigger's message without a file), not an error.
 */
export function bringsNoImage(ctx: IExecuteFunctions, item: INodeExecutionData, itemIndex: number, imageInput: string): boolean {
	if (imageInput === 'binary') return Object.keys(item.binary ?? {}).length === 0 && !item.json?._files;
	if (imageInput === 'url') return parseImageUrls(ctx.getNodeParameter('imageUrls', itemIndex, '')).length === 0;
	if (imageInput === 'base64') return !String(ctx.getNodeParameter('base64Image', itemIndex, '') ?? '').trim();
	return false;
}

/** Whether a Memory is connected: then items run one after another, each seeing the turns before. */
export function hasMemoryInput(ctx: IExecuteFunctions): boolean {
	if (ctx.getNode().type.endsWith('Tool') || typeof ctx.getParentNodes !== 'function') return false;
	try {
		return ctx.getParentNodes(ctx.getNode().name, { connectionType: NodeConnectionTypes.AiMemory, depth: 1 }).length > 0;
	} catch {
		return false;
	}
}
