#!/usr/bin/env node
'use strict';
/**
 * `npm run test:queue`: the node in n8n's queue mode, under load, on one machine.
 *
 *   1. installs redis-server and postgresql with apt-get when missing (as root)
 *   2. starts Redis (127.0.0.1:6390), a throwaway Postgres cluster (127.0.0.1:5440, run as the
 *      postgres user) and the loopback OpenAI-compatible SSE server (test/server.ts, its answers
 *      in test/queue/answers.js)
 *   3. installs the package into every n8n process's own user folder as users do: `npm pack` once,
 *      then n8n's community-package install into <userFolder>/.n8n/nodes (VISION_QUEUE_INSTALL=custom:
 *      a staged N8N_CUSTOM_EXTENSIONS folder per process instead); imports a credential and three
 *      webhook workflows and publishes them (import:workflow, then publish:workflow --id for each)
 *   4. starts one n8n main (EXECUTIONS_MODE=queue, Postgres, binary data at queue mode's default,
 *      `database`) and two workers, with short Bull job locks (QUEUE_SETTINGS below) so that a
 *      dead worker's executions fail within a known bound
 *   5. phases, each load being 200 multipart webhook calls (a different image each, 16 at once,
 *      Webhook -> Vision Chat -> Respond to Webhook):
 *        load at worker concurrency 1 (`n8n worker --concurrency=1`), on a fresh queue;
 *        the workers restarted with --concurrency=5; streaming webhooks through the workers;
 *        a REST stop of an execution mid-stream; load at worker concurrency 5, with one
 *        streaming webhook sent into it; the load again with one worker SIGKILLed (with its task
 *        runner) a quarter of the way in, while it streams an answer, and restarted at once;
 *        Bull's queue checked for a stale priority entry (removed if found); a short load that the
 *        restarted worker must share
 *   6. asserts, prints the figures as a markdown table and writes them to docs/queue-results.md,
 *      ends with "N passed, N failed"
 *   7. stops every process it started and removes the cluster (also on failure or Ctrl-C);
 *      on failure the logs are kept and their folder printed
 *
 * Ports: main 5710 (broker 5711); worker i (0-based) health 5712+2i, broker 5713+2i (a restarted
 * worker takes its predecessor's); the CLI imports 5718/5719. Redis 6390, Postgres 5440. All on 127.0.0.1.
 *
 * Environment: VISION_QUEUE_WORKERS (2-3, default 2), VISION_QUEUE_WORKER_CONCURRENCY (default 5),
 * VISION_QUEUE_LOW_CONCURRENCY (default 1; 0 skips that phase), VISION_QUEUE_CALLS (default 200),
 * VISION_QUEUE_CLIENTS (default 16), VISION_QUEUE_FAULT_CALLS (default 200; 0 skips the worker kill),
 * VISION_QUEUE_INSTALL (community | custom, default community), VISION_QUEUE_BINARY_MODE,
 * VISION_QUEUE_RESULTS (where to write the markdown figures; default docs/queue-results.md, "-" = nowhere),
 * VISION_QUEUE_FIGURES (also write the figures as JSON there), VISION_QUEUE_KEEP=1 (keep the temp
 * folder), VISION_SKIP_BUILD=1.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const { spawnSync } = require('node:child_process');
const env = require('./n8n-env');
const services = require('../test/queue/services');
const { startQueueServer, answerPieces, SLOW_PIECES, SLOW_GAP_MS } = require('../test/queue/answers');
const wf = require('../test/queue/workflows');
const { watchRedis } = require('../test/queue/redisWatch');
const { pngFor, multipart, request, streamRequest, restClient, percentile } = require('../test/queue/client');
const { createProcs, waitForLine, waitFor, sleep } = require('../test/queue/procs');
const { preparePackage } = require('../test/queue/install');
const { runLoad, phaseRows, checkLoad, figuresOf, queueOrder, modelRequests } = require('../test/queue/load');
const report = require('../test/queue/report');

const ROOT = env.ROOT;
const int = (name, def, min, max) => {
	const v = Number(process.env[name] || def);
	if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${name} must be an integer from ${min} to ${max}`);
	return v;
};
const CFG = {
	workers: int('VISION_QUEUE_WORKERS', 2, 2, 3),
	workerConcurrency: int('VISION_QUEUE_WORKER_CONCURRENCY', 5, 1, 50),
	lowConcurrency: process.env.VISION_QUEUE_LOW_CONCURRENCY === '0' ? 0 : int('VISION_QUEUE_LOW_CONCURRENCY', 1, 1, 50),
	calls: int('VISION_QUEUE_CALLS', 200, 1, 2000),
	clients: int('VISION_QUEUE_CLIENTS', 16, 1, 64),
	faultCalls: process.env.VISION_QUEUE_FAULT_CALLS === '0' ? 0 : int('VISION_QUEUE_FAULT_CALLS', 200, 20, 2000),
	faultAt: 0.25, // kill once this share of the fault phase's calls is answered
	recoveryCalls: 32,
	install: process.env.VISION_QUEUE_INSTALL || 'community',
	mainPort: 5710,
	mainBroker: 5711,
	cliPort: 5718, // and 5719 for its broker: the import/publish commands, run one at a time
	redisPort: 6390,
	pgPort: 5440,
	streams: 3,
	stopCloseLimitMs: 5000,
	results: process.env.VISION_QUEUE_RESULTS || path.join(ROOT, 'docs', 'queue-results.md'),
};
const workerPorts = (i) => ({ health: 5712 + 2 * i, broker: 5713 + 2 * i });

/**
 * Bull's job lock, set on every process (the workers use them; all in ms). A worker renews the
 * lock of each job it runs every LOCK_RENEW_TIME. Every STALLED_INTERVAL a worker runs Bull's
 * stalled-job check (one check per interval for the whole queue, guarded by a Redis key: two
 * checks can be up to 2 intervals apart): a job found active at one check whose lock has expired
 * by the next one has stalled. n8n runs Bull with maxStalledCount 0, so such a job fails at once
 * and is never run again. The main then re-reads the execution from the database for a fixed 30 s
 * (n8n 2.41's MAX_STALLED_COUNT_GRACE_WINDOW_MS: it might have finished after all) before it
 * fails it and answers the webhook caller. So the work of a worker that died ends at the latest
 * LOCK_DURATION + 2 x STALLED_INTERVAL + 30 s after the death: 55 s here. (With n8n's defaults,
 * 60 s lock and 30 s interval, up to 150 s.) Renewing every 5 s leaves 10 s of slack before a
 * busy but healthy worker would lose a lock; the interval only costs one small Lua script.
 */
const QUEUE_SETTINGS = {
	QUEUE_WORKER_LOCK_DURATION: process.env.QUEUE_WORKER_LOCK_DURATION || '15000',
	QUEUE_WORKER_LOCK_RENEW_TIME: process.env.QUEUE_WORKER_LOCK_RENEW_TIME || '5000',
	QUEUE_WORKER_STALLED_INTERVAL: process.env.QUEUE_WORKER_STALLED_INTERVAL || '5000',
};
const N8N_STALL_GRACE_MS = 30000;
const FAULT_BOUND_MS = Number(QUEUE_SETTINGS.QUEUE_WORKER_LOCK_DURATION) + 2 * Number(QUEUE_SETTINGS.QUEUE_WORKER_STALLED_INTERVAL) + N8N_STALL_GRACE_MS;
const FAULT_SLACK_MS = 5000; // the main's database re-checks and two busy cores

const T0 = Date.now();
const secs = (t) => ((Date.now() - t) / 1000).toFixed(1);
const log = (msg) => process.stdout.write(`[queue ${secs(T0).padStart(5)} s] ${msg}\n`);
const fmt = (ms) => (Number.isFinite(ms) ? `${Math.round(ms)} ms` : 'n/a');
const fmtS = (ms) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : 'n/a');

// ---------------------------------------------------------------- checks

const results = [];
function check(name, ok, detail = '') {
	results.push({ name, ok: Boolean(ok), detail });
	process.stdout.write(`  ${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` (${detail})` : ''}\n`);
	return Boolean(ok);
}

// ---------------------------------------------------------------- cleanup

const cleanup = { procs: null, redis: null, pg: null, server: null, watch: null, streams: [], tmp: null, done: false };

function cleanUp(failed) {
	cleanup.promise ??= doCleanUp(failed);
	return cleanup.promise;
}

async function doCleanUp(failed) {
	const t = Date.now();
	for (const s of cleanup.streams) s.abort();
	const all = cleanup.procs ? cleanup.procs.all : [];
	await Promise.all(all.map((p) => cleanup.procs.stop(p).catch(() => {})));
	if (cleanup.server) await cleanup.server.close().catch(() => {});
	if (cleanup.watch) cleanup.watch.close();
	if (cleanup.redis) await cleanup.redis.stop().catch((e) => log(`warning: stopping Redis: ${e.message}`));
	if (cleanup.pg) await cleanup.pg.stop().catch((e) => log(`warning: stopping Postgres: ${e.message}`));
	if (cleanup.tmp) {
		if (process.env.VISION_QUEUE_KEEP) log(`VISION_QUEUE_KEEP: ${cleanup.tmp} kept (the stopped cluster too)`);
		else if (failed) {
			for (const entry of fs.readdirSync(cleanup.tmp)) if (entry !== 'logs') fs.rmSync(path.join(cleanup.tmp, entry), { recursive: true, force: true });
			log(`logs kept in ${path.join(cleanup.tmp, 'logs')}`);
		} else fs.rmSync(cleanup.tmp, { recursive: true, force: true });
	}
	cleanup.done = true;
	log(`cleaned up in ${secs(t)} s: ${all.length} n8n processes, Redis, Postgres cluster`);
}

// Last resort when the script exits before cleanUp finished (an exception, a second signal).
process.on('exit', () => {
	if (cleanup.done) return;
	if (cleanup.procs) cleanup.procs.killAllSync();
	if (cleanup.redis && !cleanup.redis.stopped) {
		try {
			process.kill(cleanup.redis.pid, 'SIGKILL');
		} catch {}
	}
	if (cleanup.pg && !cleanup.pg.stopped && cleanup.pg.dataDir) {
		spawnSync('runuser', ['-u', 'postgres', '--', path.join(services.postgresBin(), 'pg_ctl'), '-D', cleanup.pg.dataDir, '-m', 'immediate', '-w', 'stop'], { stdio: 'ignore' });
	}
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
	process.on(sig, () => {
		if (cleanup.signalled) return;
		cleanup.signalled = true;
		log(`${sig}: cleaning up`);
		cleanUp(true).finally(() => process.exit(130));
	});
}

// ---------------------------------------------------------------- main

async function main() {
	log(`n8n ${env.N8N_VERSION} queue mode: 1 main + ${CFG.workers} workers; load ${CFG.calls} calls at ${CFG.clients} clients, worker concurrency ${CFG.workerConcurrency}${CFG.lowConcurrency ? ` and ${CFG.lowConcurrency}` : ''}; worker kill ${CFG.faultCalls ? `during ${CFG.faultCalls} calls` : 'skipped'}; package as ${CFG.install}`);
	const ports = [CFG.mainPort, CFG.mainBroker, CFG.redisPort, CFG.pgPort, CFG.cliPort, CFG.cliPort + 1];
	for (let i = 0; i < CFG.workers; i++) ports.push(workerPorts(i).health, workerPorts(i).broker);
	const busy = [];
	for (const p of ports) if (await env.portInUse(p)) busy.push(p);
	if (busy.length) throw new Error(`ports already in use: ${busy.join(', ')} (another queue run?)`);

	await env.ensureDeps(ROOT);
	if (process.env.VISION_SKIP_BUILD) log('VISION_SKIP_BUILD is set: not building');
	else await env.ensureBuilt(ROOT);
	if (!fs.existsSync(path.join(ROOT, 'dist', 'nodes', 'VisionChat', 'VisionChat.node.js'))) throw new Error('dist/ has no built node; run npm run build');
	const n8n = await env.ensureN8n(ROOT);

	const pkgs = await services.ensurePackages(log);
	if (pkgs.installed.length) log(`apt-get installed ${pkgs.installed.join(', ')} in ${pkgs.seconds.toFixed(1)} s`);

	const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vision-queue-'));
	fs.chmodSync(tmp, 0o755); // the postgres user must reach its cluster folder inside
	cleanup.tmp = tmp;
	const logDir = path.join(tmp, 'logs');
	fs.mkdirSync(logDir);
	log(`temp folder ${tmp}`);
	const procs = createProcs({ n8n, logDir });
	cleanup.procs = procs;

	// ---- the package, installed into each process's own user folder
	const tInstall = Date.now();
	const installer = preparePackage({ root: ROOT, mode: CFG.install, workDir: tmp, env, log });
	const names = ['main', ...Array.from({ length: CFG.workers }, (_, i) => `worker${i + 1}`)];
	const installs = {};
	for (const name of names) installs[name] = installer.install(path.join(tmp, name));
	log(`package installed (${installer.mode}) for ${names.join(', ')} in ${secs(tInstall)} s; node type ${installer.nodeType}`);

	const apiKey = `sk-queue-${crypto.randomBytes(12).toString('hex')}`;
	const server = await startQueueServer({ apiKey });
	cleanup.server = server;
	log(`loopback SSE server on ${server.baseUrl}`);

	const tServices = Date.now();
	const started = await Promise.allSettled([
		services.startRedis({ dir: path.join(tmp, 'redis'), port: CFG.redisPort, log, onStart: (r) => (cleanup.redis = r) }),
		services.startPostgres({ dir: path.join(tmp, 'pg'), port: CFG.pgPort, log, onStart: (p) => (cleanup.pg = p) }),
	]);
	for (const r of started) if (r.status === 'rejected') throw r.reason;
	const pg = started[1].value;
	log(`Redis and Postgres ready in ${secs(tServices)} s`);
	// Bull job progress (send-chunk, respond-to-webhook, job-finished, abort-job), n8n commands, and
	// Bull's failed-job events (a stalled job is announced there when the check finds it).
	const watch = await watchRedis({ port: CFG.redisPort, patterns: ['bull:*:progress', '*n8n.commands', 'bull:*:failed'] });
	cleanup.watch = watch;

	const encryptionKey = crypto.randomBytes(24).toString('hex');
	const common = {
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: '127.0.0.1',
		QUEUE_BULL_REDIS_PORT: String(CFG.redisPort),
		...QUEUE_SETTINGS,
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: '127.0.0.1',
		DB_POSTGRESDB_PORT: String(CFG.pgPort),
		DB_POSTGRESDB_DATABASE: pg.database,
		DB_POSTGRESDB_USER: pg.user,
		DB_POSTGRESDB_PASSWORD: '',
		N8N_ENCRYPTION_KEY: encryptionKey,
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
		N8N_LOG_LEVEL: 'info',
		N8N_LOG_OUTPUT: 'console',
		N8N_DISABLED_MODULES: 'mcp-registry', // offline: its registry refresh only logs ENOTFOUND
	};
	const processEnv = (name, { port, brokerPort, extra = {} }) => {
		const inst = installs[name];
		const e = env.n8nEnv({ userFolder: inst.userFolder, port, brokerPort, extra: { ...common, ...inst.envExtra, ...extra } });
		if (installer.mode === 'community') delete e.N8N_CUSTOM_EXTENSIONS; // only .n8n/nodes, as users install
		// n8nEnv defaults to filesystem mode; queue mode's own default is `database`.
		if (process.env.VISION_QUEUE_BINARY_MODE) e.N8N_DEFAULT_BINARY_DATA_MODE = process.env.VISION_QUEUE_BINARY_MODE;
		else delete e.N8N_DEFAULT_BINARY_DATA_MODE;
		return e;
	};
	const mainEnv = processEnv('main', { port: CFG.mainPort, brokerPort: CFG.mainBroker });
	const workerEnv = (i) => {
		const { health, broker } = workerPorts(i);
		return processEnv(`worker${i + 1}`, { port: health, brokerPort: broker, extra: { QUEUE_HEALTH_CHECK_ACTIVE: 'true', QUEUE_HEALTH_CHECK_PORT: String(health) } });
	};

	// ---- import + publish, before any n8n runs (the first command runs the migrations)
	const tImport = Date.now();
	const importDir = path.join(tmp, 'import');
	fs.mkdirSync(importDir, { mode: 0o700 });
	const credFile = path.join(importDir, 'credentials.json');
	const wfFile = path.join(importDir, 'workflows.json');
	fs.writeFileSync(credFile, JSON.stringify([wf.credential({ apiKey, baseUrl: server.baseUrl })]), { mode: 0o600 });
	fs.writeFileSync(wfFile, JSON.stringify(wf.workflows(installer.nodeType)));
	const cliEnv = { ...mainEnv, N8N_PORT: String(CFG.cliPort), N8N_RUNNERS_BROKER_PORT: String(CFG.cliPort + 1) };
	await procs.cli('import-credentials', ['import:credentials', `--input=${credFile}`], cliEnv);
	log(`credential imported (and database migrated) in ${secs(tImport)} s`);
	await procs.cli('import-workflows', ['import:workflow', `--input=${wfFile}`], cliEnv);
	for (const id of Object.values(wf.IDS)) await procs.cli(`publish-${id}`, ['publish:workflow', `--id=${id}`], cliEnv);
	log(`3 workflows imported and published in ${secs(tImport)} s`);
	fs.rmSync(importDir, { recursive: true, force: true });

	// ---- worker bookkeeping: which worker process started/finished which execution, and when
	const execByWorker = new Map(); // executionId -> { worker, slot, startedAt, finishedAt }
	const track = (w) => {
		const onLine = (line) => {
			let m = /Worker started execution (\d+) \(job/.exec(line.text);
			if (m) execByWorker.set(m[1], { worker: w.name, slot: w.slot, startedAt: line.at, finishedAt: null });
			m = /Worker finished execution (\d+) \(job/.exec(line.text);
			if (m && execByWorker.has(m[1])) execByWorker.get(m[1]).finishedAt = line.at;
		};
		w.lines.forEach(onLine);
		w.listeners.push(onLine);
	};
	const startWorker = (i, concurrency, name) => {
		const w = procs.spawn(name, ['worker', `--concurrency=${concurrency}`], workerEnv(i));
		w.slot = `worker${i + 1}`;
		w.index = i;
		w.concurrency = concurrency;
		track(w);
		return w;
	};
	const workerReady = async (w, timeoutMs = 240000) => {
		await env.waitForHealth(workerPorts(w.index).health, timeoutMs, { child: w.child, path: '/healthz/readiness' });
		await waitForLine(w, /n8n worker is now ready/, 60000);
		return Date.now();
	};
	const tails = (list) => {
		for (const p of list) log(`--- ${p.name} log tail:\n${p.lines.slice(-25).map((l) => l.text).join('\n')}`);
	};

	// ---- main + workers
	const tStart = Date.now();
	const mainProc = procs.spawn('main', ['start'], mainEnv);
	// Worker concurrency 1 is measured first, on a fresh queue; then the workers restart with 5.
	const firstConcurrency = CFG.lowConcurrency || CFG.workerConcurrency;
	let workers = Array.from({ length: CFG.workers }, (_, i) => startWorker(i, firstConcurrency, `worker${i + 1}-c${firstConcurrency}`));
	try {
		await env.waitForHealth(CFG.mainPort, 240000, { child: mainProc.child, path: '/healthz/readiness' });
		await Promise.all(workers.map((w) => workerReady(w)));
	} catch (error) {
		tails([mainProc, ...workers]);
		throw error;
	}
	const startSecs = secs(tStart);
	log(`main and ${CFG.workers} workers ready in ${startSecs} s`);

	console.log('\nSetup');
	const checkConcurrency = (list) => {
		for (const w of list) check(`${w.name} is ready with concurrency ${w.concurrency}`, new RegExp(`Concurrency: ${w.concurrency}\\b`).test(w.lines.map((l) => l.text).join('\n')));
	};
	checkConcurrency(workers);
	if (installer.mode === 'community') {
		const where = names.map((n) => installs[n].packageDir);
		const ok = where.every((d) => fs.existsSync(path.join(d, 'dist', 'nodes', 'VisionChat', 'VisionChat.node.js')) && installs.main.dependencies.every((dep) => fs.existsSync(path.join(d, 'node_modules', dep, 'package.json'))));
		check(
			`the package is installed from its npm pack tarball in each process's own user folder (.n8n/nodes/node_modules/${installer.packed.name}), no N8N_CUSTOM_EXTENSIONS`,
			ok && !mainEnv.N8N_CUSTOM_EXTENSIONS && !workerEnv(0).N8N_CUSTOM_EXTENSIONS,
			names.map((n) => path.relative(tmp, installs[n].packageDir)).join(', '),
		);
	}
	const unrecognized = [mainProc, ...workers].filter((p) => p.lines.some((l) => /Unrecognized node type|Failed to load/i.test(l.text)));
	check(`every process loaded the package (node type ${installer.nodeType}; no "Unrecognized node type")`, unrecognized.length === 0, unrecognized.map((p) => p.name).join(', '));

	const webhookUrl = (kind) => `http://127.0.0.1:${CFG.mainPort}/webhook/${wf.PATHS[kind]}`;

	// /healthz/readiness answers before the published workflows are active: n8n 2.41 activates them
	// in the background (its publication outbox). Probe with GET, which a POST webhook answers with
	// 404 "…not registered for GET requests. Did you mean to make a POST request?" once it exists.
	const tHooks = Date.now();
	const hooksReady = await waitFor(
		'the three webhooks to be registered',
		async () => {
			for (const kind of Object.keys(wf.PATHS)) {
				const res = await request(webhookUrl(kind), { timeoutMs: 5000 });
				if (!/Did you mean to make a POST request/.test(res.body || '')) return false;
			}
			return Number(await pg.psql('SELECT count(*) FROM webhook_entity')) === 3;
		},
		90000,
		250,
	).catch((error) => error);
	check("the published workflows' webhooks got registered by the main", hooksReady === true, hooksReady === true ? `${secs(tHooks)} s after readiness` : hooksReady.message);
	await sleep(1000); // let the registration settle (POSTs right after the probe flipped still saw 404s)

	const runTag = crypto.randomBytes(3).toString('hex');
	const enqueuedAt = new Map(); // executionId -> when the main put it on the queue
	const onMainLine = (line) => {
		const m = /Enqueued execution (\d+) \(job (\d+)\)/.exec(line.text);
		if (m) enqueuedAt.set(m[1], line.at);
	};
	mainProc.lines.forEach(onMainLine);
	mainProc.listeners.push(onMainLine);
	const ctx = { server, pg, watch, wf, apiKey, runTag, check, webhookUrl, execByWorker, enqueuedAt, mainProc };
	const figures = { n8nVersion: env.N8N_VERSION, install: installer.mode, nodeType: installer.nodeType, queueSettings: QUEUE_SETTINGS, faultBoundMs: FAULT_BOUND_MS, phases: {} };
	const tableRows = [];

	const loadPhase = async (phase, during) => {
		const c = workers[0].concurrency;
		console.log(`\nLoad (${phase}): ${CFG.calls} multipart webhook calls, ${CFG.clients} at once, ${workers.length} workers x concurrency ${c}`);
		const load = await runLoad(ctx, { phase, count: CFG.calls, clients: CFG.clients, during });
		const f = await checkLoad(ctx, load, { workers, label: phase });
		load.figures = f;
		figures.phases[phase] = { ...f, workers: workers.length, workerConcurrency: c };
		tableRows.push({ label: `load, worker concurrency ${c}`, workers: workers.length, concurrency: c, figures: f });
		log(`${phase}: wall ${fmtS(load.wallMs)}, ${f.throughputPerSecond.toFixed(1)} calls/s, p50 ${fmt(f.latencyMs.p50)}, p95 ${fmt(f.latencyMs.p95)}; queue wait p50 ${fmt(f.queue.waitMs.p50)} max ${fmt(f.queue.waitMs.max)}, out of order ${(100 * f.queue.share).toFixed(1)}% of pairs`);
		return load;
	};

	// ---------------------------------------------------------------- load at worker concurrency 1
	if (CFG.lowConcurrency) {
		await loadPhase(`c${CFG.lowConcurrency}`);
		console.log(`\nRestarting the workers with --concurrency=${CFG.workerConcurrency}`);
		const tRestart = Date.now();
		await Promise.all(workers.map((w) => procs.stop(w)));
		workers = Array.from({ length: CFG.workers }, (_, i) => startWorker(i, CFG.workerConcurrency, `worker${i + 1}`));
		try {
			await Promise.all(workers.map((w) => workerReady(w)));
		} catch (error) {
			tails(workers);
			throw error;
		}
		log(`workers restarted in ${secs(tRestart)} s`);
		checkConcurrency(workers);
	}

	// ---------------------------------------------------------------- streaming
	console.log(`\nStreaming: ${CFG.streams} "Streaming" webhooks at once, each answer ${SLOW_PIECES} chunks ${SLOW_GAP_MS} ms apart`);
	const streamCalls = Array.from({ length: CFG.streams }, (_, i) => {
		const rid = `stream-${i}-${runTag}`;
		const image = pngFor(`stream-${runTag}-${i}`);
		return { rid, image, expected: answerPieces(rid, { sha: image.sha, bytes: image.bytes.length, mime: image.mime }, SLOW_PIECES) };
	});
	const streamResults = await Promise.all(
		streamCalls.map((s) => {
			const { body, contentType } = multipart({ rid: s.rid }, { photo: { bytes: s.image.bytes, fileName: `${s.rid}.png`, mimeType: 'image/png' } });
			return streamRequest(webhookUrl('stream'), { body, headers: { 'content-type': contentType }, timeoutMs: 90000 }).done;
		}),
	);
	const relayLag = [];
	const spreads = [];
	let streamsOk = 0;
	let streamsLive = 0;
	const streamProblems = [];
	streamResults.forEach((res, i) => {
		const s = streamCalls[i];
		const lines = res.lines.filter((l) => l.json && l.json.type !== 'keepalive');
		const types = lines.map((l) => l.json.type);
		const items = lines.filter((l) => l.json.type === 'item');
		const text = items.map((l) => l.json.content).join('');
		const rec = server.requests.find((r) => r.rid === s.rid);
		const shapeOk = res.status === 200 && types[0] === 'begin' && types[types.length - 1] === 'end' && !types.includes('error') && items.length === SLOW_PIECES && text === s.expected.join('');
		if (shapeOk) streamsOk++;
		else streamProblems.push(`${s.rid}: HTTP ${res.status} ${res.error || ''} types ${types.join(',').slice(0, 200)} text ${JSON.stringify(text.slice(0, 80))}`);
		if (items.length >= 2) {
			const spread = items[items.length - 1].at - items[0].at;
			spreads.push(spread);
			// Live: the first piece reached the caller before the model server wrote its last one.
			if (rec && items[0].at < rec.lastContentAt && spread >= (SLOW_PIECES - 1) * SLOW_GAP_MS * 0.6) streamsLive++;
		}
		if (rec && rec.writes) items.forEach((l, k) => rec.writes[k] !== undefined && relayLag.push(l.at - rec.writes[k]));
	});
	check(`each streaming caller got begin, ${SLOW_PIECES} item chunks with its own text, end (${streamsOk}/${CFG.streams})`, streamsOk === CFG.streams, streamProblems.slice(0, 2).join(' | '));
	check(`the chunks arrived live, spread over the answer's time (${streamsLive}/${CFG.streams})`, streamsLive === CFG.streams, `first-to-last item: ${spreads.map((m) => `${(m / 1000).toFixed(1)} s`).join(', ')}; answer takes ${(((SLOW_PIECES - 1) * SLOW_GAP_MS) / 1000).toFixed(1)} s`);
	await sleep(300);
	const streamRows = (await pg.psql(`SELECT id FROM execution_entity WHERE "workflowId" = '${wf.IDS.stream}' ORDER BY id`)).split('\n').filter(Boolean);
	const streamWorkers = streamRows.map((id) => (execByWorker.get(id) || {}).worker);
	check('the streaming executions ran on workers (chunks went worker -> Redis -> main -> caller)', streamRows.length === CFG.streams && streamWorkers.every(Boolean), `${streamRows.length} executions on ${streamWorkers.join(', ')}`);
	const viaRedis = streamRows.map((id) => {
		const chunks = watch.progressOf(id, 'send-chunk').map((m) => m.data.progress.chunkText || {});
		return chunks.filter((c) => c.type === 'item').length === SLOW_PIECES && chunks[0] && chunks[0].type === 'begin' && chunks[chunks.length - 1].type === 'end';
	});
	check('every chunk of those executions passed through Redis as a send-chunk job progress message', viaRedis.length === CFG.streams && viaRedis.every(Boolean), `${viaRedis.filter(Boolean).length}/${streamRows.length} executions: begin, ${SLOW_PIECES} items, end`);
	relayLag.sort((a, b) => a - b);
	figures.streaming = {
		streams: CFG.streams,
		firstToLastItemMs: spreads,
		chunkRelayLagMs: { p50: percentile(relayLag, 50), p95: percentile(relayLag, 95), max: relayLag[relayLag.length - 1] },
		workers: streamWorkers,
	};

	// ---------------------------------------------------------------- stop over REST
	console.log('\nStop: an execution streaming on a worker, stopped through the REST API');
	const rest = restClient(`http://127.0.0.1:${CFG.mainPort}`);
	const owner = { email: 'queue-owner@example.com', firstName: 'Queue', lastName: 'Owner', password: `Queue-${crypto.randomBytes(6).toString('hex')}-9Z` };
	const setup = await rest.call('POST', '/rest/owner/setup', owner);
	const login = await rest.call('POST', '/rest/login', { emailOrLdapLoginId: owner.email, password: owner.password });
	check('owner set up and logged in over REST', setup.status === 200 && login.status === 200 && rest.hasSession(), `setup HTTP ${setup.status}, login HTTP ${login.status}`);

	const stopRid = `stop-0-${runTag}`;
	const stopImage = pngFor(`stop-${runTag}`);
	const sb = multipart({ rid: stopRid }, { photo: { bytes: stopImage.bytes, fileName: 'stop.png', mimeType: 'image/png' } });
	let firstItemAt = null;
	const stopLines = [];
	const stopStream = streamRequest(webhookUrl('stop'), {
		body: sb.body,
		headers: { 'content-type': sb.contentType },
		timeoutMs: 150000,
		onLine: (l) => {
			stopLines.push(l);
			if (l.json && l.json.type === 'item' && !firstItemAt) firstItemAt = l.at;
		},
	});
	cleanup.streams.push(stopStream);
	let stopFigures = {};
	try {
		const rec = await waitFor('the model request of the execution to stop', () => server.requests.find((r) => r.rid === stopRid && r.text.length > 0), 60000);
		await waitFor('the first chunk at the caller', () => firstItemAt, 20000);
		const execId = await waitFor('the running execution in Postgres', async () => (await pg.psql(`SELECT id FROM execution_entity WHERE "workflowId" = '${wf.IDS.stop}' AND status = 'running' ORDER BY id DESC LIMIT 1`)) || null, 20000, 200);
		const worker = (execByWorker.get(execId) || {}).worker;
		check('the execution to stop is running on a worker, mid-stream', Boolean(worker) && !rec.closedAt, `execution ${execId} on ${worker}, caller got its first chunk`);
		await sleep(500);
		const tStop = Date.now();
		const stop = await rest.call('POST', `/rest/executions/${execId}/stop`);
		check('POST /rest/executions/:id/stop answered 200', stop.status === 200, `HTTP ${stop.status} ${JSON.stringify(stop.data).slice(0, 200)}`);
		let closedMs = null;
		try {
			await waitFor('the model request to close', () => rec.closedAt, 30000, 20);
			closedMs = rec.closedAt - tStop;
		} catch {}
		check(`the worker aborted the in-flight model request within ${CFG.stopCloseLimitMs / 1000} s of the stop`, closedMs !== null && rec.closedByClient && closedMs <= CFG.stopCloseLimitMs, closedMs === null ? 'the model server never saw the connection close (30 s)' : `connection closed ${closedMs} ms after the stop call, by ${rec.closedByClient ? 'the node' : 'the server'}`);
		const job = await waitFor('the abort-job message', () => watch.messages.find((m) => m.data && m.data.progress && m.data.progress.kind === 'abort-job' && m.at >= tStop), 10000, 20).catch(() => null);
		const stopCmd = watch.messages.find((m) => m.channel.endsWith('n8n.commands') && m.data && m.data.command === 'stop-execution' && m.data.payload && String(m.data.payload.executionId) === String(execId));
		check('the main sent the stop to the workers through Redis (abort-job on the job, stop-execution command)', Boolean(job) && Boolean(stopCmd), `abort-job ${job ? `${job.at - tStop} ms` : 'missing'}, stop-execution ${stopCmd ? `${stopCmd.at - tStop} ms` : 'missing'} after the stop call`);
		const nodeChunks = await waitFor(
			"the node's error and end chunks in Redis",
			() => {
				const after = watch.progressOf(execId, 'send-chunk').filter((m) => m.at >= tStop).map((m) => m.data.progress.chunkText || {});
				return after.some((c) => c.type === 'end') ? after : null;
			},
			10000,
			20,
		).catch(() => watch.progressOf(execId, 'send-chunk').filter((m) => m.at >= tStop).map((m) => m.data.progress.chunkText || {}));
		const errChunk = nodeChunks.find((c) => c.type === 'error');
		check('on the worker, the node sent the caller an error chunk (cancelled) and an end chunk through Redis', errChunk && /cancel/i.test(String(errChunk.content)) && nodeChunks.findIndex((c) => c.type === 'end') > nodeChunks.indexOf(errChunk), `after the stop: ${nodeChunks.map((c) => c.type).join(', ') || 'nothing'}${errChunk ? `; ${JSON.stringify(errChunk.content)}` : ''}`);
		const status = await waitFor(
			'a final execution status',
			async () => {
				const s = await pg.psql(`SELECT status FROM execution_entity WHERE id = ${execId}`);
				return s && s !== 'running' && s !== 'new' ? s : null;
			},
			30000,
			200,
		).catch(() => 'running');
		check('the execution ended as canceled in Postgres', status === 'canceled', `status ${status}`);
		// What reached the caller after the stop (n8n's part: the main forwards send-chunk messages
		// only while the execution is in its ActiveExecutions, and a stop removes it at once).
		const res = await Promise.race([stopStream.done, sleep(5000).then(() => null)]);
		const after = (res ? res.lines : stopLines).filter((l) => l.at >= tStop && l.json);
		if (!after.some((l) => l.json.type === 'error'))
			log(`NOTE: the caller got ${after.length ? after.map((l) => l.json.type).join(', ') : 'no line'} after the stop: the main dropped the node's error/end chunks (n8n removes a stopped execution from ActiveExecutions before the worker's last chunks arrive)`);
		const endMs = res ? res.endedAt - tStop : null;
		if (res) log(`the caller's streaming response ended ${endMs} ms after the stop`);
		else log("NOTE: n8n left the caller's streaming response open 5 s after the stop (queue mode never ends the HTTP response of a cancelled streaming execution: WorkflowRunner.enqueueExecution's cancel path skips ActiveExecutions.finalizeExecution, which is what calls res.end())");
		const again = server.requests.filter((r) => r.rid === stopRid).length;
		check('the stopped request was not retried', again === 1, `${again} request(s) for it`);
		stopFigures = { executionId: execId, worker, modelRequestClosedMsAfterStop: closedMs, stopCallMs: stop.ms, callerResponseEndedMsAfterStop: endMs, callerLinesAfterStop: after.map((l) => l.json.type), finalStatus: status };
	} finally {
		stopStream.abort();
	}
	figures.stop = stopFigures;

	// ---------------------------------------------------------------- load at worker concurrency 5
	// With one streaming webhook sent a quarter of the way in: how long it waits in the queue.
	const probeRid = `probe-0-${runTag}`;
	const streamingProbe = async (progress) => {
		await waitFor('a quarter of the calls answered', () => progress.done >= Math.floor(CFG.calls * 0.25), 180000, 10);
		const image = pngFor(probeRid);
		const expected = answerPieces(probeRid, { sha: image.sha, bytes: image.bytes.length, mime: image.mime }, SLOW_PIECES).join('');
		const { body, contentType } = multipart({ rid: probeRid }, { photo: { bytes: image.bytes, fileName: 'probe.png', mimeType: 'image/png' } });
		const sentAt = Date.now();
		const sentWhen = progress.done;
		const res = await streamRequest(webhookUrl('stream'), { body, headers: { 'content-type': contentType }, timeoutMs: 120000 }).done;
		const lines = res.lines.filter((l) => l.json && l.json.type !== 'keepalive');
		const items = lines.filter((l) => l.json.type === 'item');
		const types = lines.map((l) => l.json.type);
		return {
			sentAt,
			sentWhen,
			doneWhen: progress.done,
			firstItemMs: items.length ? items[0].at - sentAt : null,
			ms: res.ms,
			ok: res.status === 200 && types[0] === 'begin' && types[types.length - 1] === 'end' && items.map((l) => l.json.content).join('') === expected,
			types,
		};
	};
	const c5 = await loadPhase(`c${CFG.workerConcurrency}`, streamingProbe);
	{
		const p = c5.during;
		const probeExec = await pg.psql(`SELECT id FROM execution_entity WHERE "workflowId" = '${wf.IDS.stream}' ORDER BY id DESC LIMIT 1`);
		const e = execByWorker.get(probeExec);
		const waitMs = e && enqueuedAt.get(probeExec) ? e.startedAt - enqueuedAt.get(probeExec) : NaN;
		const q = c5.figures.queue;
		check(
			`c${CFG.workerConcurrency}: a streaming webhook sent ${p.sentWhen} calls into the load got its whole answer (begin, ${SLOW_PIECES} items, end)`,
			p.ok,
			`it waited ${fmtS(waitMs)} in the queue (the load's calls: p50 ${fmtS(q.waitMs.p50)}, longest ${fmtS(q.waitMs.max)}); first chunk ${fmtS(p.firstItemMs)} after sending, when ${p.doneWhen}/${CFG.calls} calls were answered${p.ok ? '' : `; got ${p.types.join(',')}`}`,
		);
		figures.phases[`c${CFG.workerConcurrency}`].streamingProbe = { queueWaitMs: waitMs, firstItemMs: p.firstItemMs, sentAfterCalls: p.sentWhen, firstItemAfterCalls: p.doneWhen, loadQueueWaitMs: q.waitMs };
		if (waitMs > 3 * q.waitMs.max) log(`NOTE: n8n 2.41.1 enqueues a streaming webhook with priority 100 (as a background execution) and a webhook whose caller waits for the answer with 50: under a backlog the streaming one waits until no such job is left`);
	}

	// ---------------------------------------------------------------- a worker killed mid-load
	const faultFrom = Date.now();
	let killedIds = new Set();
	if (CFG.faultCalls) {
		const r = await faultPhase({ ctx, procs, workers, startWorker, workerReady, figures, tableRows });
		workers = r.workers;
		killedIds = r.killedIds;
	}

	// Nothing went wrong in the logs that the checks above would not see. From the kill on, n8n
	// reports the killed executions ("Problem with execution N: job stalled…"): only those.
	const everyProc = procs.all.filter((p) => !/^(import|publish)/.test(p.name));
	const problems = everyProc.flatMap((p) =>
		p.lines
			.filter((l) => /Unrecognized node type|Problem with execution|job stalled|value too long|QueryFailedError/i.test(l.text))
			.filter((l) => {
				if (l.at < faultFrom) return true;
				if (killedIds.size && /^Error: job stalled more than maxStalledCount$/.test(l.text.trim())) return false; // the stack of a reported one
				const ids = [...l.text.matchAll(/execution (\d+)/gi)].map((m) => m[1]);
				return !(ids.length && ids.every((id) => killedIds.has(id)));
			})
			.map((l) => `${p.name}: ${l.text}`),
	);
	check(`no "job stalled" or execution problems in the n8n logs${killedIds.size ? ' other than the killed executions' : ''}`, problems.length === 0, problems.slice(0, 3).join(' | '));

	// ---------------------------------------------------------------- report
	console.log('\nMeasured');
	console.log(`  setup: package ${installer.mode} install, services ${((tImport - tServices) / 1000).toFixed(1)} s, import+publish ${((tStart - tImport) / 1000).toFixed(1)} s, main+workers start ${startSecs} s`);
	console.log(`  streaming: first-to-last chunk at the caller ${spreads.map((m) => `${m} ms`).join(', ')}; chunk relay lag model -> caller p50 ${fmt(figures.streaming.chunkRelayLagMs.p50)}, p95 ${fmt(figures.streaming.chunkRelayLagMs.p95)}, max ${fmt(figures.streaming.chunkRelayLagMs.max)}`);
	console.log(`  stop: REST call ${fmt(stopFigures.stopCallMs)}; model request closed ${fmt(stopFigures.modelRequestClosedMsAfterStop)} after the stop call; caller's response ${stopFigures.callerResponseEndedMsAfterStop === null ? 'still open 5 s after it (n8n)' : `ended ${fmt(stopFigures.callerResponseEndedMsAfterStop)} after it`}`);
	for (const [phase, f] of Object.entries(figures.phases)) {
		console.log(`  ${phase}: ${f.correct}/${f.calls} correct, wall ${f.wallSeconds.toFixed(1)} s, ${f.throughputPerSecond.toFixed(2)} calls/s, per call p50 ${fmt(f.latencyMs.p50)} p95 ${fmt(f.latencyMs.p95)} max ${fmt(f.latencyMs.max)}; model request p50 ${fmt(f.modelRequestMs.p50)}; per worker ${Object.entries(f.perWorker).map(([w, n]) => `${w} ${n}`).join(', ')}; peak at once ${Object.entries(f.peakConcurrentPerWorker).map(([w, n]) => `${w} ${n}`).join(', ')}`);
	}
	const streamText = `${CFG.streams} answers of ${SLOW_PIECES} chunks over ${(((SLOW_PIECES - 1) * SLOW_GAP_MS) / 1000).toFixed(1)} s reached their callers spread over ${spreads.map((m) => fmtS(m)).join(', ')}; relay lag model → caller p50 ${fmt(figures.streaming.chunkRelayLagMs.p50)}, p95 ${fmt(figures.streaming.chunkRelayLagMs.p95)}`;
	const stopText = `the worker closed the model request ${fmt(stopFigures.modelRequestClosedMsAfterStop)} after the stop call; the caller's streaming response ${stopFigures.callerResponseEndedMsAfterStop === null ? 'was still open 5 s later (n8n 2.41.1 does not end it)' : `ended ${fmt(stopFigures.callerResponseEndedMsAfterStop)} after it`}`;
	const notes = [];
	const probe = figures.phases[`c${CFG.workerConcurrency}`] && figures.phases[`c${CFG.workerConcurrency}`].streamingProbe;
	if (probe)
		notes.push(
			`A streaming webhook sent ${probe.sentAfterCalls} calls into the worker-concurrency-${CFG.workerConcurrency} load waited ${fmtS(probe.queueWaitMs)} in Bull's queue, while the load's own calls waited ${fmtS(probe.loadQueueWaitMs.p50)} (p50), ${fmtS(probe.loadQueueWaitMs.max)} at most: ` +
				'n8n 2.41.1 enqueues streaming webhooks with priority 100, webhooks whose caller waits for the answer with 50.',
		);
	figures.report = { streamText, stopText, notes };
	figures.tableRows = tableRows;
	return figures;
}

// ---------------------------------------------------------------- the worker kill

/**
 * Removes the entries of Bull's priority set whose job is not in the wait list. Safe while n8n
 * runs: Bull adds a job to both in one script, and removes it from the set when a worker takes it,
 * so an entry without a waiting job is either stale or about to be removed anyway.
 */
const STALE_PRIORITY_CLEANUP =
	"local w = {} for _, id in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do w[id] = true end " +
	"local n = 0 for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do if not w[id] then redis.call('ZREM', KEYS[1], id) n = n + 1 end end return n";

/** Job ids in Bull's priority set that are not waiting (run when the queue is idle). */
async function staleQueueEntries() {
	const [prio, wait] = await Promise.all([
		services.redisCli(CFG.redisPort, ['ZRANGE', 'bull:jobs:priority', '0', '-1']),
		services.redisCli(CFG.redisPort, ['LRANGE', 'bull:jobs:wait', '0', '-1']),
	]);
	const waiting = new Set(wait.split('\n').filter(Boolean));
	return prio.split('\n').filter((id) => id && !waiting.has(id));
}

/**
 * A streaming call whose model request stays open (queue-stall) starts on an idle queue; the load
 * follows; a quarter of the way in, the worker running the streaming call is SIGKILLed with its
 * task runner and started again at once, as a supervisor would. Then: what every caller got and
 * when, what n8n and Bull did, whether Bull's priority set kept a stale entry (removed if so),
 * and a short load that the restarted worker must share.
 */
async function faultPhase({ ctx, procs, workers, startWorker, workerReady, figures, tableRows }) {
	const { server, pg, watch, wf, runTag, execByWorker } = ctx;
	console.log(`\nWorker killed mid-load: ${CFG.faultCalls} calls, ${CFG.clients} at once; SIGKILL of a worker after ${Math.round(CFG.faultAt * 100)}%, restarted at once; bound ${FAULT_BOUND_MS / 1000} s (lock ${QUEUE_SETTINGS.QUEUE_WORKER_LOCK_DURATION} ms + 2 x stalled interval ${QUEUE_SETTINGS.QUEUE_WORKER_STALLED_INTERVAL} ms + n8n's 30 s re-check)`);
	const streamRid = `faultstream-0-${runTag}`;
	const kill = {};
	const phaseStart = Date.now(); // a cancelled execution never logs "finished": count only this phase's
	// The streaming call first, on an idle queue: n8n enqueues streaming webhooks with a lower
	// priority than webhooks whose caller waits for the answer, so under load it would wait until
	// no load job is left. Its model request (queue-stall) stays open until the worker dies.
	const image = pngFor(streamRid);
	const sm = multipart({ rid: streamRid }, { photo: { bytes: image.bytes, fileName: 'fault.png', mimeType: 'image/png' } });
	kill.streamLines = [];
	const stream = streamRequest(ctx.webhookUrl('stop'), { body: sm.body, headers: { 'content-type': sm.contentType }, timeoutMs: 150000, onLine: (l) => kill.streamLines.push(l) });
	cleanup.streams.push(stream);
	kill.streamDone = stream.done;
	await waitFor('the fault stream to deliver its first chunk', () => kill.streamLines.some((l) => l.json && l.json.type === 'item'), 60000, 10);
	kill.streamExecId = await waitFor('its running execution', async () => (await pg.psql(`SELECT id FROM execution_entity WHERE "workflowId" = '${wf.IDS.stop}' AND status = 'running' ORDER BY id DESC LIMIT 1`)) || null, 10000, 50);
	const where = await waitFor('the worker running it', () => execByWorker.get(kill.streamExecId), 10000, 20);
	kill.victim = workers.find((w) => w.name === where.worker);
	log(`streaming execution ${kill.streamExecId} runs on ${kill.victim.name}, mid-answer: that worker will be killed`);
	const during = async (progress) => {
		await waitFor('a quarter of the calls answered', () => progress.done >= Math.floor(CFG.faultCalls * CFG.faultAt), 180000, 10);
		const victim = kill.victim;
		kill.done = progress.done;
		kill.at = Date.now();
		kill.exitMs = await procs.kill(victim);
		kill.inFlight = [...execByWorker].filter(([, e]) => e.worker === victim.name && !e.finishedAt && e.startedAt >= phaseStart).map(([id]) => id);
		log(`SIGKILL ${victim.name} (pid ${victim.child.pid}, with its task runner) at ${new Date(kill.at).toISOString().slice(11, 23)} after ${kill.done}/${CFG.faultCalls} answers, running ${kill.inFlight.length} executions (${kill.inFlight.join(', ')}); gone in ${kill.exitMs} ms; restarting it`);
		kill.replacement = startWorker(victim.index, victim.concurrency, `${victim.slot}-restarted`);
		// rid -> execution now: once n8n fails a killed execution it replaces its data (and the rid in it).
		kill.snapshot = await phaseRows(ctx, 'fault');
		kill.replacementReadyAt = await workerReady(kill.replacement);
		log(`${kill.replacement.name} ready ${fmtS(kill.replacementReadyAt - kill.at)} after the kill`);
	};
	const load = await runLoad(ctx, { phase: 'fault', count: CFG.faultCalls, clients: CFG.clients, during });
	const K = kill.at;
	const streamRes = await Promise.race([kill.streamDone, sleep(Math.max(0, K + FAULT_BOUND_MS + FAULT_SLACK_MS - Date.now())).then(() => null)]);
	const victim = kill.victim;

	// Which calls ran where: Postgres maps rid -> execution, the worker logs map execution -> worker.
	await sleep(300);
	const rows = await phaseRows(ctx, 'fault');
	const known = new Set(rows.map((r) => r.id));
	for (const r of kill.snapshot) {
		if (known.has(r.id)) continue;
		const [status, mode] = (await pg.psql(`SELECT status, mode FROM execution_entity WHERE id = ${r.id}`)).split('\t');
		rows.push({ ...r, status, mode });
		known.add(r.id);
	}
	const byRid = new Map(load.calls.map((c) => [c.rid, c]));
	for (const row of rows) {
		const call = byRid.get(row.rid);
		if (!call) continue;
		call.executionId = row.id;
		call.status = row.status;
		call.worker = (execByWorker.get(row.id) || {}).worker;
	}
	// The killed worker's work: executions it had started and not finished, and any it had taken
	// from the queue without logging it yet (in no worker's log at all).
	const inFlight = new Set(kill.inFlight);
	const inFlightCalls = load.calls.filter((c) => c.executionId && (inFlight.has(c.executionId) || !c.worker));
	// The in-flight list is read just before the signal. A call whose answer had already gone to
	// its caller in that instant is not lost (its execution may still end as an error, since the
	// worker died before saving it): a race seen in clean-clone runs, not a failure.
	const answeredAnyway = inFlightCalls.filter((c) => c.correct);
	const killedCalls = inFlightCalls.filter((c) => !c.correct);
	const killedIds = new Set([...killedCalls.map((c) => c.executionId), kill.streamExecId]);
	const others = load.calls.filter((c) => !inFlightCalls.includes(c));
	const othersOk = others.filter((c) => c.correct);
	const failed = load.calls.filter((c) => !c.correct);
	const ended = load.calls.filter((c) => c.res && c.res.status > 0);
	const slowest = Math.max(...load.calls.map((c) => (c.res ? c.res.ms : Infinity)));

	check(`fault: the kill hit work in flight (${victim.name} was running ${kill.inFlight.length} executions: ${killedCalls.length} load calls and the streaming call)`, inFlightCalls.length >= 1 && inFlight.has(kill.streamExecId), `${kill.done}/${CFG.faultCalls} answered before the kill`);
	check(`fault: no request hung: all ${CFG.faultCalls} got an HTTP answer, the slowest after ${fmtS(slowest)} (bound ${fmtS(FAULT_BOUND_MS + FAULT_SLACK_MS)})`, ended.length === CFG.faultCalls && slowest <= FAULT_BOUND_MS + FAULT_SLACK_MS + 10000, ended.length < CFG.faultCalls ? `${CFG.faultCalls - ended.length} without an answer` : '');
	check(
		`fault: every call whose execution did not run on the killed worker got the answer for its own image (${othersOk.length}/${others.length})`,
		othersOk.length === others.length && others.length > 0,
		others
			.filter((c) => !c.correct)
			.slice(0, 3)
			.map((c) => `${c.rid} (execution ${c.executionId} on ${c.worker}): HTTP ${c.res.status} ${String(c.res.body).slice(0, 120)}`)
			.join(' | '),
	);
	const killedEnds = killedCalls.map((c) => c.endedAt - K).sort((a, b) => a - b);
	const failBodies = [...new Set(killedCalls.map((c) => `HTTP ${c.res.status} ${String(c.res.body).trim()}`))];
	check(
		`fault: the ${killedCalls.length} calls in flight on the killed worker got n8n's generic error within the bound (${failBodies.join('; ')})`,
		killedCalls.every((c) => c.res.status === 500) && (killedEnds.length === 0 || killedEnds[killedEnds.length - 1] <= FAULT_BOUND_MS + FAULT_SLACK_MS),
		`${fmtS(killedEnds[0])} to ${fmtS(killedEnds[killedEnds.length - 1])} after the kill; bound ${fmtS(FAULT_BOUND_MS)}`,
	);
	const reqs = modelRequests(ctx, 'fault');
	const perRid = new Map();
	for (const r of reqs) perRid.set(r.rid, (perRid.get(r.rid) || 0) + 1);
	const dupes = [...perRid].filter(([, k]) => k > 1).length;
	const killedStatuses = [...new Set(killedCalls.map((c) => c.status))];
	check(
		'fault: nothing re-run or duplicated: at most one model request per call, the killed executions ended as errors, every other one as success',
		dupes === 0 && rows.length === CFG.faultCalls && killedCalls.every((c) => c.status === 'error' || c.status === 'crashed') && answeredAnyway.every((c) => c.status !== 'running') && others.every((c) => c.status === 'success'),
		`${reqs.length} model requests for ${CFG.faultCalls} calls, ${dupes} duplicated; killed: ${killedStatuses.join(', ')}; ${rows.length} executions`,
	);
	// What the node's own requests did: the kernel closed the dead worker's sockets, so the
	// provider saw each of them end at the kill (and stops generating), without anything to run.
	// Open at the kill: received before it, answer not completely written before it, not closed before it.
	const openAtKill = [...killedCalls.map((c) => c.rid), streamRid]
		.map((rid) => server.requests.find((r) => r.rid === rid))
		.filter((r) => r && r.receivedAt <= K && !(r.answeredAt && r.answeredAt < K) && !(r.closedAt && r.closedAt < K));
	// Closed by the dead worker's side (an answer the server finished writing after the kill counts:
	// the socket was already gone, the server had not read that yet).
	const closedAfter = openAtKill.filter((r) => r.closedAt && (r.closedByClient || r.answeredAt >= K)).map((r) => r.closedAt - K);
	const closedMax = closedAfter.length ? Math.max(...closedAfter) : NaN;
	check(
		`fault: the killed worker's open model requests were closed at the kill (${closedAfter.length}/${openAtKill.length}), so the provider stops generating`,
		openAtKill.length >= 1 && closedAfter.length === openAtKill.length && closedMax <= 2000,
		`closed ${fmt(Math.min(...closedAfter))} to ${fmt(closedMax)} after the SIGKILL`,
	);
	// The streaming caller: chunks up to the kill, then n8n closes the response once it gives up.
	const streamLines = (streamRes ? streamRes.lines : kill.streamLines).filter((l) => l.json && l.json.type !== 'keepalive');
	const sTypes = streamLines.map((l) => l.json.type);
	const streamEndMs = streamRes ? streamRes.endedAt - K : null;
	check(
		"fault: the streaming caller on the killed worker got its first chunks, then n8n ended its response within the bound, with no `end` chunk (the caller's sign that the answer is cut)",
		sTypes[0] === 'begin' && sTypes.includes('item') && !sTypes.includes('end') && streamEndMs !== null && streamEndMs <= FAULT_BOUND_MS + FAULT_SLACK_MS,
		`${sTypes.join(', ')}; ${streamEndMs === null ? `still open ${fmtS(FAULT_BOUND_MS + FAULT_SLACK_MS)} after the kill` : `ended ${fmtS(streamEndMs)} after the kill`}`,
	);
	const stallReports = ctx.mainProc.lines.filter((l) => l.at >= K && /Problem with execution (\d+)/.test(l.text)).map((l) => ({ id: /Problem with execution (\d+)/.exec(l.text)[1], ms: l.at - K }));
	const stallSet = new Set(stallReports.map((r) => r.id));
	// When Bull's stalled-job check failed the jobs (its PUBLISH on the failed channel), and when the
	// main gave up on them after its 30 s re-check: the two parts of the bound.
	const jobToExec = new Map();
	for (const l of ctx.mainProc.lines) {
		const m = /Enqueued execution (\d+) \(job (\d+)\)/.exec(l.text);
		if (m) jobToExec.set(m[2], m[1]);
	}
	const detected = watch.messages
		.filter((m) => m.at >= K && /:failed$/.test(m.channel) && m.data && /stalled/.test(String(m.data.val)))
		.map((m) => ({ id: jobToExec.get(String(m.data.jobId)), ms: m.at - K }));
	const detectedMs = detected.map((d) => d.ms);
	const reportedMs = stallReports.map((r) => r.ms);
	log(`fault: Bull failed the killed jobs ${detectedMs.map((m) => fmtS(m)).join(', ')} after the kill (${detected.map((d) => d.id).join(', ')}); the main gave up on them ${reportedMs.map((m) => fmtS(m)).join(', ')} after it`);
	check(
		"fault: the main reported exactly the killed executions as failed (\"Problem with execution N: job stalled…\")",
		[...killedIds].every((id) => stallSet.has(id)) && [...stallSet].every((id) => killedIds.has(id) || answeredAnyway.some((c) => c.executionId === id)),
		`${stallSet.size} reported, ${killedIds.size} killed${answeredAnyway.length ? `, ${answeredAnyway.length} answered just before the kill` : ''}`,
	);

	// Bull's priority set, now that the queue is idle: every n8n job is added with a priority, and
	// Bull places a new job in the wait list by counting that set. A job the killed worker had
	// popped from the wait list (BRPOPLPUSH) but not yet moved to active (the script that takes the
	// lock and removes it from the set) stays in the set for good, and from then on each new job is
	// placed next to the head of the list: newest first. See docs/queue-snippet.md.
	const stale = await staleQueueEntries();
	const staleExecs = stale.map((job) => jobToExec.get(job) || `job ${job}`);
	log(`fault: Bull's priority set holds ${stale.length} entr${stale.length === 1 ? 'y' : 'ies'} for jobs no longer waiting${stale.length ? ` (executions ${staleExecs.join(', ')})` : ''}`);

	// The restarted worker takes its share again.
	const nowWorkers = workers.map((w) => (w === victim ? kill.replacement : w));
	const afterBatch = async (phase, what) => {
		console.log(`\n${what}: ${CFG.recoveryCalls} calls, ${CFG.clients} at once, on the survivor and the restarted worker`);
		const batch = await runLoad(ctx, { phase, count: CFG.recoveryCalls, clients: CFG.clients });
		await sleep(300);
		const batchRows = await phaseRows(ctx, phase);
		const ok = batch.calls.filter((c) => c.correct).length;
		const onReplacement = batchRows.filter((r) => (execByWorker.get(r.id) || {}).worker === kill.replacement.name).length;
		const order = queueOrder(ctx, batchRows);
		check(
			`${phase}: every call got its own answer (${ok}/${CFG.recoveryCalls}) and the restarted worker ran some (${onReplacement})`,
			ok === CFG.recoveryCalls && onReplacement >= 1,
			`queue wait p50 ${fmt(order.waitMs.p50)}, max ${fmt(order.waitMs.max)}; a later call started first in ${(100 * order.share).toFixed(0)}% of pairs`,
		);
		return { ok, onReplacement, order, wallMs: batch.wallMs };
	};
	const afterFigures = { stale: staleExecs };
	afterFigures.after = await afterBatch('after', stale.length ? 'After the kill, stale priority entry still there' : 'After the kill');
	if (stale.length) {
		const removed = Number(await services.redisCli(CFG.redisPort, ['EVAL', STALE_PRIORITY_CLEANUP, '2', 'bull:jobs:priority', 'bull:jobs:wait']));
		log(`removed ${removed} stale entr${removed === 1 ? 'y' : 'ies'} from bull:jobs:priority (the EVAL in docs/queue-snippet.md)`);
		afterFigures.cleaned = await afterBatch('cleaned', 'After removing it');
		check(
			'cleaned: with the stale priority entry removed, the queue is first-in-first-out again',
			afterFigures.cleaned.order.share <= 0.05,
			`later call started first in ${(100 * afterFigures.cleaned.order.share).toFixed(0)}% of pairs (before the clean-up ${(100 * afterFigures.after.order.share).toFixed(0)}%)`,
		);
	}
	const onReplacement = afterFigures.after.onReplacement;

	const f = figuresOf(ctx, load, rows, [...workers, kill.replacement]);
	const fault = {
		victim: victim.name,
		calls: CFG.faultCalls,
		killAfterMs: K - load.t0,
		answeredBeforeKill: kill.done,
		inFlight: killedIds.size, // started on it, or taken from the queue and not started yet
		inFlightStarted: kill.inFlight.length,
		answered: load.calls.filter((c) => c.correct).length,
		failedByKill: killedCalls.length,
		otherFailures: failed.length - killedCalls.filter((c) => !c.correct).length,
		failStatus: killedCalls.length ? killedCalls[0].res.status : null,
		failBody: killedCalls.length ? String(killedCalls[0].res.body).trim() : '',
		firstFailureMs: killedEnds[0],
		lastFailureMs: killedEnds[killedEnds.length - 1],
		boundMs: FAULT_BOUND_MS,
		slowestMs: slowest,
		modelOpen: openAtKill.length,
		modelClosed: closedAfter.length,
		modelClosedMaxMs: Number.isFinite(closedMax) ? closedMax : null,
		restartReadyMs: kill.replacementReadyAt - K,
		stallDetectedMs: detectedMs,
		staleQueueEntries: staleExecs,
		afterKill: afterFigures,
		mainGaveUpMs: reportedMs,
		streamEndedMs: streamEndMs,
		afterOnRestarted: onReplacement,
		stream: `it received ${sTypes.join(', ')} before the kill; n8n ${streamEndMs === null ? 'had not closed its response' : `closed its response ${fmtS(streamEndMs)} after the kill`}, with no \`end\` or \`error\` line`,
	};
	log(`fault: ${fault.answered}/${fault.calls} answered, ${fault.failedByKill} failed by the kill (HTTP ${fault.failStatus}, ${fmtS(fault.firstFailureMs)}–${fmtS(fault.lastFailureMs)} after it), slowest call ${fmtS(slowest)}`);
	figures.fault = fault;
	figures.phases.fault = { ...f, workers: workers.length, workerConcurrency: victim.concurrency };
	tableRows.push({ label: `load with ${victim.slot} killed at ${fmtS(fault.killAfterMs)}`, workers: workers.length, concurrency: victim.concurrency, figures: f });
	// For the log check: every execution the kill touched, including ones answered just before it.
	return { workers: nowWorkers, killedIds: new Set([...killedIds, ...answeredAnyway.map((c) => c.executionId)]) };
}

(async () => {
	let failed = false;
	let figures = null;
	try {
		figures = await main();
	} catch (error) {
		failed = true;
		console.error(`\n${error.stack || error}`);
		check('the suite ran to the end', false, error.message.split('\n')[0]);
	}
	failed = failed || results.some((r) => !r.ok);
	const passed = results.filter((r) => r.ok).length;
	if (figures) {
		const md = report.markdown({
			n8nVersion: figures.n8nVersion,
			settings: Object.entries(figures.queueSettings).map(([k, v]) => `\`${k}=${v}\``).join(', '),
			rows: figures.tableRows,
			fault: figures.fault,
			streaming: figures.report.streamText,
			stop: figures.report.stopText,
			notes: figures.report.notes,
			totalSeconds: (Date.now() - T0) / 1000,
			passed,
			failed: results.length - passed,
		});
		console.log(`\n${md}`);
		if (CFG.results !== '-') {
			try {
				fs.writeFileSync(CFG.results, md);
				log(`figures written to ${path.relative(ROOT, CFG.results) || CFG.results}`);
			} catch (error) {
				log(`warning: could not write ${CFG.results}: ${error.message}`);
			}
		}
		const logDir = cleanup.tmp && path.join(cleanup.tmp, 'logs');
		if (logDir && fs.existsSync(logDir)) {
			fs.writeFileSync(path.join(logDir, 'figures.json'), JSON.stringify(figures, null, 2));
			if (cleanup.watch) fs.writeFileSync(path.join(logDir, 'redis-messages.json'), JSON.stringify(cleanup.watch.messages));
		}
		if (process.env.VISION_QUEUE_FIGURES) fs.writeFileSync(process.env.VISION_QUEUE_FIGURES, JSON.stringify(figures, null, 2));
	}
	await cleanUp(failed).catch((e) => console.error(`cleanup: ${e.message}`));
	console.log(`\n${passed} passed, ${results.length - passed} failed (${secs(T0)} s)`);
	process.exit(failed ? 1 : 0);
})();
