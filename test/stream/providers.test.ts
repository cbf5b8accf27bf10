/**
 * Replays recorded real-provider streams (test/stream/providers/*.sse, sources in SOURCES.md)
 * through the real streamChatCompletion over loopback, in several framings: as recorded, with
 * CRLF line endings, and cut into writes at random byte boundaries (seeded), including cuts
 * inside multi-byte UTF-8 characters. Each result is compared with an accumulation written here
 * from the rules of the result, independent of the core's own accumulator.
 */
import fs from 'node:fs';
import path from 'node:path';
import { VisionStreamError } from '../../nodes/VisionChat/stream/errors/streamError';
import type { Handler } from '../server';
import { useLoopback } from './harness';

const DIR = path.join(__dirname, 'providers');
const FILES = fs
	.readdirSync(DIR)
	.filter((name) => name.endsWith('.sse'))
	.sort();

const loopback = useLoopback('sk-test-PROVIDERS-9090');

// ---------------------------------------------------------------- reference accumulation

type Json = any;

interface ExpectedToolCall {
	id: string;
	type: string;
	function: { name: string; arguments: string };
}

interface ExpectedChoice {
	index: number;
	text: string;
	finishReason: string | null;
	toolCalls?: ExpectedToolCall[];
	reasoning?: string;
	refusal?: string;
}

interface ExpectedResult {
	id?: string;
	model?: string;
	created?: number;
	systemFingerprint?: string;
	choices: ExpectedChoice[];
	usage?: Json;
	chunkCount: number;
	completion: 'done' | 'finish_reason' | 'incomplete';
}

interface ExpectedError {
	/** The provider's own message. */
	message: string;
	/** OpenRouter's error.metadata, when the recorded error has one. */
	metadata?: { provider_name?: string; raw?: unknown };
	/** Text of choice 0 received before the error. */
	partialText: string;
}

interface SseEvent {
	type?: string;
	data: string;
}

/** A plain reading of the SSE spec: lines end in CRLF, LF or CR; a blank line dispatches. */
function parseSse(text: string): SseEvent[] {
	const events: SseEvent[] = [];
	let data: string[] = [];
	let type: string | undefined;
	for (const line of text.split(/\r\n|\r|\n/)) {
		if (line === '') {
			if (data.length > 0) events.push({ type, data: data.join('\n') });
			data = [];
			type = undefined;
			continue;
		}
		if (line.startsWith(':')) continue;
		const colon = line.indexOf(':');
		const field = colon === -1 ? line : line.slice(0, colon);
		let value = colon === -1 ? '' : line.slice(colon + 1);
		if (value.startsWith(' ')) value = value.slice(1);
		if (field === 'data') data.push(value);
		else if (field === 'event') type = value;
	}
	return events;
}

interface CallState {
	id: string;
	type: string;
	name: string;
	args: string;
}

interface ChoiceState {
	text: string;
	reasoning: string;
	refusal: string;
	calls: CallState[];
	atIndex: Map<number, CallState>;
	finishReason: string | null;
}

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value !== '';

function addToolCalls(state: ChoiceState, deltas: Json[]): void {
	for (const delta of deltas) {
		if (!delta || typeof delta !== 'object') continue;
		// An empty id ("id":"" on Qwen's continuation deltas) is no id.
		const id = nonEmpty(delta.id) ? delta.id : undefined;
		const fresh = (): CallState => {
			const call = { id: '', type: 'function', name: '', args: '' };
			state.calls.push(call);
			return call;
		};
		let call: CallState;
		if (typeof delta.index === 'number') {
			const current = state.atIndex.get(delta.index);
			// A different id at an index already in use is another call (Ollama sends index 0 for all).
			if (current && !(id !== undefined && current.id !== '' && current.id !== id)) call = current;
			else state.atIndex.set(delta.index, (call = fresh()));
		} else if (id !== undefined) {
			call = state.calls.find((c) => c.id === id) ?? fresh();
		} else {
			call = state.calls[state.calls.length - 1] ?? fresh();
		}
		if (id !== undefined && call.id === '') call.id = id;
		if (nonEmpty(delta.type)) call.type = delta.type;
		const fn = delta.function;
		if (fn && typeof fn === 'object') {
			if (nonEmpty(fn.name) && call.name === '') call.name = fn.name;
			if (typeof fn.arguments === 'string') call.args += fn.arguments;
		}
	}
}

function addContent(state: ChoiceState, content: unknown): void {
	if (typeof content === 'string') {
		state.text += content;
		return;
	}
	if (!Array.isArray(content)) return;
	for (const part of content) {
		if (!part || typeof part !== 'object') continue;
		if (part.type === 'text' && typeof part.text === 'string') state.text += part.text;
		if (part.type === 'thinking') {
			if (typeof part.thinking === 'string') state.reasoning += part.thinking;
			else if (Array.isArray(part.thinking)) {
				for (const inner of part.thinking) if (inner && inner.type === 'text' && typeof inner.text === 'string') state.reasoning += inner.text;
			}
		}
	}
}

function reference(body: string): { result: ExpectedResult; error?: ExpectedError } {
	const result: ExpectedResult = { choices: [], chunkCount: 0, completion: 'incomplete' };
	const states = new Map<number, ChoiceState>();
	let usage: Json;
	let groqUsage: Json;
	let done = false;
	let error: ExpectedError | undefined;
	const partialText = () => states.get(0)?.text ?? '';

	for (const event of parseSse(body)) {
		if (event.type === 'error') {
			const parsed = JSON.parse(event.data);
			error = { message: parsed.error?.message ?? String(parsed.error), metadata: parsed.error?.metadata, partialText: partialText() };
			break;
		}
		if (event.data === '[DONE]') {
			done = true;
			break;
		}
		const chunk = JSON.parse(event.data);
		if (chunk.error !== undefined && chunk.error !== null) {
			error = { message: chunk.error.message ?? String(chunk.error), metadata: chunk.error.metadata, partialText: partialText() };
			break;
		}
		result.chunkCount++;
		if (result.id === undefined && nonEmpty(chunk.id)) result.id = chunk.id;
		if (result.model === undefined && nonEmpty(chunk.model)) result.model = chunk.model;
		if (result.created === undefined && typeof chunk.created === 'number' && chunk.created > 0) result.created = chunk.created;
		if (chunk.system_fingerprint) result.systemFingerprint = chunk.system_fingerprint;
		if (chunk.usage && typeof chunk.usage === 'object') usage = chunk.usage;
		if (chunk.x_groq?.usage && typeof chunk.x_groq.usage === 'object') groqUsage = chunk.x_groq.usage;
		const choices: Json[] = Array.isArray(chunk.choices) ? chunk.choices : [];
		choices.forEach((choice, position) => {
			const index = typeof choice.index === 'number' ? choice.index : position;
			let state = states.get(index);
			if (!state) {
				state = { text: '', reasoning: '', refusal: '', calls: [], atIndex: new Map(), finishReason: null };
				states.set(index, state);
			}
			const delta = choice.delta;
			if (delta && typeof delta === 'object') {
				addContent(state, delta.content);
				if (nonEmpty(delta.reasoning_content)) state.reasoning += delta.reasoning_content;
				else if (typeof delta.reasoning === 'string') state.reasoning += delta.reasoning;
				if (typeof delta.refusal === 'string') state.refusal += delta.refusal;
				if (Array.isArray(delta.tool_calls)) addToolCalls(state, delta.tool_calls);
			}
			if (choice.finish_reason !== undefined && choice.finish_reason !== null) state.finishReason = choice.finish_reason;
		});
	}

	result.choices = [...states.entries()]
		.sort(([a], [b]) => a - b)
		.map(([index, state]) => {
			const choice: ExpectedChoice = { index, text: state.text, finishReason: state.finishReason };
			if (state.calls.length > 0) {
				choice.toolCalls = state.calls.map((c) => ({ id: c.id, type: c.type, function: { name: c.name, arguments: c.args } }));
			}
			if (state.reasoning !== '') choice.reasoning = state.reasoning;
			if (state.refusal !== '') choice.refusal = state.refusal;
			return choice;
		});
	result.usage = usage ?? groqUsage;
	const allFinished = result.choices.length > 0 && result.choices.every((c) => c.finishReason !== null);
	result.completion = done ? 'done' : allFinished ? 'finish_reason' : 'incomplete';
	return { result, error };
}

// ---------------------------------------------------------------- framings

/** mulberry32: a small seeded PRNG, so a failing split can be replayed. */
function prng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

function cutAt(bytes: Buffer, cuts: number[]): Buffer[] {
	const pieces: Buffer[] = [];
	let from = 0;
	for (const cut of [...new Set(cuts)].sort((a, b) => a - b)) {
		if (cut <= from || cut >= bytes.length) continue;
		pieces.push(bytes.subarray(from, cut));
		from = cut;
	}
	pieces.push(bytes.subarray(from));
	return pieces;
}

function randomCuts(bytes: Buffer, seed: number): Buffer[] {
	const random = prng(seed);
	const cuts: number[] = [];
	for (let at = 0; at < bytes.length; ) {
		at += 1 + Math.floor(random() * 48);
		cuts.push(at);
	}
	return cutAt(bytes, cuts);
}

/** Offsets inside multi-byte UTF-8 sequences: cutting there splits a character across writes. */
function insideCharacters(bytes: Buffer): number[] {
	const cuts: number[] = [];
	for (let i = 0; i < bytes.length; i++) {
		if ((bytes[i] & 0xc0) === 0x80) cuts.push(i);
	}
	return cuts;
}

const crlf = (text: string) => text.replace(/\n/g, '\r\n');

interface Framing {
	name: string;
	pieces(text: string): Buffer[];
}

function framingsFor(text: string): Framing[] {
	const framings: Framing[] = [
		{ name: 'as recorded (LF), one write', pieces: (t) => [Buffer.from(t, 'utf8')] },
		{ name: 'CRLF, one write', pieces: (t) => [Buffer.from(crlf(t), 'utf8')] },
		...[11, 23, 47].map((seed) => ({ name: `LF, random cuts, seed ${seed}`, pieces: (t: string) => randomCuts(Buffer.from(t, 'utf8'), seed) })),
		{ name: 'CRLF, random cuts, seed 5', pieces: (t) => randomCuts(Buffer.from(crlf(t), 'utf8'), 5) },
	];
	if (/[^\x00-\x7f]/.test(text)) {
		framings.push({
			name: 'cut inside every multi-byte character',
			pieces: (t) => {
				const bytes = Buffer.from(t, 'utf8');
				return cutAt(bytes, insideCharacters(bytes));
			},
		});
	}
	return framings;
}

/** Writes each piece on its own turn of the event loop, so the client reads them apart. */
function replay(pieces: Buffer[]): Handler {
	return async (_req, res) => {
		res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
		for (const piece of pieces) {
			if (res.destroyed) return;
			res.write(piece);
			await new Promise<void>((resolve) => setImmediate(resolve));
		}
		res.end();
	};
}

function comparable(result: Json) {
	return {
		id: result.id,
		model: result.model,
		created: result.created,
		systemFingerprint: result.systemFingerprint,
		choices: result.choices,
		usage: result.usage,
		chunkCount: result.chunkCount,
		completion: result.completion,
	};
}

// ---------------------------------------------------------------- tests

describe('recorded provider corpus', () => {
	it('has the files SOURCES.md lists, and SOURCES.md lists every file', () => {
		const sources = fs.readFileSync(path.join(DIR, 'SOURCES.md'), 'utf8');
		const listed = [...sources.matchAll(/^\| `([^`]+\.sse)` \|/gm)].map((m) => m[1]).sort();
		expect(listed).toEqual(FILES);
		expect(FILES.length).toBeGreaterThanOrEqual(15);
	});

	it('has streams with non-ASCII text, so the multi-byte cuts are exercised', () => {
		const withMultiByte = FILES.filter((name) => insideCharacters(fs.readFileSync(path.join(DIR, name))).length > 0);
		expect(withMultiByte.length).toBeGreaterThanOrEqual(3);
		// At least one character of four bytes (an emoji), split three times.
		expect(FILES.some((name) => /[\u{10000}-\u{10ffff}]/u.test(fs.readFileSync(path.join(DIR, name), 'utf8')))).toBe(true);
	});

	it('is replayed in framings that really cut: random cuts fall inside characters and CRLF pairs', () => {
		const text = fs.readFileSync(path.join(DIR, 'azure-openai-emoji.sse'), 'utf8');
		const pieces = randomCuts(Buffer.from(crlf(text), 'utf8'), 5);
		expect(pieces.length).toBeGreaterThan(100);
		expect(Buffer.concat(pieces).toString('utf8')).toBe(crlf(text));
		expect(pieces.some((p) => p[p.length - 1] === 0x0d)).toBe(true);
		const utf8 = cutAt(Buffer.from(text, 'utf8'), insideCharacters(Buffer.from(text, 'utf8')));
		expect(utf8.some((p) => p.toString('utf8').includes('\ufffd'))).toBe(true);
	});
});

describe('the reference accumulation reads the corpus as the rules say', () => {
	const read = (name: string) => reference(fs.readFileSync(path.join(DIR, name), 'utf8'));

	it('OpenAI: text, include_usage chunk, [DONE]', () => {
		const { result } = read('openai-text.sse');
		expect(result.choices).toHaveLength(1);
		expect(result.choices[0].text).toMatch(/^I'm unable to/);
		expect(result.choices[0]).not.toHaveProperty('refusal');
		expect(result.usage).toEqual({ prompt_tokens: 14, completion_tokens: 30, total_tokens: 44, completion_tokens_details: { reasoning_tokens: 0 } });
		expect(result.completion).toBe('done');
	});

	it('OpenAI: parallel tool calls by index, refusal, n=3', () => {
		const tools = read('openai-parallel-tool-calls.sse').result.choices[0];
		expect(tools.toolCalls?.map((c) => [c.id, c.function.name])).toEqual([
			['call_JMW1whyEaYG438VE1OIflxA2', 'GetWeatherArgs'],
			['call_DNYTawLBoN8fj3KN6qU9N1Ou', 'get_stock_price'],
		]);
		for (const call of tools.toolCalls ?? []) expect(() => JSON.parse(call.function.arguments)).not.toThrow();
		const refusal = read('openai-refusal.sse').result.choices[0];
		expect(refusal.refusal).toMatch(/^I'm sorry/);
		expect(refusal.text).toBe('');
		const n3 = read('openai-n3-choices.sse').result;
		expect(n3.choices.map((c) => c.index)).toEqual([0, 1, 2]);
		for (const choice of n3.choices) expect(JSON.parse(choice.text)).toHaveProperty('city');
	});

	it('Azure: the empty first chunk gives no id, model or created', () => {
		const { result } = read('azure-openai-emoji.sse');
		expect(result.id).toBe('chatcmpl-DPTJDcpU38gpauDwhl0FmP7yBQe2H');
		expect(result.model).toBe('gpt-4.1-mini-2025-04-14');
		expect(result.created).toBe(1774963235);
		expect(result.chunkCount).toBe(43);
		expect(result.choices[0].text).toContain('😄');
		expect(result.usage).toBeUndefined();
	});

	it('Mistral: thinking parts go to reasoning, text parts and strings to text', () => {
		const thinking = read('mistral-magistral-thinking.sse').result.choices[0];
		expect(thinking.reasoning).toMatch(/^Okay, the user is/);
		expect(thinking.text).toMatch(/^To cross the street safely/);
		const parts = read('mistral-magistral-text-parts.sse').result;
		expect(parts.choices[0]).toMatchObject({ text: '2 + 2 = 4', reasoning: 'The user is asking for 2+2. This is basic arithmetic. 2+2=4.', finishReason: 'stop' });
		expect(parts.completion).toBe('finish_reason');
	});

	it('Groq: x_groq.usage only when no top-level usage came', () => {
		expect(read('groq-x-groq-usage.sse').result.usage).toMatchObject({ prompt_tokens: 18, completion_tokens: 73, total_tokens: 91 });
		const both = read('groq-reasoning-tool-call.sse').result;
		expect(both.usage).toMatchObject({ total_tokens: 353 });
		expect(both.choices[0].toolCalls).toEqual([{ id: 'fc_bfb39741-3748-4def-9886-a93fc9c64a90', type: 'function', function: { name: 'get_something_by_name', arguments: '{"name":"example"}' } }]);
	});

	it('xAI: cumulative usage on every chunk, the last one kept', () => {
		expect(read('xai-grok-beta-cumulative-usage.sse').result.usage).toMatchObject({ completion_tokens: 200, total_tokens: 238 });
		expect(read('xai-grok-4-fast-accents.sse').result.choices[0].text).toBe('Olá!');
	});

	it('OpenRouter: reasoning, usage.cost; the error chunk', () => {
		const { result } = read('openrouter-claude-reasoning.sse');
		expect(result.choices[0]).toMatchObject({ text: '2 + 2 = 4', reasoning: 'This is a simple arithmetic question. 2+2 equals 4.', finishReason: 'stop' });
		expect(result.usage).toMatchObject({ cost: 0.000669 });
		expect(read('openrouter-error-chunk.sse').error).toEqual({ message: 'Token limit reached', metadata: undefined, partialText: '' });
	});

	it('tool calls without index (Gemini), index with own ids (Ollama), empty continuation ids (Qwen)', () => {
		expect(read('gemini-compat-tool-call.sse').result.choices[0].toolCalls).toEqual([
			{ id: 'function-call-11628457821388745023', type: 'function', function: { name: 'Read', arguments: '{"file_path":"/tmp/a.go"}' } },
		]);
		const ollama = read('ollama-parallel-tool-calls.sse').result;
		expect(ollama.choices[0].toolCalls?.map((c) => c.function.arguments)).toEqual(['{"command":"ls"}', '{"command":"ls -l"}']);
		expect(ollama.completion).toBe('finish_reason');
		expect(read('qwen-tool-call-empty-id.sse').result.choices[0].toolCalls).toEqual([
			{ id: 'call_eee11723464a4b9eb8cee71d', type: 'function', function: { name: 'weather', arguments: '{"location": "San Francisco"}' } },
		]);
	});

	it('Anthropic compatibility: the first non-empty id; a later usage: null does not erase usage', () => {
		const { result } = read('anthropic-compat-text.sse');
		expect(result.id).toBe('msg_019GuhDB2ckKZfFmFdNR5Q1H');
		expect(result.usage).toEqual({ prompt_tokens: 16, completion_tokens: 248, total_tokens: 264 });
		expect(result.choices[0].text).toContain('contradictions—');
	});
});

describe.each(FILES)('replaying %s', (file) => {
	const text = fs.readFileSync(path.join(DIR, file), 'utf8');
	const expected = reference(text);

	it.each(framingsFor(text).map((framing) => [framing.name, framing] as const))('%s', async (_name, framing) => {
		const pieces = framing.pieces(text);
		expect(Buffer.concat(pieces).toString('utf8')).toBe(framing.name.startsWith('CRLF') ? crlf(text) : text);
		loopback.server.route('*', replay(pieces));
		const run = loopback.run({ maxRetries: 0, expectedChoices: Math.max(1, expected.result.choices.length) });

		if (expected.error) {
			const error = await loopback.failure(run);
			expect(error).toBeInstanceOf(VisionStreamError);
			expect(error.message).toContain(expected.error.message);
			const metadata = expected.error.metadata;
			if (metadata?.provider_name) expect(error.message).toContain(metadata.provider_name);
			if (metadata?.raw !== undefined) expect(error.message).toContain(typeof metadata.raw === 'string' ? metadata.raw : JSON.stringify(metadata.raw));
			expect(error.partialText ?? '').toBe(expected.error.partialText);
			return;
		}
		expect(expected.result.completion).not.toBe('incomplete');
		const result = await run;
		expect(comparable(result)).toEqual(expected.result);
	});
});
