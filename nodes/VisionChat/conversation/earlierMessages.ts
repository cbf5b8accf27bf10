import { InputError } from '../helpers/inputError';
import { isPlainObject, parseJson } from '../helpers/jsonOption';

/** A chat-completions message as the request carries it. */
export type ChatMessage = Record<string, unknown>;

const LABEL = 'Earlier Messages';
const SHAPE = 'a JSON array such as [{"role": "user", "content": "What is this?"}, {"role": "assistant", "content": "A bike."}]';
const ROLES = ['user', 'assistant', 'system'];

function problem(message: string): InputError {
	return new InputError(`"${LABEL}": ${message}`, `Enter ${SHAPE}; content is a string or OpenAI content parts ({"type": "text", "text": …}, {"type": "image_url", "image_url": {"url": …}})`);
}

const show = (value: unknown): string => (value === undefined ? 'missing' : JSON.stringify(value)?.slice(0, 60) ?? String(value));

/**
 * The `messages` option: earlier turns a workflow keeps itself, checked and copied in order.
 * Errors name the entry and the field, e.g. `messages[2].content[0].text`.
 */
export function earlierMessages(value: string | object | undefined): ChatMessage[] {
	if (value === undefined || value === null) return [];
	const parsed = parseJson(value, LABEL, SHAPE);
	if (parsed === undefined) return [];
	if (!Array.isArray(parsed)) throw problem(`must be a JSON array of {role, content} objects, not ${show(parsed)}`);
	return parsed.map((entry, index) => checkMessage(entry, index));
}

function checkMessage(entry: unknown, index: number): ChatMessage {
	const at = `messages[${index}]`;
	if (!isPlainObject(entry)) throw problem(`${at} must be an object with "role" and "content", not ${show(entry)}`);
	const { role, content, name } = entry;
	if (typeof role !== 'string' || !ROLES.includes(role)) throw problem(`${at}.role is ${show(role)}; it must be "user", "assistant" or "system"`);
	const message: ChatMessage = { role, content: checkContent(content, `${at}.content`, role) };
	if (name !== undefined) {
		if (typeof name !== 'string') throw problem(`${at}.name must be a string, not ${show(name)}`);
		message.name = name;
	}
	return message;
}

function checkContent(content: unknown, at: string, role: string): unknown {
	if (typeof content === 'string') return content;
	if (!Array.isArray(content)) throw problem(`${at} is ${show(content)}; it must be a string or an array of content parts`);
	if (content.length === 0) throw problem(`${at} is an empty array; give at least one content part`);
	return content.map((part, index) => {
		const here = `${at}[${index}]`;
		if (!isPlainObject(part)) throw problem(`${here} must be an object with a "type", not ${show(part)}`);
		if (typeof part.type !== 'string' || !part.type) throw problem(`${here}.type is ${show(part.type)}; it must be "text" or "image_url"`);
		if (part.type === 'text') {
			if (typeof part.text !== 'string') throw problem(`${here}.text is ${show(part.text)}; it must be a string`);
		} else if (part.type === 'image_url') {
			if (role !== 'user') throw problem(`${here} is an image in a message of role "${role}"; only "user" messages carry images`);
			const url = isPlainObject(part.image_url) ? part.image_url.url : part.image_url;
			if (typeof url !== 'string' || !/^(https?:|data:image\/)/i.test(url)) {
				throw problem(`${here}.image_url.url is ${show(url)}; it must be an http(s) URL or a data:image/… URL`);
			}
		}
		return part;
	});
}
