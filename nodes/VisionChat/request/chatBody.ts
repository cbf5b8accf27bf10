import type { ImageSource } from '../sources/imageSource';
import type { VisionChatOptions } from '../description/options';
import { InputError } from '../helpers/inputError';
import { isPlainObject, parseJson } from '../helpers/jsonOption';
import { responseFormatOf } from '../structured/responseFormat';
import type { InlineImage } from '../stream/request/body';

export interface ChatRequestInput {
	model: string;
	prompt: string;
	systemPrompt?: string;
	images: ImageSource[];
	options: VisionChatOptions;
	/** Earlier turns of a conversation, sent between the system prompt and the new user message. */
	history?: Array<Record<string, unknown>>;
}

/** Builds the chat completions body; an option reaches the API only when the user set it. */
export function buildChatRequest(input: ChatRequestInput): Record<string, unknown> {
	const { options } = input;
	const model = input.model.trim();
	if (!model) throw new InputError('No model is selected', 'Pick a model in "Model", or enter its ID');
	const prompt = input.prompt ?? '';
	if (!prompt.trim() && input.images.length === 0) {
		throw new InputError('The prompt is empty and there is no image to send', 'Enter a prompt, or give the node an image');
	}

	const content: Array<Record<string, unknown>> = [];
	if (prompt.trim()) content.push({ type: 'text', text: prompt });
	for (const image of input.images) {
		if (typeof image === 'object' && 'type' in image) {
			content.push(image.type === 'text' ? { type: 'text', text: image.text } : { type: 'file', file: { filename: image.filename, file_data: image.data } });
			continue;
		}
		content.push(imagePart(image, options));
	}

	const messages: Array<Record<string, unknown>> = [];
	if (input.systemPrompt?.trim()) messages.push({ role: 'system', content: input.systemPrompt });
	if (input.history) messages.push(...input.history);
	messages.push({ role: 'user', content });

	const body: Record<string, unknown> = { model, messages, stream: true };
	setNumber(body, 'temperature', options.temperature, 'Temperature', 0, 2);
	setNumber(body, 'top_p', options.topP, 'Top P', 0, 1);
	setInteger(body, 'n', options.n, 'Number of Answers (N)', 1, 128);
	if (options.stop !== undefined && options.stop !== '') body.stop = parseStop(options.stop);
	setInteger(body, options.maxTokensField ?? 'max_tokens', options.maxTokens, 'Max Tokens', 1, Number.MAX_SAFE_INTEGER);
	setNumber(body, 'presence_penalty', options.presencePenalty, 'Presence Penalty', -2, 2);
	setNumber(body, 'frequency_penalty', options.frequencyPenalty, 'Frequency Penalty', -2, 2);
	if (options.logitBias !== undefined) {
		const bias = parseJson(options.logitBias, 'Logit Bias', 'a JSON object such as {"50256": -100}');
		if (!isPlainObject(bias)) throw new InputError('"Logit Bias" must be a JSON object', 'Use a JSON object such as {"50256": -100}');
		if (Object.keys(bias).length > 0) body.logit_bias = bias;
	}
	if (options.user) body.user = options.user;
	if (options.seed !== undefined) setInteger(body, 'seed', options.seed, 'Seed', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
	if (options.responseFormat !== undefined) body.response_format = responseFormatOf(options);
	if (options.tools !== undefined) {
		const tools = parseJson(options.tools, 'Tools', 'a JSON array of {"type": "function", "function": {...}} objects');
		if (!Array.isArray(tools)) throw new InputError('"Tools" must be a JSON array', 'Use a JSON array of {"type": "function", "function": {...}} objects');
		if (tools.length > 0) body.tools = tools;
	}
	if (options.toolChoice !== undefined && options.toolChoice !== '') body.tool_choice = toolChoice(options.toolChoice);
	if (options.includeUsage) body.stream_options = { include_usage: true };
	if (options.extraBody !== undefined) mergeExtraBody(body, options.extraBody);
	return body;
}

/** One image as a content part, as "Image URL Format" and "Image Detail" say. */
export function imagePart(image: string | InlineImage, options: VisionChatOptions): Record<string, unknown> {
	// Some local servers only take the bare string form; it cannot carry `detail`.
	if (options.imageUrlFormat === 'string') return { type: 'image_url', image_url: image };
	const imageUrl: Record<string, unknown> = { url: image };
	if (options.detail !== undefined) imageUrl.detail = options.detail;
	return { type: 'image_url', image_url: imageUrl };
}

/** Keys the node owns: overriding them from Extra Body would silently break the request. */
const OWNED_KEYS = ['model', 'messages', 'stream'];

function mergeExtraBody(body: Record<string, unknown>, extraBody: string | object): void {
	const extra = parseJson(extraBody, 'Extra Body', 'a JSON object such as {"top_k": 40}');
	if (extra === undefined) return;
	if (!isPlainObject(extra)) throw new InputError('"Extra Body" must be a JSON object', 'Enter a JSON object such as {"top_k": 40}');
	const owned = Object.keys(extra).filter((key) => OWNED_KEYS.includes(key));
	if (owned.length > 0) {
		throw new InputError(
			`"Extra Body" may not set ${owned.map((key) => `"${key}"`).join(', ')}`,
			'Set the model with "Model" and the messages with "Prompt", "System Prompt" and the images; the node always streams',
		);
	}
	Object.assign(body, extra);
}

function setNumber(body: Record<string, unknown>, key: string, value: number | undefined, label: string, min: number, max: number): void {
	if (value === undefined || value === null) return;
	if (typeof value !== 'number' || Number.isNaN(value) || value < min || value > max) {
		throw new InputError(`"${label}" is ${String(value)}, outside ${min} to ${max}`, `Set "${label}" between ${min} and ${max}`);
	}
	body[key] = value;
}

function setInteger(body: Record<string, unknown>, key: string, value: number | undefined, label: string, min: number, max: number): void {
	if (value === undefined || value === null) return;
	if (!Number.isInteger(value)) throw new InputError(`"${label}" must be a whole number, not ${String(value)}`, `Set "${label}" to a whole number`);
	setNumber(body, key, value, label, min, max);
}

function parseStop(stop: string): string | string[] {
	if (stop.trim().startsWith('[')) {
		const parsed = parseJson(stop, 'Stop Sequences', 'one sequence, or a JSON array of strings');
		if (!Array.isArray(parsed) || parsed.some((s) => typeof s !== 'string')) {
			throw new InputError('"Stop Sequences" must be one sequence or a JSON array of strings', 'For example ["END", "###"]');
		}
		if (parsed.length > 4) throw new InputError(`"Stop Sequences" has ${parsed.length} sequences; the API takes at most 4`, 'Keep up to 4 sequences');
		return parsed;
	}
	return stop;
}

function toolChoice(value: string): unknown {
	const trimmed = value.trim();
	if (['auto', 'none', 'required'].includes(trimmed)) return trimmed;
	if (trimmed.startsWith('{')) return parseJson(trimmed, 'Tool Choice', 'auto, none, required, a function name, or a JSON object');
	return { type: 'function', function: { name: trimmed } };
}
