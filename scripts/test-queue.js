#!/usr/bin/env node
'use strict';
/**
 * `npm run test:queue`: the node in n8n's queue mode, under load, on one machine.
 *
 *   1. installs redis-server and postgresql with apt-get when missing (as root)
 *   2. starts Redis (127.0.0.1:6390) and a throwaway Postgres cluster (127.0.0.1:5440, run as the
 *      postgres user), and the loopback OpenAI-compatible SSE server (test/queue/server.js)
 *   3. stages the built package once per n8n process (each its own user folder and its own
 *      N8N_CUSTOM_EXTENSIONS folder, as if on separate machines), imports a credential and three
 *      webhook workflows, publishes them (import:workflow, then publish:workflow --id for each)
 *   4. starts one n8n main (EXECUTIONS_MODE=queue, Postgres, binary data left at n8n's queue-mode
 *      default, `database`) and VISION_QUEUE_WORKERS workers (`n8n worker --concurrency=N`)
 *   5. load: VISION_QUEUE_CALLS multipart webhook calls (a different image each), at most
 *      VISION_QUEUE_CLIENTS at once, Webhook -> Vision Chat -> Respond to Webhook; then
 *      streaming webhooks through the workers; then a REST stop of an execution mid-stream
 *   6. asserts, prints the measured figures, ends with "N passed, N failed"
 *   7. stops every process it started and removes the cluster (also on failure or Ctrl-C);
 *      on failure the logs are kept and their folder printed
 *
 * Ports: main 5710 (broker 5711); worker i (0-based) health 5712+2i, broker 5713+2i;
 * the CLI imports 5718/5719. Redis 6390, Postgres 5440. All on 127.0.0.1.
 *
 * Environment: VISION_QUEUE_WORKERS (2-3, default 2), VISION_QUEUE_WORKER_CONCURRENCY (default 5),
 * VISION_QUEUE_CALLS (default 48), VISION_QUEUE_CLIENTS (default 8), VISION_QUEUE_KEEP=1 (keep the
 * temp folder), VISION_SKIP_BUILD=1.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const { spawn, spawnSync } = require('node:child_process');
const env = require('./n8n-env');
const services = require('../test/queue/services');
const { startQueueServer, answerPieces, SLOW_PIECES, SLOW_GAP_MS } = require('../test/queue/server');
const wf = require('../test/queue/workflows');
const { watchRedis } = require('../test/queue/redisWatch');
const { pngFor, multipart, request, streamRequest, restClient, percentile, pool } = require('../test/queue/client');

const ROOT = env.ROOT;
const int = (name, def, min, max) => {
	const v = Number(process.env[name] || def);
	if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${name} must be an integer from ${min} to ${max}`);
	return v;
};
const CFG = {
	workers: int('VISION_QUEUE_WORKERS', 2, 2, 3),
	workerConcurrency: int('VISION_QUEUE_WORKER_CONCURRENCY', 5, 1, 50),
	calls: int('VISION_QUEUE_CALLS', 48, 1, 1000),
	clients: int('VISION_QUEUE_CLIENTS', 8, 1, 64),
	mainPort: 5710,
	mainBroker: 5711,
	cliPort: 5718, // and 5719 for its broker: the import/publish commands, run one at a time
	redisPort: 6390,
	pgPort: 5440,
	streams: 3,
	stopCloseLimitMs: 5000,
};
const workerPorts = (i) => ({ health: 5712 + 2 * i, broker: 5713 + 2 * i });

const T0 = Date.now();
const secs = (t) => ((Date.now() - t) / 1000).toFixed(1);
const log = (msg) => process.stdout.write(`[queue ${secs(T0).padStart(5)} s] ${msg}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const stripAnsi = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');

// ---------------------------------------------------------------- checks

const results = [];
function check(name, ok, detail = '') {
	results.push({ name, ok: Boolean(ok), detail });
	process.stdout.write(`  ${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` (${detail})` : ''}\n`);
	return Boolean(ok);
}

// ---------------------------------------------------------------- processes and cleanup

const cleanup = { n8n: [], redis: null, pg: null, server: null, watch: null, tmp: null, done: false };

/** An n8n process in its own process group; stdout/stderr go to a log file and to `lines`. */
function spawnN8n(n8n, name, args, spawnEnv, logDir) {
	const logFile = path.join(logDir, `${name}.log`);
	const out = fs.createWriteStream(logFile);
	const child = spawn(n8n.node, [n8n.n8nMain, ...args], { env: spawnEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
	const proc = { name, child, logFile, lines: [], listeners: [], exited: null };
	let pending = '';
	const onData = (chunk) => {
		out.write(chunk);
		pending += chunk.toString('utf8');
		let nl;
		while ((nl = pending.indexOf('\n')) >= 0) {
			const line = { at: Date.now(), text: stripAnsi(pending.slice(0, nl)) };
			pending = pending.slice(nl + 1);
			proc.lines.push(line);
			for (const fn of proc.listeners) fn(line);
		}
	};
	child.stdout.on('data', onData);
	child.stderr.on('data', onData);
	child.on('exit', (code, signal) => {
		proc.exited = signal || code;
		out.end();
	});
	cleanup.n8n.push(proc);
	return proc;
}

async function stopN8n(proc, timeoutMs = 20000) {
	const { child } = proc;
	if (child.exitCode !== null || child.signalCode !== null) return;
	const gone = new Promise((resolve) => child.once('exit', resolve));
	try {
		process.kill(-child.pid, 'SIGTERM');
	} catch {}
	const timer = setTimeout(() => {
		try {
			process.kill(-child.pid, 'SIGKILL');
		} catch {}
	}, timeoutMs);
	await gone;
	clearTimeout(timer);
	// The task runner is in the same group; make sure nothing of the group is left.
	try {
		process.kill(-child.pid, 'SIGKILL');
	} catch {}
}

/** Stops everything this run started; one run at a time (a signal during cleanup waits for it). */
function cleanUp(failed) {
	cleanup.promise ??= doCleanUp(failed);
	return cleanup.promise;
}

async function doCleanUp(failed) {
	const t = Date.now();
	await Promise.all(cleanup.n8n.map((p) => stopN8n(p).catch(() => {})));
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
	log(`cleaned up in ${secs(t)} s: ${cleanup.n8n.length} n8n processes, Redis, Postgres cluster`);
}

// Last resort when the script exits before cleanUp finished (an exception, a second signal):
// kill what is still alive, synchronously.
process.on('exit', () => {
	if (cleanup.done) return;
	for (const p of cleanup.n8n) {
		try {
			process.kill(-p.child.pid, 'SIGKILL');
		} catch {}
	}
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
		if (cleanup.signalled) return; // already cleaning up; the exit hook covers a hard exit
		cleanup.signalled = true;
		log(`${sig}: cleaning up`);
		cleanUp(true).finally(() => process.exit(130));
	});
}

/** Runs an n8n CLI command to completion, its output into a log file; rejects with the tail. */
function n8nCli(n8n, name, args, spawnEnv, logDir) {
	return new Promise((resolve, reject) => {
		const proc = spawnN8n(n8n, name, args, spawnEnv, logDir);
		proc.child.on('exit', (code, signal) => {
			if (code === 0) resolve(proc);
			else reject(new Error(`n8n ${args.join(' ')} failed (${signal || `exit ${code}`}):\n${proc.lines.slice(-30).map((l) => l.text).join('\n')}`));
		});
	});
}

function waitForLine(proc, regex, timeoutMs) {
	const found = proc.lines.find((l) => regex.test(l.text));
	if (found) return Promise.resolve(found);
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			proc.listeners = proc.listeners.filter((f) => f !== fn);
			reject(new Error(`${proc.name}: no log line matching ${regex} within ${timeoutMs} ms`));
		}, timeoutMs);
		const fn = (line) => {
			if (!regex.test(line.text)) return;
			clearTimeout(timer);
			proc.listeners = proc.listeners.filter((f) => f !== fn);
			resolve(line);
		};
		proc.listeners.push(fn);
	});
}

async function waitFor(what, fn, timeoutMs, everyMs = 100) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await fn();
		if (value) return value;
		if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await sleep(everyMs);
	}
}

const fmt = (ms) => (Number.isFinite(ms) ? `${Math.round(ms)} ms` : 'n/a');

// ---------------------------------------------------------------- main

async function main() {
	log(`n8n ${env.N8N_VERSION} queue mode: 1 main + ${CFG.workers} workers (--concurrency=${CFG.workerConcurrency}), ${CFG.calls} calls at ${CFG.clients} clients`);
	const busy = [];
	const ports = [CFG.mainPort, CFG.mainBroker, CFG.redisPort, CFG.pgPort];
	for (let i = 0; i < CFG.workers; i++) ports.push(workerPorts(i).health, workerPorts(i).broker);
	ports.push(CFG.cliPort, CFG.cliPort + 1);
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
	// What the processes say to each other through Redis (Bull job progress, n8n commands).
	const watch = await watchRedis({ port: CFG.redisPort });
	cleanup.watch = watch;

	// One encryption key for every process: the worker decrypts the credential the main imported.
	const encryptionKey = crypto.randomBytes(24).toString('hex');
	const common = {
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: '127.0.0.1',
		QUEUE_BULL_REDIS_PORT: String(CFG.redisPort),
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
		const base = path.join(tmp, name);
		// Each process gets its own copy of the package, as on separate machines.
		const { extensionsDir } = env.stageExtension(ROOT, path.join(base, 'stage'));
		const e = env.n8nEnv({ userFolder: path.join(base, 'user'), port, brokerPort, extensionsDir, extra: { ...common, ...extra } });
		// n8nEnv defaults to filesystem mode; queue mode's own default is `database` (filesystem is not
		// shared between machines), so leave the choice to n8n unless asked.
		if (process.env.VISION_QUEUE_BINARY_MODE) e.N8N_DEFAULT_BINARY_DATA_MODE = process.env.VISION_QUEUE_BINARY_MODE;
		else delete e.N8N_DEFAULT_BINARY_DATA_MODE;
		return e;
	};
	const mainEnv = processEnv('main', { port: CFG.mainPort, brokerPort: CFG.mainBroker });

	// ---- import + publish, before any n8n runs (the first command runs the migrations)
	const tImport = Date.now();
	const importDir = path.join(tmp, 'import');
	fs.mkdirSync(importDir, { mode: 0o700 });
	const credFile = path.join(importDir, 'credentials.json');
	const wfFile = path.join(importDir, 'workflows.json');
	fs.writeFileSync(credFile, JSON.stringify([wf.credential({ apiKey, baseUrl: server.baseUrl })]), { mode: 0o600 });
	fs.writeFileSync(wfFile, JSON.stringify(wf.workflows()));
	const cliEnv = () => ({ ...mainEnv, N8N_PORT: String(CFG.cliPort), N8N_RUNNERS_BROKER_PORT: String(CFG.cliPort + 1) });
	await n8nCli(n8n, 'import-credentials', ['import:credentials', `--input=${credFile}`], cliEnv(), logDir);
	log(`credential imported (and database migrated) in ${secs(tImport)} s`);
	await n8nCli(n8n, 'import-workflows', ['import:workflow', `--input=${wfFile}`], cliEnv(), logDir);
	for (const id of Object.values(wf.IDS)) await n8nCli(n8n, `publish-${id}`, ['publish:workflow', `--id=${id}`], cliEnv(), logDir);
	log(`3 workflows imported and published in ${secs(tImport)} s`);
	fs.rmSync(importDir, { recursive: true, force: true });

	// ---- main + workers
	const tStart = Date.now();
	const mainProc = spawnN8n(n8n, 'main', ['start'], mainEnv, logDir);
	const workers = [];
	for (let i = 0; i < CFG.workers; i++) {
		const { health, broker } = workerPorts(i);
		const wEnv = processEnv(`worker${i + 1}`, {
			port: health,
			brokerPort: broker,
			extra: { QUEUE_HEALTH_CHECK_ACTIVE: 'true', QUEUE_HEALTH_CHECK_PORT: String(health) },
		});
		workers.push(spawnN8n(n8n, `worker${i + 1}`, ['worker', `--concurrency=${CFG.workerConcurrency}`], wEnv, logDir));
	}
	try {
		await env.waitForHealth(CFG.mainPort, 240000, { child: mainProc.child, path: '/healthz/readiness' });
		await Promise.all(workers.map((w, i) => env.waitForHealth(workerPorts(i).health, 240000, { child: w.child, path: '/healthz/readiness' })));
		await Promise.all(workers.map((w) => waitForLine(w, /n8n worker is now ready/, 60000)));
	} catch (error) {
		for (const p of [mainProc, ...workers]) log(`--- ${p.name} log tail:\n${p.lines.slice(-25).map((l) => l.text).join('\n')}`);
		throw error;
	}
	const startSecs = secs(tStart);
	log(`main and ${CFG.workers} workers ready in ${startSecs} s`);

	console.log('\nSetup');
	for (const w of workers) {
		const text = w.lines.map((l) => l.text).join('\n');
		check(`${w.name} is ready with concurrency ${CFG.workerConcurrency}`, new RegExp(`Concurrency: ${CFG.workerConcurrency}\\b`).test(text));
	}
	const unrecognized = [mainProc, ...workers].filter((p) => p.lines.some((l) => /Unrecognized node type|Failed to load/i.test(l.text)));
	check('every process loaded the package (no "Unrecognized node type")', unrecognized.length === 0, unrecognized.map((p) => p.name).join(', '));

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
	check('the published workflows\' webhooks got registered by the main', hooksReady === true, hooksReady === true ? `${secs(tHooks)} s after readiness` : hooksReady.message);
	await sleep(1000); // let the registration settle (POSTs right after the probe flipped still saw 404s)

	// Worker logs: which worker started which execution, and when.
	const execByWorker = new Map(); // executionId -> { worker, startedAt, finishedAt }
	for (const w of workers) {
		const onLine = (line) => {
			let m = /Worker started execution (\d+) \(job/.exec(line.text);
			if (m) execByWorker.set(m[1], { worker: w.name, startedAt: line.at, finishedAt: null });
			m = /Worker finished execution (\d+) \(job/.exec(line.text);
			if (m && execByWorker.has(m[1])) execByWorker.get(m[1]).finishedAt = line.at;
		};
		w.lines.forEach(onLine);
		w.listeners.push(onLine);
	}

	// ---------------------------------------------------------------- load
	console.log(`\nLoad: ${CFG.calls} multipart webhook calls, ${CFG.clients} at once`);
	const runTag = crypto.randomBytes(3).toString('hex');
	const calls = Array.from({ length: CFG.calls }, (_, i) => {
		const rid = `load-${String(i).padStart(4, '0')}-${runTag}`;
		const image = pngFor(`${runTag}-${i}`);
		return { i, rid, image, expected: answerPieces(rid, { sha: image.sha, bytes: image.bytes.length, mime: image.mime }, 6).join('') };
	});
	const tLoad = Date.now();
	const responses = await pool(CFG.calls, CFG.clients, async (i) => {
		const call = calls[i];
		const { body, contentType } = multipart({ rid: call.rid }, { photo: { bytes: call.image.bytes, fileName: `image-${i}.png`, mimeType: 'image/png' } });
		const startedAt = Date.now();
		const res = await request(webhookUrl('load'), { method: 'POST', body, headers: { 'content-type': contentType }, timeoutMs: 120000 });
		return { ...res, startedAt };
	});
	const loadWallMs = Date.now() - tLoad;

	let correct = 0;
	const wrong = [];
	for (const call of calls) {
		const res = responses[call.i];
		let json;
		try {
			json = JSON.parse(res.body);
		} catch {
			json = undefined;
		}
		call.res = res;
		call.text = json && json.text;
		if (res.status === 200 && json && json.text === call.expected && json.finishReason === 'stop') correct++;
		else wrong.push(`${call.rid}: HTTP ${res.status} ${res.error || ''} ${String(res.body).slice(0, 200)}`);
	}
	check(`every call answered HTTP 200 with the answer for its own image and rid (${correct}/${CFG.calls})`, correct === CFG.calls, wrong.slice(0, 3).join(' | '));
	const loadRequests = server.requests.filter((r) => r.rid && r.rid.endsWith(runTag) && r.rid.startsWith('load-'));
	const perRid = new Map();
	for (const r of loadRequests) perRid.set(r.rid, (perRid.get(r.rid) || 0) + 1);
	const dupes = [...perRid].filter(([, n]) => n > 1);
	const missing = calls.filter((c) => !perRid.has(c.rid));
	check('the model server got exactly one request per call (none lost, none duplicated)', loadRequests.length === CFG.calls && !dupes.length && !missing.length, `${loadRequests.length} requests, ${dupes.length} duplicated, ${missing.length} missing`);
	const imageMatch = loadRequests.filter((r) => {
		const call = calls.find((c) => c.rid === r.rid);
		return call && r.images.length === 1 && r.images[0].sha === call.image.sha && r.images[0].mime === 'image/png' && r.stream === true;
	});
	check('each request to the model carried the caller\'s own image (hash match, image/png, stream: true)', imageMatch.length === loadRequests.length && loadRequests.length === CFG.calls, `${imageMatch.length}/${loadRequests.length}`);
	const authOk = loadRequests.filter((r) => r.authorization === `Bearer ${apiKey}` && r.customHeader === '1');
	check('workers decrypted the credential (API key and custom header arrived)', authOk.length === loadRequests.length && loadRequests.length > 0, `${authOk.length}/${loadRequests.length}`);

	// n8n's own records: executions in Postgres, joined to the worker that logged them.
	await sleep(500);
	const rows = (await pg.psql(`SELECT e.id, e.status, e.mode, substring(d.data from 'rid=(load-[0-9]+-${runTag})') FROM execution_entity e JOIN execution_data d ON d."executionId" = e.id WHERE e."workflowId" = '${wf.IDS.load}' ORDER BY e.id`))
		.split('\n')
		.filter(Boolean)
		.map((line) => {
			const [id, status, mode, rid] = line.split('\t');
			return { id, status, mode, rid };
		});
	const ridsInDb = new Set(rows.map((r) => r.rid));
	check(`Postgres holds one successful webhook execution per call (${rows.length})`, rows.length === CFG.calls && rows.every((r) => r.status === 'success' && r.mode === 'webhook') && ridsInDb.size === CFG.calls, `statuses: ${[...new Set(rows.map((r) => r.status))].join(', ')}`);
	const perWorker = new Map(workers.map((w) => [w.name, 0]));
	let unmapped = 0;
	for (const row of rows) {
		const where = execByWorker.get(row.id);
		if (!where) unmapped++;
		else perWorker.set(where.worker, perWorker.get(where.worker) + 1);
		const call = calls.find((c) => c.rid === row.rid);
		if (call) call.worker = where && where.worker;
	}
	const mainRan = mainProc.lines.filter((l) => /Worker started execution/.test(l.text)).length;
	const enqueued = mainProc.lines.filter((l) => /Enqueued execution \d+/.test(l.text)).length;
	check('every execution was run by a worker (worker logs), none by the main', unmapped === 0 && mainRan === 0 && rows.length > 0, `${unmapped} not in any worker log; main enqueued ${enqueued}`);
	const relayed = rows.filter((r) => watch.progressOf(r.id, 'respond-to-webhook').length === 1 && watch.progressOf(r.id, 'job-finished').length === 1).length;
	check('each answer went back from the worker through Redis (one respond-to-webhook and one job-finished message per execution)', relayed === rows.length && rows.length > 0, `${relayed}/${rows.length}`);
	const used = [...perWorker.values()].filter((n) => n > 0).length;
	check(`the work was spread over the workers (${[...perWorker].map(([w, n]) => `${w}: ${n}`).join(', ')})`, used === CFG.workers && Math.min(...perWorker.values()) >= Math.max(2, Math.floor(CFG.calls * 0.1)));

	// Binary data: the uploads went to Postgres (queue mode's default `database` mode).
	const binaryRows = Number(await pg.psql('SELECT count(*) FROM binary_data'));
	const refs = await pg.psql(`SELECT count(*) FROM execution_data d JOIN execution_entity e ON e.id = d."executionId" WHERE e."workflowId" = '${wf.IDS.load}' AND d.data LIKE '%"database:%'`);
	check('uploads were stored in binary data mode "database" (Postgres binary_data table)', binaryRows >= CFG.calls && Number(refs) === CFG.calls, `${binaryRows} rows in binary_data, ${refs} executions reference database:`);

	// Figures
	const dataBytes = (await pg.psql(`SELECT coalesce(round(avg(length(d.data))), 0), coalesce(max(length(d.data)), 0) FROM execution_data d JOIN execution_entity e ON e.id = d."executionId" WHERE e."workflowId" = '${wf.IDS.load}'`)).split('\t').map(Number);
	const lat = calls.map((c) => c.res.ms).sort((a, b) => a - b);
	const modelMs = loadRequests.map((r) => (r.closedAt || r.lastContentAt) - r.receivedAt).sort((a, b) => a - b);
	const peak = new Map(workers.map((w) => [w.name, 0]));
	const loadExecs = rows.map((r) => ({ id: r.id, ...(execByWorker.get(r.id) || {}) })).filter((e) => e.worker);
	for (const w of workers) {
		const evs = [];
		for (const e of loadExecs.filter((x) => x.worker === w.name)) evs.push([e.startedAt, 1], [e.finishedAt || e.startedAt, -1]);
		evs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
		let cur = 0;
		for (const [, d] of evs) peak.set(w.name, Math.max(peak.get(w.name), (cur += d)));
	}
	const figures = {
		calls: CFG.calls,
		clients: CFG.clients,
		workers: CFG.workers,
		workerConcurrency: CFG.workerConcurrency,
		wallSeconds: loadWallMs / 1000,
		throughputPerSecond: CFG.calls / (loadWallMs / 1000),
		latencyMs: { p50: percentile(lat, 50), p90: percentile(lat, 90), p95: percentile(lat, 95), p99: percentile(lat, 99), max: lat[lat.length - 1], min: lat[0] },
		modelRequestMs: { p50: percentile(modelMs, 50), p95: percentile(modelMs, 95) },
		executionDataBytes: { avg: dataBytes[0], max: dataBytes[1] },
		perWorker: Object.fromEntries(perWorker),
		peakConcurrentPerWorker: Object.fromEntries(peak),
	};

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
		s.lines = lines;
	});
	check(`each streaming caller got begin, ${SLOW_PIECES} item chunks with its own text, end (${streamsOk}/${CFG.streams})`, streamsOk === CFG.streams, streamProblems.slice(0, 2).join(' | '));
	check(`the chunks arrived live, spread over the answer's time (${streamsLive}/${CFG.streams})`, streamsLive === CFG.streams, `first-to-last item: ${spreads.map((m) => `${(m / 1000).toFixed(1)} s`).join(', ')}; answer takes ${(((SLOW_PIECES - 1) * SLOW_GAP_MS) / 1000).toFixed(1)} s`);
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
		// The node tells the live caller why the answer stops: an `error` chunk, then `end`.
		const nodeChunks = await waitFor('the node\'s error and end chunks in Redis', () => {
			const after = watch.progressOf(execId, 'send-chunk').filter((m) => m.at >= tStop).map((m) => m.data.progress.chunkText || {});
			return after.some((c) => c.type === 'end') ? after : null;
		}, 10000, 20).catch(() => watch.progressOf(execId, 'send-chunk').filter((m) => m.at >= tStop).map((m) => m.data.progress.chunkText || {}));
		const errChunk = nodeChunks.find((c) => c.type === 'error');
		check('on the worker, the node sent the caller an error chunk (cancelled) and an end chunk through Redis', errChunk && /cancel/i.test(String(errChunk.content)) && nodeChunks.findIndex((c) => c.type === 'end') > nodeChunks.indexOf(errChunk), `after the stop: ${nodeChunks.map((c) => c.type).join(', ') || 'nothing'}${errChunk ? `; ${JSON.stringify(errChunk.content)}` : ''}`);
		const status = await waitFor('a final execution status', async () => {
			const s = await pg.psql(`SELECT status FROM execution_entity WHERE id = ${execId}`);
			return s && s !== 'running' && s !== 'new' ? s : null;
		}, 30000, 200).catch(() => 'running');
		check('the execution ended as canceled in Postgres', status === 'canceled', `status ${status}`);
		// What reached the caller after the stop (n8n's part: the main forwards send-chunk messages
		// only while the execution is in its ActiveExecutions, and a stop removes it at once).
		const res = await Promise.race([stopStream.done, sleep(10000).then(() => null)]);
		const after = (res ? res.lines : stopLines).filter((l) => l.at >= tStop && l.json);
		if (!after.some((l) => l.json.type === 'error'))
			log(`NOTE: the caller got ${after.length ? after.map((l) => l.json.type).join(', ') : 'no line'} after the stop: the main dropped the node's error/end chunks (n8n removes a stopped execution from ActiveExecutions before the worker's last chunks arrive)`);
		const endMs = res ? res.endedAt - tStop : null;
		if (res) log(`the caller's streaming response ended ${endMs} ms after the stop`);
		else log('NOTE: n8n left the caller\'s streaming response open 10 s after the stop (queue mode never ends the HTTP response of a cancelled streaming execution: WorkflowRunner.enqueueExecution\'s cancel path skips ActiveExecutions.finalizeExecution, which is what calls res.end())');
		const again = server.requests.filter((r) => r.rid === stopRid).length;
		check('the stopped request was not retried', again === 1, `${again} request(s) for it`);
		stopFigures = { executionId: execId, worker, modelRequestClosedMsAfterStop: closedMs, stopCallMs: stop.ms, callerResponseEndedMsAfterStop: endMs, callerLinesAfterStop: after.map((l) => l.json.type), finalStatus: status };
	} finally {
		stopStream.abort();
	}
	figures.stop = stopFigures;

	// Nothing went wrong in the logs that the checks above would not see.
	const errors = [mainProc, ...workers].flatMap((p) => p.lines.filter((l) => /Unrecognized node type|Problem with execution|job stalled|value too long|QueryFailedError/i.test(l.text)).map((l) => `${p.name}: ${l.text}`));
	check('no "job stalled" or execution problems in the n8n logs', errors.length === 0, errors.slice(0, 3).join(' | '));

	// ---------------------------------------------------------------- report
	console.log('\nMeasured');
	console.log(`  setup: services ${((tImport - tServices) / 1000).toFixed(1)} s, import+publish ${((tStart - tImport) / 1000).toFixed(1)} s, main+workers start ${startSecs} s`);
	console.log(`  load: ${figures.calls} calls, ${figures.clients} clients, ${figures.workers} workers x concurrency ${figures.workerConcurrency}`);
	console.log(`    wall ${figures.wallSeconds.toFixed(1)} s, throughput ${figures.throughputPerSecond.toFixed(2)} calls/s`);
	console.log(`    latency per call: p50 ${fmt(figures.latencyMs.p50)}, p90 ${fmt(figures.latencyMs.p90)}, p95 ${fmt(figures.latencyMs.p95)}, p99 ${fmt(figures.latencyMs.p99)}, min ${fmt(figures.latencyMs.min)}, max ${fmt(figures.latencyMs.max)}`);
	console.log(`    model request (loopback server, ${6} chunks): p50 ${fmt(figures.modelRequestMs.p50)}, p95 ${fmt(figures.modelRequestMs.p95)}`);
	console.log(`    execution data stored per call (Postgres execution_data, Emit Chunks on, 8 chunks): avg ${figures.executionDataBytes.avg} bytes, max ${figures.executionDataBytes.max}`);
	console.log(`    executions per worker: ${Object.entries(figures.perWorker).map(([w, n]) => `${w} ${n} (${Math.round((100 * n) / Math.max(1, rows.length))}%)`).join(', ')}`);
	console.log(`    peak executions at once per worker: ${Object.entries(figures.peakConcurrentPerWorker).map(([w, n]) => `${w} ${n}`).join(', ')}`);
	console.log(`  streaming: first-to-last chunk at the caller ${spreads.map((m) => `${m} ms`).join(', ')}; chunk relay lag model -> caller p50 ${fmt(figures.streaming.chunkRelayLagMs.p50)}, p95 ${fmt(figures.streaming.chunkRelayLagMs.p95)}, max ${fmt(figures.streaming.chunkRelayLagMs.max)}`);
	console.log(`  stop: REST call ${fmt(stopFigures.stopCallMs)}; model request closed ${fmt(stopFigures.modelRequestClosedMsAfterStop)} after the stop call; caller's response ${stopFigures.callerResponseEndedMsAfterStop === null ? 'still open 10 s after it (n8n)' : `ended ${fmt(stopFigures.callerResponseEndedMsAfterStop)} after it`}`);
	fs.writeFileSync(path.join(logDir, 'figures.json'), JSON.stringify(figures, null, 2));
	fs.writeFileSync(path.join(logDir, 'redis-messages.json'), JSON.stringify(watch.messages));
	fs.writeFileSync(path.join(logDir, 'load-calls.json'), JSON.stringify(calls.map((c) => ({ rid: c.rid, status: c.res.status, ms: Math.round(c.res.ms), worker: c.worker, body: c.res.body })), null, 1));
	if (process.env.VISION_QUEUE_FIGURES) fs.writeFileSync(process.env.VISION_QUEUE_FIGURES, JSON.stringify(figures, null, 2));
	return figures;
}

(async () => {
	let failed = false;
	try {
		await main();
	} catch (error) {
		failed = true;
		console.error(`\n${error.stack || error}`);
		check('the suite ran to the end', false, error.message.split('\n')[0]);
	}
	failed = failed || results.some((r) => !r.ok);
	await cleanUp(failed).catch((e) => console.error(`cleanup: ${e.message}`));
	const passed = results.filter((r) => r.ok).length;
	console.log(`\n${passed} passed, ${results.length - passed} failed (${secs(T0)} s)`);
	process.exit(failed ? 1 : 0);
})();
