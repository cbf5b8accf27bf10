'use strict';
/**
 * The node in n8n's queue mode, under load, on one machine:
 *
 *   1. redis-server and postgresql from Debian's packages when missing (apt-get, as root)
 *   2. Redis, a throwaway Postgres cluster (run as the postgres user), the loopback
 *      OpenAI-compatible SSE server (test/server.ts, its answers in ./answers.js), the package in
 *      every n8n process's own user folder, a credential and three webhook workflows published,
 *      one n8n main and two workers with short Bull job locks (./cluster.js, ./config.js)
 *   3. the chat example's three-turn conversation with Postgres Chat Memory, turn two on the other
 *      worker (./conversation.js); load at worker concurrency 1, then 5 (./phases.js); streaming webhooks through the workers
 *      and a REST stop mid-stream (./phase-streaming.js); a worker SIGKILLed mid-load and
 *      restarted (./fault.js, ./fault-after.js); the n8n logs (./summary.js)
 *   4. the figures as markdown, printed and written to test-results/queue-results.md
 *      (`npm run docs:update` puts them into docs/queue-results.md)
 *   5. everything it started stopped and the cluster removed (also on failure or Ctrl-C); on
 *      failure the logs are kept and their folder printed
 *
 * Settings and ports: ./config.js.
 */
const { test } = require('node:test');
const fs = require('node:fs');
const path = require('node:path');
const support = require('../support/n8n');
const { config, ports, log, secs, T0 } = require('./config');
const { startCluster } = require('./cluster');
const { setupChecks, lowConcurrencyPhase, mainLoadPhase } = require('./phases');
const { streamingPhase, stopPhase } = require('./phase-streaming');
const { conversationPhase } = require('./conversation');
const { faultPhase } = require('./fault');
const { logCheck, measured } = require('./summary');
const report = require('./report');

async function cleanUp(q, failed) {
	const { cleanup } = q;
	cleanup.promise ??= (async () => {
		const t = Date.now();
		for (const s of cleanup.streams) s.abort();
		const all = support.runningProcs();
		await Promise.all(all.map((p) => support.stopN8n(p).catch(() => {})));
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
	})();
	return cleanup.promise;
}

/** Last resort when the process exits before cleanUp finished (an exception, a second signal). */
function lastResort(cleanup) {
	if (cleanup.done) return;
	if (cleanup.redis && !cleanup.redis.stopped) {
		try {
			process.kill(cleanup.redis.pid, 'SIGKILL');
		} catch {}
	}
	if (cleanup.pg && !cleanup.pg.stopped) cleanup.pg.stopSync();
}

function writeReport(q, figures) {
	const passed = q.check.results.filter((r) => r.ok).length;
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
		failed: q.check.results.length - passed,
	});
	console.log(`\n${md}`);
	if (q.cfg.results !== '-') {
		fs.mkdirSync(path.dirname(q.cfg.results), { recursive: true });
		fs.writeFileSync(q.cfg.results, md);
		log(`figures written to ${path.relative(support.ROOT, q.cfg.results) || q.cfg.results}`);
	}
	const logDir = q.cleanup.tmp && path.join(q.cleanup.tmp, 'logs');
	if (logDir && fs.existsSync(logDir)) {
		fs.writeFileSync(path.join(logDir, 'figures.json'), JSON.stringify(figures, null, 2));
		if (q.watch) fs.writeFileSync(path.join(logDir, 'redis-messages.json'), JSON.stringify(q.watch.messages));
	}
	if (process.env.VISION_QUEUE_FIGURES) fs.writeFileSync(process.env.VISION_QUEUE_FIGURES, JSON.stringify(figures, null, 2));
}

async function phases(q) {
	await startCluster(q);
	await setupChecks(q);
	await conversationPhase(q);
	await lowConcurrencyPhase(q);
	const spreads = await streamingPhase(q);
	const stopFigures = await stopPhase(q);
	await mainLoadPhase(q);
	const faultFrom = Date.now();
	let killedIds = new Set();
	if (q.cfg.faultCalls) ({ workers: q.workers, killedIds } = await faultPhase(q));
	await logCheck(q, { faultFrom, killedIds });
	return measured(q, { spreads, stopFigures });
}

test('queue mode: Redis, Postgres, one main and several workers, under load', async (t) => {
	const n8n = await support.prerequisite(t, 'n8n 2.41.1 in the cache', () => support.ensureN8n(support.ROOT));
	const apt = n8n && (await support.prerequisite(t, 'redis-server and postgresql (Debian packages)', () => support.ensureRedisPostgres(log)));
	if (!apt) return;
	const cfg = config();
	const q = { n8n, cfg, ports: await ports(cfg.workers), root: support.ROOT, log, check: support.checker(t), cleanup: { streams: [] } };
	const p = q.ports;
	log(`n8n ${support.N8N_VERSION} queue mode: 1 main + ${cfg.workers} workers; load ${cfg.calls} calls at ${cfg.clients} clients, worker concurrency ${cfg.workerConcurrency}${cfg.lowConcurrency ? ` and ${cfg.lowConcurrency}` : ''}; worker kill ${cfg.faultCalls ? `during ${cfg.faultCalls} calls` : 'left out'}; package as ${cfg.install}`);
	log(`ports: main ${p.mainPort}/${p.mainBroker}, CLI ${p.cliPort}/${p.cliBroker}, workers ${Array.from({ length: cfg.workers }, (_, i) => `${p.workerPorts(i).health}/${p.workerPorts(i).broker}`).join(', ')}, Redis ${p.redisPort}, Postgres ${p.pgPort}`);
	support.onInterrupt(() => cleanUp(q, true));
	process.on('exit', () => lastResort(q.cleanup));
	let failure = null;
	try {
		writeReport(q, await phases(q));
	} catch (error) {
		failure = error;
	}
	await cleanUp(q, Boolean(failure) || q.check.failed()).catch((e) => console.error(`cleanup: ${e.message}`));
	log(`${q.check.results.filter((r) => r.ok).length} of ${q.check.results.length} checks passed`);
	if (failure) throw failure;
});
