'use strict';
/**
 * The queue-mode cluster on one machine: the package installed into every n8n process's own user
 * folder, the loopback SSE server, Redis and a throwaway Postgres cluster, a credential and three
 * webhook workflows imported and published, one n8n main (EXECUTIONS_MODE=queue, Postgres,
 * binary data at queue mode's default, `database`) and the workers.
 *
 *   startCluster(q) fills q with: tmp, installer, installs, server, redis, pg, watch, mainEnv,
 *   workerEnv(i), mainProc, workers, execByWorker, startWorker(i, concurrency, name),
 *   workerReady(w), spawn(name, args, env), tails(procs), apiKey, times
 *   q: { n8n, cfg, ports, root, log, cleanup } on the way in; q.cleanup gets every running part.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const support = require('../support/n8n');
const { startQueueServer } = require('./answers');
const wf = require('./workflows');
const { watchRedis } = require('./redisWatch');
const { preparePackage } = require('./install');
const { prepareConversation } = require('./conversation');
const { QUEUE_SETTINGS, secs } = require('./config');

async function services(q) {
	const { ports, log, cleanup, tmp } = q;
	q.apiKey = `sk-queue-${crypto.randomBytes(12).toString('hex')}`;
	q.server = cleanup.server = await startQueueServer({ apiKey: q.apiKey });
	log(`loopback SSE server on ${q.server.baseUrl}`);
	const t0 = Date.now();
	const started = await Promise.allSettled([
		support.startRedis({ dir: path.join(tmp, 'redis'), port: ports.redisPort, log, onStart: (r) => (cleanup.redis = r) }),
		support.startPostgres({ dir: path.join(tmp, 'pg'), port: ports.pgPort, log, onStart: (p) => (cleanup.pg = p) }),
	]);
	for (const r of started) if (r.status === 'rejected') throw r.reason;
	[q.redis, q.pg] = started.map((r) => r.value);
	q.times.services = Date.now() - t0;
	log(`Redis and Postgres ready in ${secs(t0)} s`);
	// Bull job progress (send-chunk, respond-to-webhook, job-finished, abort-job), n8n commands, and
	// Bull's failed-job events (a stalled job is announced there when the check finds it).
	q.watch = cleanup.watch = await watchRedis({ port: ports.redisPort, patterns: ['bull:*:progress', '*n8n.commands', 'bull:*:failed'] });
}

/** The environment of every n8n process: queue mode on Redis and Postgres, one encryption key. */
function environments(q) {
	const { ports, installs, installer } = q;
	const common = {
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: '127.0.0.1',
		QUEUE_BULL_REDIS_PORT: String(ports.redisPort),
		...QUEUE_SETTINGS,
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: '127.0.0.1',
		DB_POSTGRESDB_PORT: String(ports.pgPort),
		DB_POSTGRESDB_DATABASE: q.pg.database,
		DB_POSTGRESDB_USER: q.pg.user,
		DB_POSTGRESDB_PASSWORD: '',
		N8N_ENCRYPTION_KEY: crypto.randomBytes(24).toString('hex'),
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
		N8N_LOG_LEVEL: 'info',
		N8N_LOG_OUTPUT: 'console',
		N8N_DISABLED_MODULES: 'mcp-registry', // offline: its registry refresh only logs ENOTFOUND
	};
	const processEnv = (name, { port, brokerPort, extra = {} }) => {
		const inst = installs[name];
		const e = support.n8nEnv({ userFolder: inst.userFolder, port, brokerPort, extra: { ...common, ...inst.envExtra, ...extra } });
		if (installer.mode === 'community') delete e.N8N_CUSTOM_EXTENSIONS; // only .n8n/nodes, as users install
		// n8nEnv defaults to filesystem mode; queue mode's own default is `database`.
		if (process.env.VISION_QUEUE_BINARY_MODE) e.N8N_DEFAULT_BINARY_DATA_MODE = process.env.VISION_QUEUE_BINARY_MODE;
		else delete e.N8N_DEFAULT_BINARY_DATA_MODE;
		return e;
	};
	q.mainEnv = processEnv('main', { port: ports.mainPort, brokerPort: ports.mainBroker });
	q.workerEnv = (i) => {
		const { health, broker } = ports.workerPorts(i);
		return processEnv(`worker${i + 1}`, { port: health, brokerPort: broker, extra: { QUEUE_HEALTH_CHECK_ACTIVE: 'true', QUEUE_HEALTH_CHECK_PORT: String(health) } });
	};
}

/** Import + publish, before any n8n runs (the first command runs the migrations). */
async function importWorkflows(q) {
	const { tmp, ports, log } = q;
	const t0 = Date.now();
	const importDir = path.join(tmp, 'import');
	fs.mkdirSync(importDir, { mode: 0o700 });
	const credFile = path.join(importDir, 'credentials.json');
	const wfFile = path.join(importDir, 'workflows.json');
	const pgCredential = wf.pgCredential({ port: ports.pgPort, database: q.pg.database, user: q.pg.user });
	fs.writeFileSync(credFile, JSON.stringify([wf.credential({ apiKey: q.apiKey, baseUrl: q.server.baseUrl }), pgCredential]), { mode: 0o600 });
	fs.writeFileSync(wfFile, JSON.stringify(wf.workflows(q.installer.nodeType)));
	const cliEnv = { ...q.mainEnv, N8N_PORT: String(ports.cliPort), N8N_RUNNERS_BROKER_PORT: String(ports.cliBroker) };
	const cli = (name, args) => support.cli(q.n8n, args, cliEnv, { name, logFile: path.join(q.logDir, `${name}.log`) });
	await cli('import-credentials', ['import:credentials', `--input=${credFile}`]);
	log(`credentials imported (and database migrated) in ${secs(t0)} s`);
	await cli('import-workflows', ['import:workflow', `--input=${wfFile}`]);
	for (const id of Object.values(wf.IDS)) await cli(`publish-${id}`, ['publish:workflow', `--id=${id}`]);
	log(`${Object.keys(wf.IDS).length} workflows imported and published in ${secs(t0)} s`);
	fs.rmSync(importDir, { recursive: true, force: true });
	q.times.import = Date.now() - t0;
}

/** Which worker process started/finished which execution, and when, from the workers' logs. */
function workerHelpers(q) {
	const { n8n, ports, logDir } = q;
	q.execByWorker = new Map(); // executionId -> { worker, slot, startedAt, finishedAt }
	q.spawned = [];
	q.spawn = (name, args, env) => {
		const proc = support.spawnN8n(n8n, args, env, { name, logFile: path.join(logDir, `${name}.log`) });
		q.spawned.push(proc);
		return proc;
	};
	const track = (w) => {
		const onLine = (line) => {
			let m = /Worker started execution (\d+) \(job/.exec(line.text);
			if (m) q.execByWorker.set(m[1], { worker: w.name, slot: w.slot, startedAt: line.at, finishedAt: null });
			m = /Worker finished execution (\d+) \(job/.exec(line.text);
			if (m && q.execByWorker.has(m[1])) q.execByWorker.get(m[1]).finishedAt = line.at;
		};
		w.lines.forEach(onLine);
		w.listeners.push(onLine);
	};
	q.startWorker = (i, concurrency, name) => {
		const w = q.spawn(name, ['worker', `--concurrency=${concurrency}`], q.workerEnv(i));
		Object.assign(w, { slot: `worker${i + 1}`, index: i, concurrency });
		track(w);
		return w;
	};
	q.workerReady = async (w, timeoutMs = 240000) => {
		await support.waitForHealth(ports.workerPorts(w.index).health, timeoutMs, { child: w.child, path: '/healthz/readiness' });
		await support.waitForLine(w, /n8n worker is now ready/, 60000);
		return Date.now();
	};
	q.tails = (list) => {
		for (const p of list) q.log(`--- ${p.name} log tail:\n${p.lines.slice(-25).map((l) => l.text).join('\n')}`);
	};
}

async function startCluster(q) {
	const { cfg, log } = q;
	q.tmp = q.cleanup.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vision-queue-'));
	fs.chmodSync(q.tmp, 0o755); // the postgres user must reach its cluster folder inside
	q.logDir = path.join(q.tmp, 'logs');
	fs.mkdirSync(q.logDir);
	log(`temp folder ${q.tmp}`);
	q.times = {};

	const tInstall = Date.now();
	q.installer = preparePackage({ root: q.root, mode: cfg.install, workDir: q.tmp, log });
	q.names = ['main', ...Array.from({ length: cfg.workers }, (_, i) => `worker${i + 1}`)];
	q.installs = Object.fromEntries(q.names.map((name) => [name, q.installer.install(path.join(q.tmp, name))]));
	log(`package installed (${q.installer.mode}) for ${q.names.join(', ')} in ${secs(tInstall)} s; node type ${q.installer.nodeType}`);
	prepareConversation(q);

	await services(q);
	environments(q);
	await importWorkflows(q);
	workerHelpers(q);

	const tStart = Date.now();
	q.mainProc = q.spawn('main', ['start'], q.mainEnv);
	// Worker concurrency 1 is measured first, on a fresh queue; then the workers restart with 5.
	const first = cfg.lowConcurrency || cfg.workerConcurrency;
	q.workers = Array.from({ length: cfg.workers }, (_, i) => q.startWorker(i, first, `worker${i + 1}-c${first}`));
	try {
		await support.waitForHealth(q.ports.mainPort, 240000, { child: q.mainProc.child, path: '/healthz/readiness' });
		await Promise.all(q.workers.map((w) => q.workerReady(w)));
	} catch (error) {
		q.tails([q.mainProc, ...q.workers]);
		throw error;
	}
	q.times.start = Date.now() - tStart;
	log(`main and ${cfg.workers} workers ready in ${secs(tStart)} s`);
}

module.exports = { startCluster };
