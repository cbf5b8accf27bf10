'use strict';
/**
 * The end of the queue-mode suite:
 *
 *   logCheck(q, { faultFrom, killedIds })   nothing went wrong in the n8n logs that the checks
 *       would not see; from the kill on, n8n reports the killed executions ("Problem with
 *       execution N: job stalled…"): only those
 *   measured(q, { spreads, stopFigures }) -> figures   the figures printed, with the texts of the report
 */
const { SLOW_PIECES, SLOW_GAP_MS } = require('./answers');
const { fmt, fmtS } = require('./config');

async function logCheck(q, { faultFrom, killedIds }) {
	const { check } = q;
	const everyProc = q.spawned.filter((p) => !/^(import|publish)/.test(p.name));
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
	await check.that(`no "job stalled" or execution problems in the n8n logs${killedIds.size ? ' other than the killed executions' : ''}`, problems.length === 0, problems.slice(0, 3).join(' | '));
}

function measured(q, { spreads, stopFigures }) {
	const { cfg, figures } = q;
	console.log('\nMeasured');
	console.log(`  setup: package ${q.installer.mode} install, services ${fmtS(q.times.services)}, import+publish ${fmtS(q.times.import)}, main+workers start ${fmtS(q.times.start)}`);
	console.log(`  streaming: first-to-last chunk at the caller ${spreads.map((m) => `${m} ms`).join(', ')}; chunk relay lag model -> caller p50 ${fmt(figures.streaming.chunkRelayLagMs.p50)}, p95 ${fmt(figures.streaming.chunkRelayLagMs.p95)}, max ${fmt(figures.streaming.chunkRelayLagMs.max)}`);
	console.log(`  stop: REST call ${fmt(stopFigures.stopCallMs)}; model request closed ${fmt(stopFigures.modelRequestClosedMsAfterStop)} after the stop call; caller's response ${stopFigures.callerResponseEndedMsAfterStop === null ? 'still open 5 s after it (n8n)' : `ended ${fmt(stopFigures.callerResponseEndedMsAfterStop)} after it`}`);
	for (const [phase, f] of Object.entries(figures.phases)) {
		console.log(`  ${phase}: ${f.correct}/${f.calls} correct, wall ${f.wallSeconds.toFixed(1)} s, ${f.throughputPerSecond.toFixed(2)} calls/s, per call p50 ${fmt(f.latencyMs.p50)} p95 ${fmt(f.latencyMs.p95)} max ${fmt(f.latencyMs.max)}; model request p50 ${fmt(f.modelRequestMs.p50)}; per worker ${Object.entries(f.perWorker).map(([w, n]) => `${w} ${n}`).join(', ')}; peak at once ${Object.entries(f.peakConcurrentPerWorker).map(([w, n]) => `${w} ${n}`).join(', ')}`);
	}
	const streamText = `${cfg.streams} answers of ${SLOW_PIECES} chunks over ${(((SLOW_PIECES - 1) * SLOW_GAP_MS) / 1000).toFixed(1)} s reached their callers spread over ${spreads.map((m) => fmtS(m)).join(', ')}; relay lag model → caller p50 ${fmt(figures.streaming.chunkRelayLagMs.p50)}, p95 ${fmt(figures.streaming.chunkRelayLagMs.p95)}`;
	const stopText = `the worker closed the model request ${fmt(stopFigures.modelRequestClosedMsAfterStop)} after the stop call; the caller's streaming response ${stopFigures.callerResponseEndedMsAfterStop === null ? 'was still open 5 s later (n8n 2.41.1 does not end it)' : `ended ${fmt(stopFigures.callerResponseEndedMsAfterStop)} after it`}`;
	const notes = [];
	const probe = figures.phases[`c${cfg.workerConcurrency}`] && figures.phases[`c${cfg.workerConcurrency}`].streamingProbe;
	if (probe)
		notes.push(
			`A streaming webhook sent ${probe.sentAfterCalls} calls into the worker-concurrency-${cfg.workerConcurrency} load waited ${fmtS(probe.queueWaitMs)} in Bull's queue, while the load's own calls waited ${fmtS(probe.loadQueueWaitMs.p50)} (p50), ${fmtS(probe.loadQueueWaitMs.max)} at most: ` +
				'n8n 2.41.1 enqueues streaming webhooks with priority 100, webhooks whose caller waits for the answer with 50.',
		);
	figures.report = { streamText, stopText, notes };
	figures.tableRows = q.tableRows;
	return figures;
}

module.exports = { logCheck, measured };
