/** Shapes of what OpenAI-compatible servers send; every field optional because relays differ. */

export interface ToolCallDelta {
	index?: number;
	id?: string;
	type?: string;
	function?: { name?: string; arguments?: string };
}

/** One typed piece of `delta.content` when a provider streams content as a list (Mistral's Magistral). */
export interface ContentPart {
	type?: string;
	text?: string;
	thinking?: string | ContentPart[];
	[key: string]: unknown;
}

export interface ChunkDelta {
	role?: string;
	content?: string | ContentPart[] | null;
	refusal?: string | null;
	reasoning_content?: string | null;
	reasoning?: string | null;
	tool_calls?: ToolCallDelta[] | null;
}

export interface ChunkChoice {
	index?: number;
	delta?: ChunkDelta | null;
	finish_reason?: string | null;
}

export interface Usage {
	prompt_tokens?: number;
	completion_tokens?: number;
	total_tokens?: number;
	[key: string]: unknown;
}

export interface ChatCompletionChunk {
	id?: string;
	object?: string;
	created?: number;
	model?: string;
	system_fingerprint?: string | null;
	choices?: ChunkChoice[] | null;
	usage?: Usage | null;
	/** Groq puts usage here instead of at the top level. */
	x_groq?: { usage?: Usage | null; [key: string]: unknown } | null;
	[key: string]: unknown;
}

/** A non-streamed `chat.completion`, which some servers answer even when asked to stream. */
export interface ChatCompletion {
	id?: string;
	object?: string;
	created?: number;
	model?: string;
	system_fingerprint?: string | null;
	choices?: Array<{
		index?: number;
		message?: {
			role?: string;
			content?: string | ContentPart[] | null;
			refusal?: string | null;
			reasoning_content?: string | null;
			reasoning?: string | null;
			tool_calls?: ToolCall[] | null;
		};
		finish_reason?: string | null;
	}>;
	usage?: Usage | null;
}

export interface ToolCall {
	id: string;
	type: string;
	function: { name: string; arguments: string };
}

export interface ChoiceResult {
	index: number;
	text: string;
	finishReason: string | null;
	toolCalls?: ToolCall[];
	reasoning?: string;
	/** Why the model declined (OpenAI structured-output refusals). */
	refusal?: string;
}

export type CompletionSignal = 'done' | 'finish_reason' | 'non_streamed';

export interface ChatStreamResult {
	id?: string;
	model?: string;
	created?: number;
	systemFingerprint?: string;
	/** Choices in index order. */
	choices: ChoiceResult[];
	usage?: Usage;
	chunkCount: number;
	/** What told us the answer was complete. */
	completion: CompletionSignal;
	/** From sending the request to the first chunk that carried answer content (or the first chunk). */
	timeToFirstTokenMs: number | null;
	durationMs: number;
	/** Attempts made, including the successful one. */
	attempts: number;
	/** Things the user should know that did not fail the request (refusals, unknown content parts). */
	warnings?: string[];
}
