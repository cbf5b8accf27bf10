'use strict';
/**
 * After the worker kill of ./fault.js: the killed worker's model requests (closed at the kill, so
 * the provider stops generating), the streaming caller on it (first chunks, then n8n ends the
 * response with no `end`), the executions the main reported as failed, Bull's priority set (a
 * stale entry makes the queue serve newest first; removed when found, see docs/queue-snippet.md),
 * a short load the restarted worker must share, and the fault figures for the report.
 */
const { redisCli, sleep } = require('../support/n8n');
const { runLoad, phaseRows, queueOrder, figuresOf } = require('./load');
const { FAULT_BOUND_MS, FAULT_SLACK_MS, fmt, fmtS } = require('./config');

/**
 * Removes the entries of Bull's priority set whose job is not in the wait list. Safe while n8n
 * runs: Bull adds a job to both in one script, and removes it from the set when a worker takes it,
 * so an entry without a waiting job is either stale or about to be removed anyway.
 */
const STALE_PRIORITY_CLEANUP =
	"local w = {} for _, id in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do w[id] = true end " +
	"local n = 0 for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do if not w[id] then redis.call('ZREM', KEYS[1], id) n = n + 1 end end return n";

/** Job ids in Bull's priority set that are not waiting (run when the queue is idle). */
async function staleQueueEntries(redisPort) {
	const [prio, wait] = await Promise.all([
		redisCli(redisPort, ['ZRANGE', 'bull:jobs:priority', '0', '-1']),
		redisCli(redisPort, ['LRANGE', 'bull:jobs:wait', '0', '-1']),
	]);
	const waiting = new Set(wait.split('\n').filter(Boolean));
	return prio.split('\n').filter((id) => id && !waiting.has(id));
}

async function afterKill(q, { kill, load, K, streamRes, victim, rows, streamRid, killedCalls, answeredAnyway, killedIds, failed, killedEnds, slowest }) {
	const { cfg, ctx, check, server, watch, execByWorker, log, workers } = q;
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
	await check.that(
		`fault: the killed worker's open model requests were closed at the kill (${closedAfter.length}/${openAtKill.length}), so the provider stops generating`,
		openAtKill.length >= 1 && closedAfter.length === openAtKill.length && closedMax <= 2000,
		`closed ${fmt(Math.min(...closedAfter))} to ${fmt(closedMax)} after the SIGKILL`,
	);
	// The streaming caller: chunks up to the kill, then n8n closes the response once it gives up.
	const streamLines = (streamRes ? streamRes.lines : kill.streamLines).filter((l) => l.json && l.json.type !== 'keepalive');
	const sTypes = streamLines.map((l) => l.json.type);
	const streamEndMs = streamRes ? streamRes.endedAt - K : null;
	await check.that(
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
	await check.that(
		"fault: the main reported exactly the killed executions as failed (\"Problem with execution N: job stalled…\")",
		[...killedIds].every((id) => stallSet.has(id)) && [...stallSet].every((id) => killedIds.has(id) || answeredAnyway.some((c) => c.executionId === id)),
		`${stallSet.size} reported, ${killedIds.size} killed${answeredAnyway.length ? `, ${answeredAnyway.length} answered just before the kill` : ''}`,
	);

	// Bull's priority set, now that the queue is idle: every n8n job is added with a priority, and
	// Bull places a new job in the wait list by counting that set. A job the killed worker had
	// popped from the wait list (BRPOPLPUSH) but not yet moved to active (the script that takes the
	// lock and removes it from the set) stays in the set for good, and from then on each new job is
	// placed next to the head of the list: newest first. See docs/queue-snippet.md.
	const stale = await staleQueueEntries(q.ports.redisPort);
	const staleExecs = stale.map((job) => jobToExec.get(job) || `job ${job}`);
	log(`fault: Bull's priority set holds ${stale.length} entr${stale.length === 1 ? 'y' : 'ies'} for jobs no longer waiting${stale.length ? ` (executions ${staleExecs.join(', ')})` : ''}`);

	// The restarted worker takes its share again.
	const nowWorkers = workers.map((w) => (w === victim ? kill.replacement : w));
	const afterBatch = async (phase, what) => {
		console.log(`\n${what}: ${cfg.recoveryCalls} calls, ${cfg.clients} at once, on the survivor and the restarted worker`);
		const batch = await runLoad(ctx, { phase, count: cfg.recoveryCalls, clients: cfg.clients });
		await sleep(300);
		const batchRows = await phaseRows(ctx, phase);
		const ok = batch.calls.filter((c) => c.correct).length;
		const onReplacement = batchRows.filter((r) => (execByWorker.get(r.id) || {}).worker === kill.replacement.name).length;
		const order = queueOrder(ctx, batchRows);
		await check.that(
			`${phase}: every call got its own answer (${ok}/${cfg.recoveryCalls}) and the restarted worker ran some (${onReplacement})`,
			ok === cfg.recoveryCalls && onReplacement >= 1,
			`queue wait p50 ${fmt(order.waitMs.p50)}, max ${fmt(order.waitMs.max)}; a later call started first in ${(100 * order.share).toFixed(0)}% of pairs`,
		);
		return { ok, onReplacement, order, wallMs: batch.wallMs };
	};
	const afterFigures = { stale: staleExecs };
	afterFigures.after = await afterBatch('after', stale.length ? 'After the kill, stale priority entry still there' : 'After the kill');
	if (stale.length) {
		const removed = Number(await redisCli(q.ports.redisPort, ['EVAL', STALE_PRIORITY_CLEANUP, '2', 'bull:jobs:priority', 'bull:jobs:wait']));
		log(`removed ${removed} stale entr${removed === 1 ? 'y' : 'ies'} from bull:jobs:priority (the EVAL in docs/queue-snippet.md)`);
		afterFigures.cleaned = await afterBatch('cleaned', 'After removing it');
		await check.that(
			'cleaned: with the stale priority entry removed, the queue is first-in-first-out again',
			afterFigures.cleaned.order.share <= 0.05,
			`later call started first in ${(100 * afterFigures.cleaned.order.share).toFixed(0)}% of pairs (before the clean-up ${(100 * afterFigures.after.order.share).toFixed(0)}%)`,
		);
	}
	const onReplacement = afterFigures.after.onReplacement;

	const f = figuresOf(ctx, load, rows, [...workers, kill.replacement]);
	const fault = {
		victim: victim.name,
		calls: cfg.faultCalls,
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
	q.figures.fault = fault;
	q.figures.phases.fault = { ...f, workers: workers.length, workerConcurrency: victim.concurrency };
	q.tableRows.push({ label: `load with ${victim.slot} killed at ${fmtS(fault.killAfterMs)}`, workers: workers.length, concurrency: victim.concurrency, figures: f });
	// For the log check: every execution the kill touched, including ones answered just before it.
	return { workers: nowWorkers, killedIds: new Set([...killedIds, ...answeredAnyway.map((c) => c.executionId)]) };
}

module.exports = { afterKill };
