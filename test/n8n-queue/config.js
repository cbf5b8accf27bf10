'use strict';
/**
 * Settings of the queue-mode suite, from the environment:
 *
 *   VISION_QUEUE_WORKERS (2-3, default 2), VISION_QUEUE_WORKER_CONCURRENCY (default 5),
 *   VISION_QUEUE_LOW_CONCURRENCY (default 1; 0 leaves that phase out), VISION_QUEUE_CALLS
 *   (default 200), VISION_QUEUE_CLIENTS (default 16), VISION_QUEUE_FAULT_CALLS (default 200;
 *   0 leaves the worker kill out), VISION_QUEUE_INSTALL (community | custom, default community),
 *   VISION_QUEUE_BINARY_MODE, VISION_QUEUE_RESULTS (where the markdown figures go; default
 *   test-results/queue-results.md, "-" = nowhere; `npm run docs:update` copies them to
 *   docs/queue-results.md), VISION_QUEUE_FIGURES (the figures as JSON there too),
 *   VISION_QUEUE_KEEP=1 (keep the temporary folder)
 *
 * Ports (all on 127.0.0.1): the first free ones from 5710 for n8n (main and its broker, the CLI
 * imports and their broker, then per worker its health port and broker; a restarted worker takes
 * its predecessor's), from 6390 for Redis, from 5440 for Postgres.
 *
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
const { artifactsDir, freePorts } = require('../support/n8n');

const int = (name, def, min, max) => {
	const v = Number(process.env[name] || def);
	if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${name} must be an integer from ${min} to ${max}`);
	return v;
};

function config() {
	return {
		workers: int('VISION_QUEUE_WORKERS', 2, 2, 3),
		workerConcurrency: int('VISION_QUEUE_WORKER_CONCURRENCY', 5, 1, 50),
		lowConcurrency: process.env.VISION_QUEUE_LOW_CONCURRENCY === '0' ? 0 : int('VISION_QUEUE_LOW_CONCURRENCY', 1, 1, 50),
		calls: int('VISION_QUEUE_CALLS', 200, 1, 2000),
		clients: int('VISION_QUEUE_CLIENTS', 16, 1, 64),
		faultCalls: process.env.VISION_QUEUE_FAULT_CALLS === '0' ? 0 : int('VISION_QUEUE_FAULT_CALLS', 200, 20, 2000),
		faultAt: 0.25, // kill once this share of the fault phase's calls is answered
		recoveryCalls: 32,
		install: process.env.VISION_QUEUE_INSTALL || 'community',
		streams: 3,
		stopCloseLimitMs: 5000,
		results: process.env.VISION_QUEUE_RESULTS || artifactsDir('queue-results.md'),
	};
}

/** n8n's ports, Redis's and Postgres's; workerPorts(i) -> { health, broker }. */
async function ports(workers) {
	const n8n = await freePorts(4 + 2 * workers, 5710);
	const [redisPort] = await freePorts(1, 6390);
	const [pgPort] = await freePorts(1, 5440);
	return {
		mainPort: n8n[0],
		mainBroker: n8n[1],
		cliPort: n8n[2],
		cliBroker: n8n[3],
		redisPort,
		pgPort,
		workerPorts: (i) => ({ health: n8n[4 + 2 * i], broker: n8n[5 + 2 * i] }),
	};
}

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

module.exports = { config, ports, QUEUE_SETTINGS, FAULT_BOUND_MS, FAULT_SLACK_MS, T0, secs, log, fmt, fmtS };
