'use strict';
/**
 * Load phases of the queue-mode suite: N multipart webhook calls (a different PNG each), at most
 * `clients` at once, Webhook -> Vision Chat -> Respond to Webhook; then what the callers, the
 * model server, Postgres, the worker logs and Redis say about them.
 *
 * Every call of a phase has the rid `<phase>-<nnnn>-<runTag>`; the model server answers with that
 * rid and the hash of the image it received, so a caller can tell its own answer from another's.
 *
 *   runLoad(ctx, { phase, count, clients, during? }) -> load
 *       during(progress) runs beside the calls (progress.done = answered so far); its result is load.during
 *   phaseRows(ctx, phase) -> [{ id, status, mode, rid }]   n8n's executions of the phase (Postgres)
 *   checkLoad(ctx, load, { workers }) -> figures           the checks of a phase where every call must succeed
 *   figuresOf(ctx, load, rows, workers) -> figures
 *
 *   queueOrder(ctx, rows) -> { waitMs: { p50, p95, max }, inversions, pairs, share }
 *       how long executions waited in Bull's queue (main's "Enqueued" -> worker's "started"), and
 *       how often one enqueued later started earlier (share of pairs more than 50 ms apart):
 *       about 0 when the queue is first-in-first-out
 *
 * ctx: { server, pg, watch, wf, apiKey, runTag, check (a checker of test/support/n8n), webhookUrl(kind), execByWorker, enqueuedAt, mainProc }
 *   execByWorker: executionId -> { worker (process name), slot (worker1, worker2…), startedAt, finishedAt }
 *   enqueuedAt: executionId -> time of the main's "Enqueued execution N (job M)" line
 */
const { pngFor, multipart, request, sleep } = require('../support/n8n');
const { percentile, pool } = require('./client');
const { answerPieces } = require('./answers');

const FAST_PIECES = 6;

function makeCalls(ctx, phase, count) {
	return Array.from({ length: count }, (_, i) => {
		const rid = `${phase}-${String(i).padStart(4, '0')}-${ctx.runTag}`;
		const image = pngFor(rid);
		return { i, rid, image, expected: answerPieces(rid, { sha: image.sha, bytes: image.bytes.length, mime: image.mime }, FAST_PIECES).join('') };
	});
}

async function runLoad(ctx, { phase, count, clients, timeoutMs = 150000, during }) {
	const calls = makeCalls(ctx, phase, count);
	const progress = { done: 0, started: 0 };
	const t0 = Date.now();
	const duringPromise = during ? during(progress) : Promise.resolve(undefined);
	// A failure inside `during` must not leave the calls unawaited (or the other way round).
	const [settledCalls, settledDuring] = await Promise.allSettled([
		pool(count, clients, async (i) => {
			const call = calls[i];
			const { body, contentType } = multipart({ rid: call.rid }, [{ field: 'photo', bytes: call.image.bytes, fileName: `${call.rid}.png`, mimeType: 'image/png' }]);
			call.startedAt = Date.now();
			progress.started++;
			call.res = await request(ctx.webhookUrl('load'), { method: 'POST', body, headers: { 'content-type': contentType }, timeoutMs });
			call.endedAt = Date.now();
			progress.done++;
			try {
				call.json = JSON.parse(call.res.body);
			} catch {
				call.json = undefined;
			}
			call.correct = call.res.status === 200 && Boolean(call.json) && call.json.text === call.expected && call.json.finishReason === 'stop';
		}),
		duringPromise,
	]);
	const wallMs = Date.now() - t0;
	if (settledCalls.status === 'rejected') throw settledCalls.reason;
	if (settledDuring.status === 'rejected') throw settledDuring.reason;
	return { phase, calls, clients, t0, t1: t0 + wallMs, wallMs, during: settledDuring.value };
}

/** The load workflow's executions that carry this phase's rids, oldest first. */
async function phaseRows(ctx, phase) {
	const re = `${phase}-[0-9]+-${ctx.runTag}`;
	const out = await ctx.pg.psql(
		`SELECT e.id, e.status, e.mode, substring(d.data from '(${re})') FROM execution_entity e JOIN execution_data d ON d."executionId" = e.id WHERE e."workflowId" = '${ctx.wf.IDS.load}' AND d.data ~ '${re}' ORDER BY e.id`,
	);
	return out
		.split('\n')
		.filter(Boolean)
		.map((line) => {
			const [id, status, mode, rid] = line.split('\t');
			return { id, status, mode, rid };
		});
}

/** Model-server requests of a phase, by rid. */
function modelRequests(ctx, phase) {
	const prefix = `${phase}-`;
	const suffix = `-${ctx.runTag}`;
	return ctx.server.requests.filter((r) => r.rid && r.rid.startsWith(prefix) && r.rid.endsWith(suffix));
}

function queueOrder(ctx, rows) {
	const list = rows
		.map((r) => ({ enq: ctx.enqueuedAt.get(r.id), start: (ctx.execByWorker.get(r.id) || {}).startedAt }))
		.filter((e) => e.enq && e.start)
		.sort((a, b) => a.enq - b.enq);
	const waits = list.map((e) => e.start - e.enq).sort((a, b) => a - b);
	let pairs = 0;
	let inversions = 0;
	for (let i = 0; i < list.length; i++) {
		for (let j = i + 1; j < list.length; j++) {
			if (list[j].enq - list[i].enq <= 50) continue;
			pairs++;
			if (list[j].start < list[i].start - 50) inversions++;
		}
	}
	return { waitMs: { p50: percentile(waits, 50), p95: percentile(waits, 95), max: waits[waits.length - 1] }, inversions, pairs, share: pairs ? inversions / pairs : 0 };
}

function figuresOf(ctx, load, rows, workers) {
	const lat = load.calls.filter((c) => c.res).map((c) => c.res.ms).sort((a, b) => a - b);
	const okLat = load.calls.filter((c) => c.correct).map((c) => c.res.ms).sort((a, b) => a - b);
	const perSlot = {};
	const perWorker = {};
	for (const row of rows) {
		const where = ctx.execByWorker.get(row.id);
		if (!where) continue;
		perSlot[where.slot] = (perSlot[where.slot] || 0) + 1;
		perWorker[where.worker] = (perWorker[where.worker] || 0) + 1;
	}
	// Peak executions at once per worker process, from its "started"/"finished" log lines.
	const peak = {};
	for (const w of workers) {
		const evs = [];
		for (const row of rows) {
			const e = ctx.execByWorker.get(row.id);
			if (e && e.worker === w.name) evs.push([e.startedAt, 1], [e.finishedAt || e.startedAt, -1]);
		}
		evs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
		let cur = 0;
		let max = 0;
		for (const [, d] of evs) max = Math.max(max, (cur += d));
		peak[w.name] = max;
	}
	const reqs = modelRequests(ctx, load.phase);
	const modelMs = reqs.filter((r) => r.answeredFully).map((r) => (r.closedAt || r.lastContentAt) - r.receivedAt).sort((a, b) => a - b);
	return {
		phase: load.phase,
		calls: load.calls.length,
		clients: load.clients,
		correct: load.calls.filter((c) => c.correct).length,
		wallSeconds: load.wallMs / 1000,
		throughputPerSecond: load.calls.length / (load.wallMs / 1000),
		latencyMs: { min: lat[0], p50: percentile(lat, 50), p90: percentile(lat, 90), p95: percentile(lat, 95), p99: percentile(lat, 99), max: lat[lat.length - 1] },
		answeredLatencyMs: { p50: percentile(okLat, 50), p95: percentile(okLat, 95) },
		modelRequestMs: { p50: percentile(modelMs, 50), p95: percentile(modelMs, 95) },
		perSlot,
		perWorker,
		peakConcurrentPerWorker: peak,
		queue: queueOrder(ctx, rows),
	};
}

/** Every check of a phase in which every call must get its own answer. Returns the figures. */
async function checkLoad(ctx, load, { workers, label }) {
	const { check, pg, watch, wf, apiKey } = ctx;
	const n = load.calls.length;
	const tag = label || load.phase;
	const wrong = load.calls.filter((c) => !c.correct).map((c) => `${c.rid}: HTTP ${c.res && c.res.status} ${(c.res && c.res.error) || ''} ${String(c.res && c.res.body).slice(0, 160)}`);
	await check.that(`${tag}: every call answered HTTP 200 with the answer for its own image and rid (${n - wrong.length}/${n})`, wrong.length === 0, wrong.slice(0, 3).join(' | '));

	const reqs = modelRequests(ctx, load.phase);
	const perRid = new Map();
	for (const r of reqs) perRid.set(r.rid, (perRid.get(r.rid) || 0) + 1);
	const dupes = [...perRid].filter(([, k]) => k > 1);
	const missing = load.calls.filter((c) => !perRid.has(c.rid));
	await check.that(`${tag}: the model server got exactly one request per call (none lost, none duplicated)`, reqs.length === n && !dupes.length && !missing.length, `${reqs.length} requests, ${dupes.length} duplicated, ${missing.length} missing`);
	const byRid = new Map(load.calls.map((c) => [c.rid, c]));
	const imageOk = reqs.filter((r) => {
		const call = byRid.get(r.rid);
		return call && r.images.length === 1 && r.images[0].sha === call.image.sha && r.images[0].mime === 'image/png' && r.stream === true && r.authorization === `Bearer ${apiKey}` && r.customHeader === '1';
	});
	await check.that(`${tag}: each model request carried the caller's own image (hash, image/png, stream: true) and the decrypted credential`, imageOk.length === reqs.length && reqs.length === n, `${imageOk.length}/${reqs.length}`);

	await sleep(300); // the last executions' final writes
	const rows = await phaseRows(ctx, load.phase);
	const rids = new Set(rows.map((r) => r.rid));
	await check.that(`${tag}: Postgres holds one successful webhook execution per call (${rows.length})`, rows.length === n && rids.size === n && rows.every((r) => r.status === 'success' && r.mode === 'webhook'), `statuses: ${[...new Set(rows.map((r) => r.status))].join(', ')}`);

	let unmapped = 0;
	for (const row of rows) {
		const where = ctx.execByWorker.get(row.id);
		if (!where) unmapped++;
		const call = byRid.get(row.rid);
		if (call) {
			call.executionId = row.id;
			call.worker = where && where.worker;
		}
	}
	const mainRan = ctx.mainProc.lines.filter((l) => /Worker started execution/.test(l.text)).length;
	const relayed = rows.filter((r) => watch.progressOf(r.id, 'respond-to-webhook').length === 1 && watch.progressOf(r.id, 'job-finished').length === 1).length;
	await check.that(`${tag}: every execution ran on a worker (none on the main) and answered through Redis (respond-to-webhook + job-finished)`, unmapped === 0 && mainRan === 0 && relayed === rows.length && rows.length > 0, `${unmapped} in no worker's log, ${relayed}/${rows.length} relayed`);

	const figures = figuresOf(ctx, load, rows, workers);
	const counts = workers.map((w) => figures.perWorker[w.name] || 0);
	await check.that(
		`${tag}: both workers ran executions (${workers.map((w, i) => `${w.name} ${counts[i]}`).join(', ')})`,
		counts.every((k) => k >= Math.max(2, Math.floor(n * 0.1))),
	);

	const refs = Number(await pg.psql(`SELECT count(*) FROM execution_data d JOIN execution_entity e ON e.id = d."executionId" WHERE e."workflowId" = '${wf.IDS.load}' AND d.data ~ '${load.phase}-[0-9]+-${ctx.runTag}' AND d.data LIKE '%"database:%'`));
	await check.that(`${tag}: the uploads went through binary data mode "database" (Postgres), readable by any worker`, refs === n, `${refs}/${n} executions reference database: binary ids`);
	return figures;
}

module.exports = { runLoad, phaseRows, checkLoad, figuresOf, queueOrder, modelRequests, makeCalls, FAST_PIECES };
