'use strict';
/**
 * A worker killed mid-load. A streaming call whose model request stays open (queue-stall) starts
 * on an idle queue; the load follows; a quarter of the way in, the worker running the streaming
 * call is SIGKILLed with its task runner and started again at once, as a supervisor would. Then:
 * what every caller got and when, and what n8n and Bull did (./fault-after.js goes on: the model
 * requests, the streaming caller, Bull's stale priority entry, a short load the restarted worker
 * must share).
 *
 *   faultPhase(q) -> { workers, killedIds }   the workers now, and every execution the kill touched
 */
const { pngFor, killN8n, waitFor, sleep } = require('../support/n8n');
const { streamPhoto } = require('./client');
const { runLoad, phaseRows, modelRequests } = require('./load');
const { afterKill } = require('./fault-after');
const wf = require('./workflows');
const { QUEUE_SETTINGS, FAULT_BOUND_MS, FAULT_SLACK_MS, fmtS } = require('./config');

async function faultPhase(q) {
	const { cfg, ctx, check, pg, runTag, execByWorker, log } = q;
	console.log(`\nWorker killed mid-load: ${cfg.faultCalls} calls, ${cfg.clients} at once; SIGKILL of a worker after ${Math.round(cfg.faultAt * 100)}%, restarted at once; bound ${FAULT_BOUND_MS / 1000} s (lock ${QUEUE_SETTINGS.QUEUE_WORKER_LOCK_DURATION} ms + 2 x stalled interval ${QUEUE_SETTINGS.QUEUE_WORKER_STALLED_INTERVAL} ms + n8n's 30 s re-check)`);
	const streamRid = `faultstream-0-${runTag}`;
	const kill = {};
	const phaseStart = Date.now(); // a cancelled execution never logs "finished": count only this phase's
	// The streaming call first, on an idle queue: n8n enqueues streaming webhooks with a lower
	// priority than webhooks whose caller waits for the answer, so under load it would wait until
	// no load job is left. Its model request (queue-stall) stays open until the worker dies.
	const image = pngFor(streamRid);
	kill.streamLines = [];
	const stream = streamPhoto(ctx.webhookUrl('stop'), { rid: streamRid, image, fileName: 'fault.png', timeoutMs: 150000, onLine: (l) => kill.streamLines.push(l) });
	q.cleanup.streams.push(stream);
	kill.streamDone = stream.done;
	await waitFor('the fault stream to deliver its first chunk', () => kill.streamLines.some((l) => l.json && l.json.type === 'item'), 60000, 10);
	kill.streamExecId = await waitFor('its running execution', async () => (await pg.psql(`SELECT id FROM execution_entity WHERE "workflowId" = '${wf.IDS.stop}' AND status = 'running' ORDER BY id DESC LIMIT 1`)) || null, 10000, 50);
	const where = await waitFor('the worker running it', () => execByWorker.get(kill.streamExecId), 10000, 20);
	kill.victim = q.workers.find((w) => w.name === where.worker);
	log(`streaming execution ${kill.streamExecId} runs on ${kill.victim.name}, mid-answer: that worker will be killed`);
	const during = async (progress) => {
		await waitFor('a quarter of the calls answered', () => progress.done >= Math.floor(cfg.faultCalls * cfg.faultAt), 180000, 10);
		const victim = kill.victim;
		kill.done = progress.done;
		kill.at = Date.now();
		kill.exitMs = await killN8n(victim);
		kill.inFlight = [...execByWorker].filter(([, e]) => e.worker === victim.name && !e.finishedAt && e.startedAt >= phaseStart).map(([id]) => id);
		log(`SIGKILL ${victim.name} (pid ${victim.child.pid}, with its task runner) at ${new Date(kill.at).toISOString().slice(11, 23)} after ${kill.done}/${cfg.faultCalls} answers, running ${kill.inFlight.length} executions (${kill.inFlight.join(', ')}); gone in ${kill.exitMs} ms; restarting it`);
		kill.replacement = q.startWorker(victim.index, victim.concurrency, `${victim.slot}-restarted`);
		// rid -> execution now: once n8n fails a killed execution it replaces its data (and the rid in it).
		kill.snapshot = await phaseRows(ctx, 'fault');
		kill.replacementReadyAt = await q.workerReady(kill.replacement);
		log(`${kill.replacement.name} ready ${fmtS(kill.replacementReadyAt - kill.at)} after the kill`);
	};
	const load = await runLoad(ctx, { phase: 'fault', count: cfg.faultCalls, clients: cfg.clients, during });
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

	await check.that(`fault: the kill hit work in flight (${victim.name} was running ${kill.inFlight.length} executions: ${killedCalls.length} load calls and the streaming call)`, inFlightCalls.length >= 1 && inFlight.has(kill.streamExecId), `${kill.done}/${cfg.faultCalls} answered before the kill`);
	await check.that(`fault: no request hung: all ${cfg.faultCalls} got an HTTP answer, the slowest after ${fmtS(slowest)} (bound ${fmtS(FAULT_BOUND_MS + FAULT_SLACK_MS)})`, ended.length === cfg.faultCalls && slowest <= FAULT_BOUND_MS + FAULT_SLACK_MS + 10000, ended.length < cfg.faultCalls ? `${cfg.faultCalls - ended.length} without an answer` : '');
	await check.that(
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
	await check.that(
		`fault: the ${killedCalls.length} calls in flight on the killed worker got n8n's generic error within the bound (${failBodies.join('; ')})`,
		killedCalls.every((c) => c.res.status === 500) && (killedEnds.length === 0 || killedEnds[killedEnds.length - 1] <= FAULT_BOUND_MS + FAULT_SLACK_MS),
		`${fmtS(killedEnds[0])} to ${fmtS(killedEnds[killedEnds.length - 1])} after the kill; bound ${fmtS(FAULT_BOUND_MS)}`,
	);
	const reqs = modelRequests(ctx, 'fault');
	const perRid = new Map();
	for (const r of reqs) perRid.set(r.rid, (perRid.get(r.rid) || 0) + 1);
	const dupes = [...perRid].filter(([, k]) => k > 1).length;
	const killedStatuses = [...new Set(killedCalls.map((c) => c.status))];
	await check.that(
		'fault: nothing re-run or duplicated: at most one model request per call, the killed executions ended as errors, every other one as success',
		dupes === 0 && rows.length === cfg.faultCalls && killedCalls.every((c) => c.status === 'error' || c.status === 'crashed') && answeredAnyway.every((c) => c.status !== 'running') && others.every((c) => c.status === 'success'),
		`${reqs.length} model requests for ${cfg.faultCalls} calls, ${dupes} duplicated; killed: ${killedStatuses.join(', ')}; ${rows.length} executions`,
	);
	return afterKill(q, { kill, load, K, streamRes, victim, rows, streamRid, killedCalls, answeredAnyway, killedIds, failed, killedEnds, slowest });
}

module.exports = { faultPhase };
