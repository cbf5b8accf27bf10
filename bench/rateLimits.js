'use strict';
/**
 * Rate limits at volume: the node against a server that enforces limits the way providers do
 * (bench/rateLimitServer.js, its own process, a fresh one per measurement): (a) 600 requests a
 * minute with OpenAI-style headers, (b) at most 8 at once, (c) 600 a minute with no headers but
 * Retry-After. Each: ITEMS items split over two executions at once on one credential, node
 * Concurrency 16, every answer a 200 ms stream, "continue on fail" so failed items are counted.
 * "paced" is the node as shipped; "baseline" is the same node with Max Rate Limit Wait 0, i.e.
 * pacing off (each request retries 429s on its own within Max Retries, today's behaviour).
 *
 * Run alone: `node bench/rateLimits.js` after `npm run build` (BENCH_RATE_ITEMS to scale down).
 */
const path = require('node:path');
const { fork } = require('node:child_process');
const { PER_WINDOW, WINDOW_MS, MAX_CONCURRENT, STREAM_MS } = require('./rateLimitServer');

const DIST = process.env.BENCH_DIST ? path.resolve(process.env.BENCH_DIST) : path.join(__dirname, '..', 'dist');
const ITEMS = Number(process.env.BENCH_RATE_ITEMS ?? 300);
const CONCURRENCY = 16;

const SCENARIOS = [
	{ key: 'a', mode: 'requests', label: '(a) 600 requests/min, OpenAI-style headers', minimumMs: (n) => (Math.ceil(n / PER_WINDOW) - 1) * WINDOW_MS + STREAM_MS },
	{ key: 'b', mode: 'concurrent', label: `(b) at most ${MAX_CONCURRENT} concurrent, 429 beyond`, minimumMs: (n) => Math.ceil(n / MAX_CONCURRENT) * STREAM_MS },
	{ key: 'c', mode: 'bare', label: '(c) 600 requests/min, no headers, 429 + Retry-After', minimumMs: (n) => (Math.ceil(n / PER_WINDOW) - 1) * WINDOW_MS + STREAM_MS },
];
const VARIANTS = [
	{ key: 'paced', options: {} },
	{ key: 'baseline', options: { maxRateLimitWait: 0 } },
];

function startServer(mode) {
	return new Promise((resolve, reject) => {
		const child = fork(path.join(__dirname, 'rateLimitServer.js'), [mode], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
		child.once('message', (message) => resolve({ child, base: `http://127.0.0.1:${message.port}/v1` }));
		child.once('error', reject);
	});
}

function statsOf(child) {
	return new Promise((resolve) => {
		child.once('message', (message) => resolve(message.stats));
		child.send('stats');
	});
}

let harness;
function engine() {
	harness ??= require('../test/support/load-ts').loadTs(path.join(__dirname, '..', 'test', 'support', 'engine', 'index.ts'));
	return harness;
}

async function runOnce(scenario, variant) {
	const { runNode } = engine();
	const { VisionChat, VisionChatApi } = require(`${DIST}/index.js`);
	const { child, base } = await startServer(scenario.mode);
	// A key per measurement: a fresh account scheduler, as in a new n8n process.
	const apiKey = `bench-rate-${scenario.key}-${variant.key}-${Date.now()}`;
	const execution = (items) =>
		runNode({
			nodeType: new VisionChat(),
			parameters: { model: { __rl: true, mode: 'id', value: 'bench-model' }, prompt: 'Describe', imageInput: 'none', options: { concurrency: CONCURRENCY, emitChunks: false, ...variant.options } },
			inputItems: Array.from({ length: items }, (_, i) => ({ json: { i } })),
			continueOnFail: true,
			credentials: { visionChatApi: { apiKey, baseUrl: base } },
			credentialTypes: [new VisionChatApi()],
		});
	const half = Math.floor(ITEMS / 2);
	const started = Date.now();
	const runs = await Promise.all([execution(half), execution(ITEMS - half)]);
	const wallMs = Date.now() - started;
	const stats = await statsOf(child);
	child.kill();
	let failed = 0;
	for (const run of runs) {
		if (run.error) failed += run.outputs[0]?.length ?? half;
		for (const item of run.outputs[0] ?? []) if (item.json.error || item.json.text !== 'A red barn.') failed++;
	}
	const requests = stats.accepted + stats.refused;
	const minimumMs = scenario.minimumMs(ITEMS);
	return { failed, wallMs, minimumMs, ratio: wallMs / minimumMs, refused: stats.refused, requests, refusedShare: requests ? stats.refused / requests : 0, maxConcurrent: stats.maxConcurrent };
}

/** Every scenario, paced and baseline in the same run: `{ a: { paced, baseline }, b: …, c: … }`. */
async function measureRateLimits(log = () => {}) {
	const results = {};
	for (const scenario of SCENARIOS) {
		results[scenario.key] = {};
		for (const variant of VARIANTS) {
			const result = await runOnce(scenario, variant);
			results[scenario.key][variant.key] = result;
			log(`  rate ${scenario.key} ${variant.key.padEnd(8)} failed ${result.failed}, wall ${result.wallMs} ms (${result.ratio.toFixed(2)}× min ${result.minimumMs}), 429s ${result.refused}/${result.requests}`);
		}
	}
	return results;
}

module.exports = { measureRateLimits, SCENARIOS, ITEMS };

if (require.main === module) {
	measureRateLimits((line) => console.log(line)).then(
		() => process.exit(0),
		(error) => {
			console.error(error);
			process.exit(1);
		},
	);
}
