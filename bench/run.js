#!/usr/bin/env node
'use strict';
/**
 * `npm run bench`: the streaming core and the node against a loopback SSE server running in
 * its own process. Every measurement runs in a fresh child process (bench/worker.js), so peak
 * RSS is that measurement's alone; each figure is the median of several runs with min and max,
 * and each ratio is taken within one run before its median. Prints one table and writes it to
 * bench/results.md.
 *
 * Environment: BENCH_RUNS (default 5), BENCH_SLOW_RUNS (runs of the 20 s concurrency-1 row,
 * default 3), BENCH_ONLY (comma list of sections: throughput,ttft,images,many,structured,pdf,rate;
 * rate: bench/rateLimitServer.js in its own process, 300 items over two executions on one
 * credential, Concurrency 16, 200 ms streams),
 * BENCH_DIST (a different compiled package to measure, e.g. a patched copy of dist/).
 */
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const { fork } = require('node:child_process');
const { summary, num, sig } = require('./stats');
const { BIG_CHUNKS } = require('./payload');
const { measureStructured } = require('./structured');
const { measurePdf } = require('./pdf');
const { measureRateLimits, SCENARIOS: RATE_SCENARIOS } = require('./rateLimits');

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SLOW_RUNS = Math.min(RUNS, Number(process.env.BENCH_SLOW_RUNS ?? 3));
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',').map((s) => s.trim())) : undefined;
const wants = (section) => !ONLY || ONLY.has(section);
const MB = 1e6;

// Measured 100k-chunk streams per worker (the fastest counts); the openai SDK takes ~1.5 s a stream.
const STREAM_REPEATS = 5;
const OPENAI_REPEATS = 2;
const IMAGE_REPEATS = 2;
const TTFT_WARMUP = 3;
const TTFT_PAIRS = 10;
const MANY_ITEMS = 100;
const SLOW_MS = 200;
const IMAGE_SETS = [
	{ key: '1x20', label: '1 × 20 MB', sizes: [20 * MB] },
	{ key: '4x5', label: '4 × 5 MB', sizes: [5 * MB, 5 * MB, 5 * MB, 5 * MB] },
];
const IMAGE_PATHS = [
	{ key: 'core', label: 'core, InlineImage parts (bare process)', spec: { via: 'core' } },
	{ key: 'core-n8n', label: 'core, InlineImage parts (n8n loaded: heap as in n8n)', spec: { via: 'core', preloadN8n: true } },
	{ key: 'node-fs', label: 'node, binary input (filesystem mode)', spec: { via: 'node', binaryMode: 'filesystem' } },
	{ key: 'node-mem', label: 'node, binary input (default/memory mode)', spec: { via: 'node', binaryMode: 'default' } },
];
const THROUGHPUT_ROWS = [
	{ key: 'baseline', label: 'baseline: undici request + eventsource-parser', spec: { client: 'baseline' } },
	{ key: 'core', label: 'core: streamChatCompletion (full accumulation)', spec: { client: 'core' } },
	{ key: 'node-off', label: 'node in n8n engine, emitChunks off', spec: { client: 'node', emitChunks: false } },
	{ key: 'node-on', label: 'node in n8n engine, emitChunks on', spec: { client: 'node', emitChunks: true } },
	{ key: 'openai', label: 'openai SDK v6 streaming iterator', spec: { client: 'openai' } },
];
const CONCURRENCY = [1, 4, 16];

// ------------------------------------------------------------------------- processes

const children = new Set();

function startServer() {
	return new Promise((resolve, reject) => {
		const child = fork(path.join(__dirname, 'server.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
		children.add(child);
		child.once('message', (message) => resolve({ child, base: `http://127.0.0.1:${message.port}` }));
		child.once('error', reject);
		child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
	});
}

/** Runs one measurement in a fresh process; resolves with its result or `{ ok: false, error }`. */
function measure(spec, timeoutMs = 120_000) {
	return new Promise((resolve) => {
		const execArgv = ['--expose-gc', ...(process.env.BENCH_WORKER_ARGS ? process.env.BENCH_WORKER_ARGS.split(' ') : [])];
		const child = fork(path.join(__dirname, 'worker.js'), [JSON.stringify(spec)], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
		children.add(child);
		let result;
		const timer = setTimeout(() => {
			result = { ok: false, error: `timed out after ${timeoutMs / 1000} s` };
			child.kill('SIGKILL');
		}, timeoutMs);
		child.on('message', (message) => (result = message));
		child.on('exit', (code, signal) => {
			clearTimeout(timer);
			children.delete(child);
			resolve(result ?? { ok: false, error: `worker exited (${signal ?? code}) without a result` });
		});
	});
}

function cleanup() {
	for (const child of children) child.kill();
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

const log = (text) => process.stderr.write(`${text}\n`);

// ------------------------------------------------------------------------- the runs

async function collect(base) {
	const data = { throughput: {}, ttft: [], images: {}, many: {}, structured: [], pdf: [], rate: [], failures: [] };
	const record = (bucket, key, result, label) => {
		(bucket[key] ??= []).push(result);
		if (!result.ok) {
			data.failures.push(`${label}: ${result.error.split('\n')[0]}`);
			log(`    FAILED ${label}: ${result.error}`);
		}
	};
	const sectionMs = {};
	const timed = async (section, fn) => {
		const started = Date.now();
		await fn();
		sectionMs[section] = (sectionMs[section] ?? 0) + (Date.now() - started);
	};
	data.sectionMs = sectionMs;
	for (let run = 1; run <= RUNS; run++) {
		log(`run ${run}/${RUNS}`);
		if (wants('throughput')) await timed('throughput', async () => {
			// Rotate the order from run to run so that no row always goes first.
			for (let i = 0; i < THROUGHPUT_ROWS.length; i++) {
				const row = THROUGHPUT_ROWS[(i + run - 1) % THROUGHPUT_ROWS.length];
				const repeats = row.key === 'openai' ? OPENAI_REPEATS : STREAM_REPEATS;
				const result = await measure({ kind: 'throughput', base, repeats, ...row.spec });
				record(data.throughput, row.key, result, `throughput ${row.key}`);
				if (result.ok) log(`  throughput ${row.key.padEnd(9)} ${num(result.ms, 1)} ms, peak RSS ${num(result.maxRss / MB)} MB`);
			}
		});
		if (wants('ttft')) await timed('ttft', async () => {
			const result = await measure({ kind: 'ttft', base, warmup: TTFT_WARMUP, pairs: TTFT_PAIRS });
			data.ttft.push(result);
			if (!result.ok) data.failures.push(`ttft: ${result.error.split('\n')[0]}`);
			else log(`  ttft      core − baseline median ${sig(ttftDiff(result))} ms`);
		});
		if (wants('images')) await timed('images', async () => {
			for (const pathway of IMAGE_PATHS) {
				for (const set of IMAGE_SETS) {
					const key = `${pathway.key}/${set.key}`;
					const result = await measure({ kind: 'images', base, sizes: set.sizes, repeats: IMAGE_REPEATS, ...pathway.spec });
					record(data.images, key, result, `images ${key}`);
					if (result.ok) log(`  images    ${key.padEnd(14)} ${num(result.ms, 1)} ms, extra RSS ${num(result.extraRss / MB, 1)} MB`);
				}
			}
		});
		// About 2.5 minutes a run: measured once.
		if (wants('rate') && run === 1) await timed('rate', async () => {
			data.rate.push(await measureRateLimits(log));
		});
		if (wants('pdf')) await timed('pdf', async () => {
			const result = measurePdf();
			data.pdf.push(result);
			if (result.anchor.missing) data.failures.push(`pdf: ${result.anchor.missing}`);
			log(`  pdf       20 pages ${num(result.twenty.ms)} ms (pdftoppm ${result.anchor.missing ? '–' : num(result.anchor.ms)} ms), peak extra RSS ${num(result.twenty.extraRss / MB)} MB`);
		});
		if (wants('structured')) await timed('structured', async () => {
			const result = measureStructured();
			data.structured.push(result);
			log(`  structured validate p50 ${sig(result.validate.p50)} ms (JSON.parse alone ${sig(result.parseOnly.p50)} ms)`);
		});
		if (wants('many')) await timed('many', async () => {
			for (const concurrency of CONCURRENCY) {
				if (concurrency === 1 && run > SLOW_RUNS) continue;
				const result = await measure({ kind: 'many', base, items: MANY_ITEMS, concurrency });
				record(data.many, concurrency, result, `many c=${concurrency}`);
				if (result.ok) log(`  many      c=${String(concurrency).padEnd(3)} ${num(result.ms)} ms`);
			}
		});
	}
	return data;
}

function ttftDiff(result) {
	return summary(result.samples.map((s) => s.core - s.baseline)).median;
}

// ------------------------------------------------------------------------- the table

function buildTable(data) {
	const rows = [];
	const add = (benchmark, figure, values, format, target = '', pass = undefined) => {
		const s = summary(values);
		const status = pass === undefined ? '' : s.n === 0 ? 'MISS' : pass(s.median) ? 'PASS' : 'MISS';
		const fmt = (v) => (Number.isFinite(v) ? format(v) : '–');
		rows.push([benchmark, figure, fmt(s.median), s.n ? `${fmt(s.min)} – ${fmt(s.max)}` : '–', String(s.n), target, status]);
	};
	const ok = (list) => (list ?? []).filter((r) => r.ok);
	/** Per-run ratio a/b, pairing the i-th result of each list (same run). */
	const perRun = (a, b, fn) => {
		const out = [];
		for (let i = 0; i < Math.min(a?.length ?? 0, b?.length ?? 0); i++) if (a[i].ok && b[i].ok) out.push(fn(a[i], b[i]));
		return out;
	};

	if (wants('throughput')) {
		const t = data.throughput;
		for (const row of THROUGHPUT_ROWS) {
			const results = ok(t[row.key]);
			const name = `1. Stream ${num(BIG_CHUNKS)} chunks · ${row.label}`;
			add(name, 'chunks/s', results.map((r) => r.chunks / (r.ms / 1000)), (v) => num(v));
			add(name, 'ms', results.map((r) => r.ms), (v) => num(v, 1));
			add(name, 'peak RSS (MB)', results.map((r) => r.maxRss / MB), (v) => num(v));
		}
		const speed = (a, b) => b.ms / a.ms;
		add('1. core vs baseline', 'throughput ratio', perRun(t.core, t.baseline, speed), (v) => `${num(v, 2)}×`, '≥ 0.80×', (v) => v >= 0.8);
		add('1. core vs baseline', 'CPU-time ratio (less load-sensitive)', perRun(t.core, t.baseline, (a, b) => b.cpuMs / a.cpuMs), (v) => `${num(v, 2)}×`);
		add('1. core vs openai SDK', 'throughput ratio', perRun(t.core, t.openai, speed), (v) => `${num(v, 2)}×`, '≥ 3×', (v) => v >= 3);
		add('1. node (emitChunks off) vs core', 'throughput ratio', perRun(t['node-off'], t.core, speed), (v) => `${num(v, 2)}×`);
		add('1. node (emitChunks on) vs core', 'throughput ratio', perRun(t['node-on'], t.core, speed), (v) => `${num(v, 2)}×`);
		const onRuns = t['node-on'] ?? [];
		add(
			'1. node, emitChunks on',
			`finished runs (of ${onRuns.length})`,
			[ok(onRuns).filter((r) => r.chunkItems === BIG_CHUNKS).length],
			(v) => num(v),
			'all finish',
			(v) => v === onRuns.length && v > 0,
		);
		const perItem = (field) => perRun(t['node-on'], t['node-off'], (on, off) => (on[field] - off[field]) / on.chunkItems);
		add('1. node, emitChunks on − off', 'peak RSS per chunk item (bytes)', perItem('maxRss'), (v) => num(v), 'reported', () => true);
		add('1. node, emitChunks on − off', 'retained heap per chunk item (bytes)', perItem('retainedHeap'), (v) => num(v), 'reported', () => true);
	}

	if (wants('ttft')) {
		const results = ok(data.ttft);
		add('2. TTFT, first chunk after 50 ms · baseline', 'time to first content (ms)', results.map((r) => summary(r.samples.map((s) => s.baseline)).median), (v) => num(v, 2));
		add('2. TTFT, first chunk after 50 ms · core', 'timeToFirstTokenMs (ms)', results.map((r) => summary(r.samples.map((s) => s.core)).median), (v) => num(v, 2));
		add('2. TTFT overhead, core − baseline', `median of ${TTFT_PAIRS} pairs (ms)`, results.map(ttftDiff), (v) => num(v, 2), '< 2 ms', (v) => v < 2);
	}

	if (wants('images')) {
		for (const pathway of IMAGE_PATHS) {
			for (const set of IMAGE_SETS) {
				const results = ok(data.images[`${pathway.key}/${set.key}`]);
				const name = `3. Images ${set.label} to sink · ${pathway.label}`;
				add(name, 'ms', results.map((r) => r.ms), (v) => num(v, 1));
				add(name, 'MB/s (image bytes)', results.map((r) => r.imageBytes / MB / (r.ms / 1000)), (v) => num(v));
				add(name, 'peak RSS above idle (MB)', results.map((r) => r.extraRss / MB), (v) => num(v, 1));
				add(name, 'peak extra RSS ÷ image size', results.map((r) => r.extraRss / r.imageBytes), (v) => `${num(v, 2)}×`, '≤ 3×', (v) => v <= 3);
			}
		}
	}

	if (wants('many')) {
		for (const concurrency of CONCURRENCY) {
			const results = ok(data.many[concurrency]);
			const ideal = (MANY_ITEMS / concurrency) * SLOW_MS;
			const name = `4. ${MANY_ITEMS} items × ${SLOW_MS} ms stream · node, concurrency ${concurrency}`;
			add(name, `wall time (ms; ideal ${num(ideal)})`, results.map((r) => r.ms), (v) => num(v));
			const target = concurrency === 1 ? '' : '≤ 1.3×';
			add(name, 'wall time ÷ ideal', results.map((r) => r.ms / ideal), (v) => `${num(v, 2)}×`, target, concurrency === 1 ? undefined : (v) => v <= 1.3);
		}
	}
	if (wants('rate')) {
		for (const scenario of RATE_SCENARIOS) {
			for (const variant of ['paced', 'baseline']) {
				const paced = variant === 'paced';
				const results = data.rate.map((run) => run[scenario.key][variant]);
				const name = `7. rate limits · ${scenario.label} · ${paced ? 'paced by the node' : 'baseline: pacing off (Max Rate Limit Wait 0), Max Retries 2'}`;
				add(name, 'failed items', results.map((r) => r.failed), (v) => num(v), paced ? '0' : '', paced ? (v) => v === 0 : undefined);
				add(name, 'wall time ÷ minimum', results.map((r) => r.ratio), (v) => `${num(v, 2)}×`, paced ? '≤ 1.15×' : '', paced ? (v) => v <= 1.15 : undefined);
				add(name, '429s ÷ requests', results.map((r) => r.refusedShare * 100), (v) => `${num(v, 1)} %`, paced ? '≤ 5 %' : '', paced ? (v) => v <= 5 : undefined);
			}
		}
	}
	if (wants('pdf')) {
		const results = data.pdf;
		const anchored = results.filter((r) => !r.anchor.missing);
		const name = '6. PDF to page images · 20 mixed pages, long edge 1600 px, PNG';
		add(name, 'pdftoppm (poppler), same pages, size and format (ms) — baseline', anchored.map((r) => r.anchor.ms), (v) => num(v));
		add(name, 'node: PDFium (WebAssembly) + PNG via zlib (ms)', results.map((r) => r.twenty.ms), (v) => num(v));
		add(name, 'node ÷ pdftoppm', anchored.map((r) => r.twenty.ms / r.anchor.ms), (v) => `${num(v, 2)}×`, '≤ 2×', (v) => v <= 2);
		add(name, 'pages per second', results.map((r) => (r.twenty.pages / r.twenty.ms) * 1000), (v) => num(v, 1));
		add(name, 'peak extra RSS, 20 pages (MB)', results.map((r) => r.twenty.extraRss / MB), (v) => num(v), '< 200 MB', (v) => v < 200);
		add(name, 'peak extra RSS, 5 pages (MB)', results.map((r) => r.five.extraRss / MB), (v) => num(v));
	}
	if (wants('structured')) {
		const results = data.structured;
		const name = '5. structured output · a 2 KB JSON answer against a 30-field nested schema, per item';
		add(name, 'JSON.parse alone, p50 (ms) — baseline', results.map((r) => r.parseOnly.p50), (v) => num(v, 4));
		add(name, 'parse + validate, p50 (ms)', results.map((r) => r.validate.p50), (v) => num(v, 4), '< 0.2 ms', (v) => v < 0.2);
		add(name, 'parse + validate, p99 (ms)', results.map((r) => r.validate.p99), (v) => num(v, 4));
		add(name, 'parse + validate ÷ JSON.parse, p50', results.map((r) => r.validate.p50 / r.parseOnly.p50), (v) => `${num(v, 1)}×`);
		add(name, 'compile the schema, once per execution (ms)', results.map((r) => r.compileMs), (v) => num(v, 3));
	}
	return rows;
}

function markdownTable(rows) {
	const header = ['Benchmark', 'Figure', 'Median', 'Min – max', 'Runs', 'Target', 'Status'];
	// A benchmark's name only on its first line.
	rows = rows.map((row, i) => (i > 0 && rows[i - 1][0] === row[0] ? ['', ...row.slice(1)] : row));
	const all = [header, ...rows];
	const widths = header.map((_, c) => Math.max(...all.map((r) => [...r[c]].length)));
	const line = (r) => `| ${r.map((cell, c) => cell + ' '.repeat(widths[c] - [...cell].length)).join(' | ')} |`;
	const rule = `|${widths.map((w, c) => (c >= 2 && c <= 4 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
	return [line(header), rule, ...rows.map(line)].join('\n');
}

// ------------------------------------------------------------------------- main

/**
 * The node rows run the node through the jest suites' engine harness (test/support/engine,
 * TypeScript). Transpile it once here into a cache the workers inherit (VISION_LOAD_TS_CACHE),
 * so that no measuring process loads the TypeScript compiler.
 */
function prepareEngineHarness() {
	const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vision-bench-ts-'));
	process.on('exit', () => fs.rmSync(cacheDir, { recursive: true, force: true }));
	process.env.VISION_LOAD_TS_CACHE = cacheDir;
	require('../test/support/load-ts').loadTs(path.join(__dirname, '..', 'test', 'support', 'engine', 'index.ts'));
}

async function main() {
	const startedAt = Date.now();
	prepareEngineHarness();
	const { child: server, base } = await startServer();
	log(`bench server (pid ${server.pid}) at ${base}; ${RUNS} runs, each measurement in a fresh process`);
	const data = await collect(base);
	server.kill();
	const rows = buildTable(data);
	const seconds = (Date.now() - startedAt) / 1000;
	const table = markdownTable(rows);
	const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
	const sections = Object.entries(data.sectionMs).map(([name, ms]) => `${name} ${num(ms / 1000)} s`).join(', ');
	const about = `Node ${process.version}, ${os.cpus().length} × ${cpu}, ${os.platform()} ${os.release()}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; ${RUNS} runs (concurrency 1: ${SLOW_RUNS}); bench took ${num(seconds, 0)} s (${sections})`;
	const failures = data.failures.length ? `\nFailures:\n${data.failures.map((f) => `- ${f}`).join('\n')}\n` : '';
	console.log(`\n${table}\n\n${about}${failures ? `\n${failures}` : ''}`);
	const misses = rows.filter((r) => r[6] === 'MISS').map((r) => `${r[0]} — ${r[1]} ${r[2]}`);
	if (misses.length) console.log(`\nMISS:\n${misses.map((m) => `- ${m}`).join('\n')}`);

	const notes = [
		'- Server: bench/server.js in its own process on 127.0.0.1; the 100,000-chunk stream (role chunk, 99,998 content chunks, finish chunk, `data: [DONE]`) is rendered once and written in one go.',
		`- Every figure comes from a fresh child process (bench/worker.js); peak RSS is that process's \`process.resourceUsage().maxRSS\` after its first measured stream (n8n-core loaded for the node rows). Each stream worker does a 2,000-chunk warm-up, then ${STREAM_REPEATS} measured streams (openai SDK: ${OPENAI_REPEATS}) and keeps the fastest: on a shared machine interference only adds time. The CPU-time ratio uses the process's user+system CPU time per stream (also the smallest).`,
		'- Ratios are computed within one run (same moment, same machine state), then their median is taken. Throughput ratio = other row\'s ms ÷ this row\'s ms.',
		'- Memory per chunk item: (emitChunks on − emitChunks off) ÷ chunk items, for peak RSS and for the heap still used after GC with the run\'s output alive.',
		`- TTFT: the server sends headers at once and the first chunks after 50 ms; ${TTFT_PAIRS} alternating baseline/core pairs per run after ${TTFT_WARMUP} warm-up pairs.`,
		`- Images: random bytes behind a PNG signature (MB = 10^6 bytes), sent as base64 data URLs to a sink that discards the body and answers a tiny stream with the byte count (checked). A 1 MB warm-up, then ${IMAGE_REPEATS} sends: the fastest time, the largest peak. "Peak RSS above idle": Linux VmHWM reset (\`/proc/self/clear_refs\`) after a GC, with the input already where n8n keeps it (in memory for the core and default binary mode, on disk for filesystem mode), read after the request (core) or around the node's \`execute\` (node). "n8n loaded": the same core request in a process that has loaded n8n-core and the node, so V8's heap limits are those of an n8n process.`,
		`- Many items: ${MANY_ITEMS} items through the node in n8n's engine (n8n-core WorkflowExecute), each answered by a ${SLOW_MS} ms stream; ideal = items ÷ concurrency × ${SLOW_MS} ms.`,
	].join('\n');
	const markdown = `# Benchmark results\n\n\`npm run bench\` — ${about}.\n\n${table}\n${failures}\n${notes}\n`;
	fs.writeFileSync(path.join(__dirname, 'results.md'), markdown);
	log(`\nwrote bench/results.md (${num(seconds, 0)} s)`);
}

main().catch((error) => {
	console.error(error);
	process.exitCode = 1;
});
