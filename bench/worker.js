'use strict';
/**
 * One measurement in a fresh process (forked by run.js with --expose-gc), so that peak RSS
 * belongs to that measurement alone. argv[2] is a JSON spec `{ kind, base, ... }`; the result
 * goes back over IPC as `{ ok: true, ... }` or `{ ok: false, error }`.
 */
const fs = require('node:fs');
const { randomBytes } = require('node:crypto');
const { performance } = require('node:perf_hooks');
const { request } = require('undici');
const { createParser } = require('eventsource-parser');
const { expected, BIG_CHUNKS, WARM_CHUNKS } = require('./payload');

// The core alone (n8n-free); the node and its credential only where a row needs them.
// BENCH_DIST measures another compiled copy of the package (e.g. a patched dist/).
const DIST = process.env.BENCH_DIST ? require('node:path').resolve(process.env.BENCH_DIST) : require('node:path').join(__dirname, '..', 'dist');
const { streamChatCompletion, InlineImage, jsonBody } = require(`${DIST}/nodes/VisionChat/stream`);
const nodeModule = () => require(`${DIST}/index.js`);

const API_KEY = 'bench-key';
const MODEL = 'bench-model';
const MB = 1e6;
const gc = global.gc ?? (() => {});

function fullGc() {
	gc();
	gc();
}

// ------------------------------------------------------------------------- memory probes

function statusKb(field) {
	const match = fs.readFileSync('/proc/self/status', 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
	return match ? Number(match[1]) * 1024 : NaN;
}
const rssNow = () => statusKb('VmRSS');
const peakRss = () => statusKb('VmHWM');
/** Resets the kernel's peak-RSS mark (VmHWM, ru_maxrss) to the current RSS: Linux ≥ 4.0. */
function resetPeakRss() {
	fs.writeFileSync('/proc/self/clear_refs', '5');
}

// ------------------------------------------------------------------------- the clients

const chatBody = () => ({ model: MODEL, messages: [{ role: 'user', content: 'Describe the image' }], stream: true });

/** The practical limit: undici request + eventsource-parser, JSON.parse and join delta.content. */
async function baselineStream(url) {
	const startedAt = performance.now();
	const response = await request(url, {
		method: 'POST',
		headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', accept: 'text/event-stream' },
		body: JSON.stringify(chatBody()),
	});
	const parts = [];
	let chunks = 0;
	let firstContentMs = null;
	let done = false;
	const parser = createParser({
		onEvent(event) {
			if (event.data === '[DONE]') {
				done = true;
				return;
			}
			const chunk = JSON.parse(event.data);
			chunks++;
			const content = chunk.choices[0]?.delta?.content;
			if (content) {
				if (firstContentMs === null) firstContentMs = performance.now() - startedAt;
				parts.push(content);
			}
		},
	});
	const decoder = new TextDecoder();
	for await (const bytes of response.body) parser.feed(decoder.decode(bytes, { stream: true }));
	if (!done) throw new Error('baseline: no [DONE]');
	return { text: parts.join(''), chunks, ms: performance.now() - startedAt, firstContentMs };
}

async function coreStream(url) {
	const startedAt = performance.now();
	const result = await streamChatCompletion({ url, apiKey: API_KEY, body: chatBody() });
	return {
		text: result.choices[0].text,
		chunks: result.chunkCount,
		ms: performance.now() - startedAt,
		firstContentMs: result.timeToFirstTokenMs,
		result,
	};
}

let openaiClient;
async function openaiStream(baseURL) {
	const { default: OpenAI } = require('openai');
	openaiClient ??= new Map();
	let client = openaiClient.get(baseURL);
	if (!client) openaiClient.set(baseURL, (client = new OpenAI({ apiKey: API_KEY, baseURL, maxRetries: 0 })));
	const startedAt = performance.now();
	const stream = await client.chat.completions.create(chatBody());
	const parts = [];
	let chunks = 0;
	for await (const chunk of stream) {
		chunks++;
		const content = chunk.choices[0]?.delta?.content;
		if (content) parts.push(content);
	}
	return { text: parts.join(''), chunks, ms: performance.now() - startedAt };
}

// ------------------------------------------------------------------------- node in n8n's engine

// The engine harness the jest node tests use (test/support/engine, TypeScript through
// test/support/load-ts.js; run.js transpiles it beforehand), with the repository's own
// n8n-core / n8n-workflow, loaded here at once.
let engine;
function loadEngine() {
	if (!engine) {
		engine = require('../test/support/load-ts').loadTs(require('node:path').join(__dirname, '..', 'test', 'support', 'engine', 'index.ts'));
		engine.repoEngine();
	}
	return engine;
}

function nodeParameters(options, imageInput = 'none', binaryPropertyName = 'data') {
	return {
		model: { __rl: true, mode: 'id', value: MODEL },
		prompt: 'Describe the image',
		imageInput,
		binaryPropertyName,
		options,
	};
}

async function runVisionNode({ nodeType, baseUrl, parameters, inputItems, binaryMode }) {
	const { runNode } = loadEngine();
	const run = await runNode({
		nodeType: nodeType ?? new (nodeModule().VisionChat)(),
		parameters,
		inputItems,
		binaryMode,
		credentials: { visionChatApi: { apiKey: API_KEY, baseUrl } },
		credentialTypes: [new (nodeModule().VisionChatApi)()],
	});
	if (run.error) throw new Error(`node failed: ${run.error.message} ${run.error.description ?? ''}`);
	return run;
}

// ------------------------------------------------------------------------- checks

function check(condition, message) {
	if (!condition) throw new Error(message);
}

// The /ttft answer: role chunk and "Hello" after 50 ms, then 20 content chunks and the finish chunk.
const TTFT_CHUNKS = { chunks: 23, textLength: 'Hello'.length + expected(22).textLength };

function checkStream(got, total, label) {
	const want = typeof total === 'number' ? expected(total) : total;
	check(got.chunks === want.chunks, `${label}: ${got.chunks} chunks, expected ${want.chunks}`);
	check(got.text.length === want.textLength, `${label}: text of ${got.text.length} chars, expected ${want.textLength}`);
}

// ------------------------------------------------------------------------- kinds

/** Several sends of the same images: the fastest time, and the largest peak above idle (worst case). */
function imageResult(sends, imageBytes) {
	const extras = sends.map((s) => s.peakRss - s.idleRss);
	return {
		ms: Math.min(...sends.map((s) => s.ms)),
		extraRss: Math.max(...extras),
		sends,
		requestBytes: sends[0].requestBytes,
		imageBytes,
	};
}

const kinds = {
	/** 1. Throughput: a 2,000-chunk warm-up, then the measured 100,000-chunk stream. */
	async throughput(spec) {
		const url = (name) => `${spec.base}/stream/${name}/chat/completions`;
		const baseUrl = (name) => `${spec.base}/stream/${name}`;
		let runOnce;
		switch (spec.client) {
			case 'baseline':
				runOnce = (name) => baselineStream(url(name));
				break;
			case 'core':
				runOnce = (name) => coreStream(url(name));
				break;
			case 'openai':
				runOnce = (name) => openaiStream(baseUrl(name));
				break;
			case 'node':
				runOnce = async (name) => {
					const run = await runVisionNode({
						baseUrl: baseUrl(name),
						parameters: nodeParameters({ emitChunks: spec.emitChunks }),
						inputItems: [{ json: {} }],
					});
					const result = run.outputs[0][0].json;
					const chunkItems = run.outputs[1]?.length ?? 0;
					if (spec.emitChunks) check(chunkItems === result.chunkCount, `node: ${chunkItems} chunk items for ${result.chunkCount} chunks`);
					return { text: result.text, chunks: result.chunkCount, ms: run.durationMs, chunkItems, run };
				};
				break;
			default:
				throw new Error(`unknown client ${spec.client}`);
		}
		checkStream(await runOnce('warm'), WARM_CHUNKS, `${spec.client} warm-up`);
		// Memory from the first measured stream alone: peak RSS, and what its finished run keeps
		// alive (its output; for the node with emitChunks on, every chunk item).
		// CPU time of the whole process per stream: much less sensitive to other load than wall time.
		const timedRun = async () => {
			const cpuBefore = process.cpuUsage();
			const got = await runOnce('big');
			const cpu = process.cpuUsage(cpuBefore);
			got.cpuMs = (cpu.user + cpu.system) / 1000;
			return got;
		};
		fullGc();
		const heapBefore = process.memoryUsage().heapUsed;
		let got = await timedRun();
		checkStream(got, BIG_CHUNKS, spec.client);
		const maxRss = process.resourceUsage().maxRSS * 1024;
		fullGc();
		const retainedHeap = process.memoryUsage().heapUsed - heapBefore;
		const { chunks, chunkItems = 0 } = got;
		// Time: the fastest of a few streams, since on a shared machine interference only ever adds time.
		const times = [got.ms];
		const cpuTimes = [got.cpuMs];
		for (let i = 1; i < spec.repeats; i++) {
			got = undefined;
			fullGc();
			got = await timedRun();
			checkStream(got, BIG_CHUNKS, spec.client);
			times.push(got.ms);
			cpuTimes.push(got.cpuMs);
		}
		return { ms: Math.min(...times), times, cpuMs: Math.min(...cpuTimes), chunks, chunkItems, maxRss, retainedHeap };
	},

	/** 2. Time to first token: alternating pairs of baseline and core requests. */
	async ttft(spec) {
		const url = `${spec.base}/ttft/chat/completions`;
		const samples = [];
		for (let i = 0; i < spec.warmup + spec.pairs; i++) {
			let baseline;
			let core;
			// Alternate which one goes first, so neither always finds the warmer connection pool.
			if (i % 2 === 0) {
				baseline = await baselineStream(url);
				core = await coreStream(url);
			} else {
				core = await coreStream(url);
				baseline = await baselineStream(url);
			}
			checkStream(baseline, TTFT_CHUNKS, 'ttft baseline');
			checkStream(core, TTFT_CHUNKS, 'ttft core');
			if (i >= spec.warmup) samples.push({ baseline: baseline.firstContentMs, core: core.firstContentMs });
		}
		return { samples };
	},

	/** 3. Large images to the sink: through the core (InlineImage parts) or the node (binary input). */
	async images(spec) {
		const sizes = spec.sizes;
		const imageBytes = sizes.reduce((a, b) => a + b, 0);
		const png = (size) => {
			const bytes = randomBytes(size);
			Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(bytes, 0);
			return bytes;
		};
		const sinkUrl = `${spec.base}/sink/chat/completions`;
		if (spec.via === 'core') {
			// A heap the size of n8n's: with a small heap V8 runs major GCs early and hides garbage.
			if (spec.preloadN8n) {
				loadEngine();
				nodeModule();
			}
			const bodyWith = (images) => ({
				model: MODEL,
				messages: [
					{
						role: 'user',
						content: [
							{ type: 'text', text: 'Describe the images' },
							...images.map((bytes) => ({ type: 'image_url', image_url: { url: new InlineImage('image/png', bytes) } })),
						],
					},
				],
				stream: true,
			});
			const send = async (images) => {
				const body = bodyWith(images);
				const length = jsonBody(body).length;
				const startedAt = performance.now();
				const result = await streamChatCompletion({ url: sinkUrl, apiKey: API_KEY, body });
				const ms = performance.now() - startedAt;
				check(result.choices[0].text === String(length), `sink received ${result.choices[0].text} bytes, body is ${length}`);
				return { ms, requestBytes: length };
			};
			await send([png(1e6)]);
			const images = sizes.map(png);
			const sends = [];
			for (let i = 0; i < spec.repeats; i++) {
				fullGc();
				const idleRss = rssNow();
				resetPeakRss();
				const sent = await send(images);
				sends.push({ ms: sent.ms, requestBytes: sent.requestBytes, idleRss, peakRss: peakRss() });
			}
			return imageResult(sends, imageBytes);
		}

		// Through the node in n8n's engine: the images are binary properties of one input item.
		const { VisionChat } = nodeModule();
		const inner = new VisionChat();
		const probe = {};
		const nodeType = Object.create(inner);
		nodeType.execute = async function () {
			fullGc();
			probe.idleRss = rssNow();
			resetPeakRss();
			const startedAt = performance.now();
			try {
				return await inner.execute.call(this);
			} finally {
				probe.ms = performance.now() - startedAt;
				probe.peakRss = peakRss();
			}
		};
		const send = async (images) => {
			const names = images.map((_, i) => `image${i}`);
			const binary = Object.fromEntries(images.map((bytes, i) => [names[i], { buffer: bytes, mimeType: 'image/png', fileName: `${names[i]}.png` }]));
			const run = await runVisionNode({
				nodeType,
				baseUrl: `${spec.base}/sink`,
				parameters: nodeParameters({ emitChunks: false }, 'binary', names.join(',')),
				inputItems: [{ json: {}, binary }],
				binaryMode: spec.binaryMode,
			});
			const received = Number(run.outputs[0][0].json.text);
			const base64 = images.reduce((sum, bytes) => sum + 4 * Math.ceil(bytes.length / 3), 0);
			check(received > base64, `sink received ${received} bytes, less than the images' base64 (${base64})`);
			return { requestBytes: received };
		};
		await send([png(1e6)]);
		const images = sizes.map(png);
		const sends = [];
		for (let i = 0; i < spec.repeats; i++) {
			const sent = await send(images);
			sends.push({ ms: probe.ms, requestBytes: sent.requestBytes, idleRss: probe.idleRss, peakRss: probe.peakRss });
		}
		return imageResult(sends, imageBytes);
	},

	/** 4. Many items: N items through the node, each answered by a 200 ms stream. */
	async many(spec) {
		const baseUrl = `${spec.base}/slow`;
		const items = (n) => Array.from({ length: n }, (_, i) => ({ json: { i } }));
		const runItems = async (n) => {
			const run = await runVisionNode({ baseUrl, parameters: nodeParameters({ concurrency: spec.concurrency }), inputItems: items(n) });
			const results = run.outputs[0];
			check(results.length === n, `many: ${results.length} results for ${n} items`);
			for (const r of results) check(r.json.text === 'A red barn in a field.', `many: unexpected text ${JSON.stringify(r.json.text)}`);
			return run.durationMs;
		};
		await runItems(Math.min(spec.concurrency, 4));
		const ms = await runItems(spec.items);
		return { ms, maxRss: process.resourceUsage().maxRSS * 1024 };
	},
};

async function main() {
	const spec = JSON.parse(process.argv[2]);
	const kind = kinds[spec.kind];
	if (!kind) throw new Error(`unknown kind ${spec.kind}`);
	return await kind(spec);
}

main().then(
	(result) => finish({ ok: true, ...result }),
	(error) => finish({ ok: false, error: String(error?.stack ?? error) }),
);

function finish(message) {
	if (process.send) process.send(message, () => process.exit(0));
	else {
		console.log(JSON.stringify(message, null, 2));
		process.exit(0);
	}
}
