'use strict';
/**
 * The checks right after start-up, and the load phases: 200 multipart webhook calls (a different
 * image each, 16 at once, Webhook -> Vision Chat -> Respond to Webhook), first at worker
 * concurrency 1 on a fresh queue, then, with the workers restarted at concurrency 5, with one
 * streaming webhook sent into the load a quarter of the way in.
 *
 *   setupChecks(q)          the workers' concurrency, the package in every user folder, no
 *                           "Unrecognized node type", the published webhooks registered; sets q.ctx
 *   lowConcurrencyPhase(q)  load at concurrency 1, then the workers restarted with 5
 *   mainLoadPhase(q)        load at concurrency 5 with the streaming probe
 */
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const { pngFor, request, waitFor, sleep, stopN8n, N8N_VERSION } = require('../support/n8n');
const { answerPieces, SLOW_PIECES } = require('./answers');
const { streamPhoto } = require('./client');
const { runLoad, checkLoad } = require('./load');
const wf = require('./workflows');
const { QUEUE_SETTINGS, FAULT_BOUND_MS, secs, fmt, fmtS } = require('./config');

async function checkConcurrency(q, list) {
	for (const w of list) await q.check.that(`${w.name} is ready with concurrency ${w.concurrency}`, new RegExp(`Concurrency: ${w.concurrency}\\b`).test(w.lines.map((l) => l.text).join('\n')));
}

async function setupChecks(q) {
	const { check, installer, installs, names, mainProc, workers } = q;
	console.log('\nSetup');
	await checkConcurrency(q, workers);
	if (installer.mode === 'community') {
		const where = names.map((n) => installs[n].packageDir);
		const ok = where.every((d) => fs.existsSync(path.join(d, 'dist', 'nodes', 'VisionChat', 'VisionChat.node.js')) && installs.main.dependencies.every((dep) => fs.existsSync(path.join(d, 'node_modules', dep, 'package.json'))));
		await check.that(
			`the package is installed from its npm pack tarball in each process's own user folder (.n8n/nodes/node_modules/${installer.packed.name}), no N8N_CUSTOM_EXTENSIONS`,
			ok && !q.mainEnv.N8N_CUSTOM_EXTENSIONS && !q.workerEnv(0).N8N_CUSTOM_EXTENSIONS,
			names.map((n) => path.relative(q.tmp, installs[n].packageDir)).join(', '),
		);
	}
	const unrecognized = [mainProc, ...workers].filter((p) => p.lines.some((l) => /Unrecognized node type|Failed to load/i.test(l.text)));
	await check.that(`every process loaded the package (node type ${installer.nodeType}; no "Unrecognized node type")`, unrecognized.length === 0, unrecognized.map((p) => p.name).join(', '));

	q.webhookUrl = (kind) => `http://127.0.0.1:${q.ports.mainPort}/webhook/${wf.PATHS[kind]}`;
	// /healthz/readiness answers before the published workflows are active: n8n 2.41 activates them
	// in the background (its publication outbox). Probe with GET, which a POST webhook answers with
	// 404 "…not registered for GET requests. Did you mean to make a POST request?" once it exists.
	const tHooks = Date.now();
	const registered = async () => {
		for (const kind of Object.keys(wf.PATHS)) {
			const res = await request(q.webhookUrl(kind), { timeoutMs: 5000 });
			if (!/Did you mean to make a POST request/.test(res.body || '')) return false;
		}
		return Number(await q.pg.psql(`SELECT count(*) FROM webhook_entity WHERE "workflowId" <> '${wf.IDS.chat}'`)) === 3; // the chat's: ./conversation.js
	};
	const hooksReady = await waitFor('the three webhooks to be registered', registered, 90000, 250).catch((error) => error);
	await check.that("the published workflows' webhooks got registered by the main", hooksReady === true, hooksReady === true ? `${secs(tHooks)} s after readiness` : hooksReady.message);
	await sleep(1000); // let the registration settle (POSTs right after the probe flipped still saw 404s)

	q.runTag = crypto.randomBytes(3).toString('hex');
	q.enqueuedAt = new Map(); // executionId -> when the main put it on the queue
	const onMainLine = (line) => {
		const m = /Enqueued execution (\d+) \(job (\d+)\)/.exec(line.text);
		if (m) q.enqueuedAt.set(m[1], line.at);
	};
	mainProc.lines.forEach(onMainLine);
	mainProc.listeners.push(onMainLine);
	const { server, pg, watch, apiKey, runTag, execByWorker, enqueuedAt, webhookUrl } = q;
	q.ctx = { server, pg, watch, wf, apiKey, runTag, check, webhookUrl, execByWorker, enqueuedAt, mainProc };
	q.figures = { n8nVersion: N8N_VERSION, install: installer.mode, nodeType: installer.nodeType, queueSettings: QUEUE_SETTINGS, faultBoundMs: FAULT_BOUND_MS, phases: {} };
	q.tableRows = [];
}

async function loadPhase(q, phase, during) {
	const { cfg, workers } = q;
	const c = workers[0].concurrency;
	console.log(`\nLoad (${phase}): ${cfg.calls} multipart webhook calls, ${cfg.clients} at once, ${workers.length} workers x concurrency ${c}`);
	const load = await runLoad(q.ctx, { phase, count: cfg.calls, clients: cfg.clients, during });
	const f = await checkLoad(q.ctx, load, { workers, label: phase });
	load.figures = f;
	q.figures.phases[phase] = { ...f, workers: workers.length, workerConcurrency: c };
	q.tableRows.push({ label: `load, worker concurrency ${c}`, workers: workers.length, concurrency: c, figures: f });
	q.log(`${phase}: wall ${fmtS(load.wallMs)}, ${f.throughputPerSecond.toFixed(1)} calls/s, p50 ${fmt(f.latencyMs.p50)}, p95 ${fmt(f.latencyMs.p95)}; queue wait p50 ${fmt(f.queue.waitMs.p50)} max ${fmt(f.queue.waitMs.max)}, out of order ${(100 * f.queue.share).toFixed(1)}% of pairs`);
	return load;
}

async function lowConcurrencyPhase(q) {
	const { cfg } = q;
	if (!cfg.lowConcurrency) return;
	await loadPhase(q, `c${cfg.lowConcurrency}`);
	console.log(`\nRestarting the workers with --concurrency=${cfg.workerConcurrency}`);
	const t0 = Date.now();
	await Promise.all(q.workers.map((w) => stopN8n(w)));
	q.workers = Array.from({ length: cfg.workers }, (_, i) => q.startWorker(i, cfg.workerConcurrency, `worker${i + 1}`));
	try {
		await Promise.all(q.workers.map((w) => q.workerReady(w)));
	} catch (error) {
		q.tails(q.workers);
		throw error;
	}
	q.log(`workers restarted in ${secs(t0)} s`);
	await checkConcurrency(q, q.workers);
}

/** The streaming webhook sent a quarter of the way into the load: how long it waits in the queue. */
function streamingProbe(q) {
	const rid = `probe-0-${q.runTag}`;
	return async (progress) => {
		await waitFor('a quarter of the calls answered', () => progress.done >= Math.floor(q.cfg.calls * 0.25), 180000, 10);
		const image = pngFor(rid);
		const expected = answerPieces(rid, { sha: image.sha, bytes: image.bytes.length, mime: image.mime }, SLOW_PIECES).join('');
		const sentAt = Date.now();
		const sentWhen = progress.done;
		const res = await streamPhoto(q.webhookUrl('stream'), { rid, image, fileName: 'probe.png', timeoutMs: 120000 }).done;
		const lines = res.lines.filter((l) => l.json && l.json.type !== 'keepalive');
		const items = lines.filter((l) => l.json.type === 'item');
		const types = lines.map((l) => l.json.type);
		const ok = res.status === 200 && types[0] === 'begin' && types[types.length - 1] === 'end' && items.map((l) => l.json.content).join('') === expected;
		return { sentAt, sentWhen, doneWhen: progress.done, firstItemMs: items.length ? items[0].at - sentAt : null, ms: res.ms, ok, types };
	};
}

async function mainLoadPhase(q) {
	const { cfg } = q;
	const phase = `c${cfg.workerConcurrency}`;
	const load = await loadPhase(q, phase, streamingProbe(q));
	const p = load.during;
	const probeExec = await q.pg.psql(`SELECT id FROM execution_entity WHERE "workflowId" = '${wf.IDS.stream}' ORDER BY id DESC LIMIT 1`);
	const e = q.execByWorker.get(probeExec);
	const waitMs = e && q.enqueuedAt.get(probeExec) ? e.startedAt - q.enqueuedAt.get(probeExec) : NaN;
	const w = load.figures.queue.waitMs;
	await q.check.that(
		`${phase}: a streaming webhook sent ${p.sentWhen} calls into the load got its whole answer (begin, ${SLOW_PIECES} items, end)`,
		p.ok,
		`it waited ${fmtS(waitMs)} in the queue (the load's calls: p50 ${fmtS(w.p50)}, longest ${fmtS(w.max)}); first chunk ${fmtS(p.firstItemMs)} after sending, when ${p.doneWhen}/${cfg.calls} calls were answered${p.ok ? '' : `; got ${p.types.join(',')}`}`,
	);
	q.figures.phases[phase].streamingProbe = { queueWaitMs: waitMs, firstItemMs: p.firstItemMs, sentAfterCalls: p.sentWhen, firstItemAfterCalls: p.doneWhen, loadQueueWaitMs: w };
	if (waitMs > 3 * w.max) q.log('NOTE: n8n 2.41.1 enqueues a streaming webhook with priority 100 (as a background execution) and a webhook whose caller waits for the answer with 50: under a backlog the streaming one waits until no such job is left');
}

module.exports = { setupChecks, lowConcurrencyPhase, mainLoadPhase };
