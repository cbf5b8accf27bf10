'use strict';
/**
 * The figures of a queue-mode run as markdown: a table per load phase (wall time, throughput,
 * p50/p95 per request at worker concurrency 1 and 5) and the worker-kill summary. Printed at the
 * end of the queue suite and written to test-results/queue-results.md (`npm run docs:update` copies
 * it to docs/queue-results.md).
 */
const os = require('node:os');

const s = (ms) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : 'n/a');
const range = (list) => {
	const v = (list || []).filter(Number.isFinite);
	if (!v.length) return 'n/a';
	const lo = Math.min(...v);
	const hi = Math.max(...v);
	return hi - lo < 100 ? s(lo) : `${s(lo)}–${s(hi)}`;
};
const s2 = (ms) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : 'n/a');

function loadTable(rows) {
	const out = [
		'| Phase | Workers × worker concurrency | Requests (clients) | Answered correctly | Wall | Throughput | p50 | p95 | max | Executions per worker |',
		'|---|---|---|---|---|---|---|---|---|---|',
	];
	for (const r of rows) {
		const f = r.figures;
		const split = Object.entries(f.perSlot)
			.sort(([a], [b]) => a.localeCompare(b))
			.map(([, n]) => n)
			.join(' / ');
		out.push(
			`| ${r.label} | ${r.workers} × ${r.concurrency} | ${f.calls} (${f.clients}) | ${f.correct}/${f.calls} | ${s(f.wallSeconds * 1000)} | ${f.throughputPerSecond.toFixed(1)}/s | ${s2(f.latencyMs.p50)} | ${s2(f.latencyMs.p95)} | ${s(f.latencyMs.max)} | ${split} |`,
		);
	}
	return out.join('\n');
}

function faultTable(fault) {
	if (!fault) return '';
	return [
		'| Killed (SIGKILL) | In flight on it | Answered correctly | Failed by the kill | Other failures | Jobs failed by Bull after | Callers answered after (first / last) | Bound | Its model requests closed after | Restarted worker ready after |',
		'|---|---|---|---|---|---|---|---|---|---|',
		`| ${fault.victim}, ${s(fault.killAfterMs)} into ${fault.calls} requests | ${fault.inFlight} executions (${fault.failedByKill} load, 1 streaming) | ${fault.answered}/${fault.calls} | ${fault.failedByKill} (HTTP ${fault.failStatus}) | ${fault.otherFailures} | ${range(fault.stallDetectedMs)} | ${s(fault.firstFailureMs)} / ${s(fault.lastFailureMs)} | ${s(fault.boundMs)} | ${fault.modelClosed}/${fault.modelOpen} within ${fault.modelClosedMaxMs} ms | ${s(fault.restartReadyMs)} |`,
	].join('\n');
}

function markdown({ n8nVersion, settings, rows, fault, streaming, stop, notes = [], totalSeconds, passed, failed }) {
	const load = os.loadavg().map((l) => l.toFixed(1)).join(' / ');
	const lines = [
		'# Queue-mode figures (`npm run test:queue`)',
		'',
		`Written by test/n8n-queue/queue.test.js on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: n8n ${n8nVersion}, one main and two workers, Redis, Postgres, ` +
			`${os.cpus().length} CPU cores shared with other work (load average ${load} at the end), loopback model server (6 chunks, ~370 ms per answer). ` +
			'Each request posts a different PNG as multipart form data to Webhook → Vision Chat → Respond to Webhook; p50/p95/max are per request, as the caller measured them. ' +
			'Figures to compare, not limits: on two shared cores they vary by a factor of two between runs.',
		'',
		loadTable(rows),
		'',
		...rows
			.filter((r) => r.figures.queue)
			.map((r) => `- ${r.label}: time in Bull's queue p50 ${s2(r.figures.queue.waitMs.p50)}, p95 ${s2(r.figures.queue.waitMs.p95)}, longest ${s2(r.figures.queue.waitMs.max)}; a later request started before an earlier one in ${(100 * r.figures.queue.share).toFixed(0)}% of pairs.`),
		'',
	];
	if (fault) {
		lines.push(
			'## Killing a worker mid-load',
			'',
			`Queue settings: ${settings}. A request whose execution was on the killed worker ends with n8n's generic HTTP ${fault.failStatus} \`${fault.failBody}\` ` +
				"at most lock duration + 2 × stalled interval + 30 s (n8n's fixed re-check window) after the kill; times below are after the kill. Every other request got its own answer.",
			'',
			faultTable(fault),
			'',
		);
		if (fault.stream) lines.push(`A streaming caller on the killed worker: ${fault.stream}.`, '');
		const ak = fault.afterKill || {};
		const pct = (o) => `${Math.round(100 * o.order.share)}%`;
		if (ak.after && fault.staleQueueEntries && fault.staleQueueEntries.length) {
			lines.push(
				`Queue order after the kill: Bull's priority set kept a stale entry (execution ${fault.staleQueueEntries.join(', ')}, taken from the queue by the killed worker but not yet started). ` +
					`The next ${ak.after.ok} requests were served newest first: a later one started before an earlier one in ${pct(ak.after)} of pairs, longest queue wait ${s(ak.after.order.waitMs.max)}. ` +
					(ak.cleaned ? `After removing the entry: ${pct(ak.cleaned)} of pairs, longest wait ${s(ak.cleaned.order.waitMs.max)}.` : ''),
				'',
			);
		} else if (ak.after) {
			lines.push(`Queue order after the kill: no stale entry in Bull's priority set this time (the kill did not catch a job between being taken and being started); later requests started first in ${pct(ak.after)} of pairs.`, '');
		}
	}
	if (streaming) lines.push(`Streaming through a worker: ${streaming}.`, '');
	if (stop) lines.push(`Stop over REST: ${stop}.`, '');
	for (const note of notes) lines.push(note, '');
	if (Number.isFinite(totalSeconds)) lines.push(`Whole suite: ${Math.round(totalSeconds)} s, ${passed} passed, ${failed} failed.`, '');
	return lines.join('\n');
}

module.exports = { markdown, loadTable, faultTable };
