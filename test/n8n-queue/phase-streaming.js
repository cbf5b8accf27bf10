'use strict';
/**
 * Streaming and stopping through the workers:
 *
 *   streamingPhase(q)  3 "Streaming" webhooks at once, each answer SLOW_PIECES chunks SLOW_GAP_MS
 *                      apart: every caller gets its own answer live, chunks go worker -> Redis ->
 *                      main -> caller (send-chunk job progress messages)
 *   stopPhase(q)       an execution streaming on a worker (its model request stalls) stopped with
 *                      POST /rest/executions/:id/stop: the worker aborts the model request, the
 *                      node sends an error and an end chunk, the execution ends as canceled
 * Both put their figures into q.figures (streaming, stop).
 */
const crypto = require('node:crypto');
const { pngFor, restClient, waitFor, sleep } = require('../support/n8n');
const { answerPieces, SLOW_PIECES, SLOW_GAP_MS } = require('./answers');
const { streamPhoto, percentile } = require('./client');
const wf = require('./workflows');

async function streamingPhase(q) {
	const { cfg, check, server, pg, watch, runTag, execByWorker, webhookUrl } = q;
	console.log(`\nStreaming: ${cfg.streams} "Streaming" webhooks at once, each answer ${SLOW_PIECES} chunks ${SLOW_GAP_MS} ms apart`);
	const streamCalls = Array.from({ length: cfg.streams }, (_, i) => {
		const rid = `stream-${i}-${runTag}`;
		const image = pngFor(`stream-${runTag}-${i}`);
		return { rid, image, expected: answerPieces(rid, { sha: image.sha, bytes: image.bytes.length, mime: image.mime }, SLOW_PIECES) };
	});
	const streamResults = await Promise.all(
		streamCalls.map((s) => streamPhoto(webhookUrl('stream'), { rid: s.rid, image: s.image, fileName: `${s.rid}.png`, timeoutMs: 90000 }).done),
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
	});
	await check.that(`each streaming caller got begin, ${SLOW_PIECES} item chunks with its own text, end (${streamsOk}/${cfg.streams})`, streamsOk === cfg.streams, streamProblems.slice(0, 2).join(' | '));
	await check.that(`the chunks arrived live, spread over the answer's time (${streamsLive}/${cfg.streams})`, streamsLive === cfg.streams, `first-to-last item: ${spreads.map((m) => `${(m / 1000).toFixed(1)} s`).join(', ')}; answer takes ${(((SLOW_PIECES - 1) * SLOW_GAP_MS) / 1000).toFixed(1)} s`);
	await sleep(300);
	const streamRows = (await pg.psql(`SELECT id FROM execution_entity WHERE "workflowId" = '${wf.IDS.stream}' ORDER BY id`)).split('\n').filter(Boolean);
	const streamWorkers = streamRows.map((id) => (execByWorker.get(id) || {}).worker);
	await check.that('the streaming executions ran on workers (chunks went worker -> Redis -> main -> caller)', streamRows.length === cfg.streams && streamWorkers.every(Boolean), `${streamRows.length} executions on ${streamWorkers.join(', ')}`);
	const viaRedis = streamRows.map((id) => {
		const chunks = watch.progressOf(id, 'send-chunk').map((m) => m.data.progress.chunkText || {});
		return chunks.filter((c) => c.type === 'item').length === SLOW_PIECES && chunks[0] && chunks[0].type === 'begin' && chunks[chunks.length - 1].type === 'end';
	});
	await check.that('every chunk of those executions passed through Redis as a send-chunk job progress message', viaRedis.length === cfg.streams && viaRedis.every(Boolean), `${viaRedis.filter(Boolean).length}/${streamRows.length} executions: begin, ${SLOW_PIECES} items, end`);
	relayLag.sort((a, b) => a - b);
	q.figures.streaming = {
		streams: cfg.streams,
		firstToLastItemMs: spreads,
		chunkRelayLagMs: { p50: percentile(relayLag, 50), p95: percentile(relayLag, 95), max: relayLag[relayLag.length - 1] },
		workers: streamWorkers,
	};
	return spreads;
}

async function stopPhase(q) {
	const { cfg, check, server, pg, watch, runTag, execByWorker, webhookUrl, log } = q;
	console.log('\nStop: an execution streaming on a worker, stopped through the REST API');
	const rest = restClient(`http://127.0.0.1:${q.ports.mainPort}`);
	const owner = { email: 'queue-owner@example.com', firstName: 'Queue', lastName: 'Owner', password: `Queue-${crypto.randomBytes(6).toString('hex')}-9Z` };
	const setup = await rest.call('POST', '/rest/owner/setup', owner);
	const login = await rest.call('POST', '/rest/login', { emailOrLdapLoginId: owner.email, password: owner.password });
	await check.that('owner set up and logged in over REST', setup.status === 200 && login.status === 200 && rest.hasSession(), `setup HTTP ${setup.status}, login HTTP ${login.status}`);

	const stopRid = `stop-0-${runTag}`;
	const stopImage = pngFor(`stop-${runTag}`);
	let firstItemAt = null;
	const stopLines = [];
	const stopStream = streamPhoto(webhookUrl('stop'), {
		rid: stopRid,
		image: stopImage,
		fileName: 'stop.png',
		timeoutMs: 150000,
		onLine: (l) => {
			stopLines.push(l);
			if (l.json && l.json.type === 'item' && !firstItemAt) firstItemAt = l.at;
		},
	});
	q.cleanup.streams.push(stopStream);
	let stopFigures = {};
	try {
		const rec = await waitFor('the model request of the execution to stop', () => server.requests.find((r) => r.rid === stopRid && r.text.length > 0), 60000);
		await waitFor('the first chunk at the caller', () => firstItemAt, 20000);
		const execId = await waitFor('the running execution in Postgres', async () => (await pg.psql(`SELECT id FROM execution_entity WHERE "workflowId" = '${wf.IDS.stop}' AND status = 'running' ORDER BY id DESC LIMIT 1`)) || null, 20000, 200);
		const worker = (execByWorker.get(execId) || {}).worker;
		await check.that('the execution to stop is running on a worker, mid-stream', Boolean(worker) && !rec.closedAt, `execution ${execId} on ${worker}, caller got its first chunk`);
		await sleep(500);
		const tStop = Date.now();
		const stop = await rest.call('POST', `/rest/executions/${execId}/stop`);
		await check.that('POST /rest/executions/:id/stop answered 200', stop.status === 200, `HTTP ${stop.status} ${JSON.stringify(stop.data).slice(0, 200)}`);
		let closedMs = null;
		try {
			await waitFor('the model request to close', () => rec.closedAt, 30000, 20);
			closedMs = rec.closedAt - tStop;
		} catch {}
		await check.that(`the worker aborted the in-flight model request within ${cfg.stopCloseLimitMs / 1000} s of the stop`, closedMs !== null && rec.closedByClient && closedMs <= cfg.stopCloseLimitMs, closedMs === null ? 'the model server never saw the connection close (30 s)' : `connection closed ${closedMs} ms after the stop call, by ${rec.closedByClient ? 'the node' : 'the server'}`);
		const job = await waitFor('the abort-job message', () => watch.messages.find((m) => m.data && m.data.progress && m.data.progress.kind === 'abort-job' && m.at >= tStop), 10000, 20).catch(() => null);
		const stopCmd = watch.messages.find((m) => m.channel.endsWith('n8n.commands') && m.data && m.data.command === 'stop-execution' && m.data.payload && String(m.data.payload.executionId) === String(execId));
		await check.that('the main sent the stop to the workers through Redis (abort-job on the job, stop-execution command)', Boolean(job) && Boolean(stopCmd), `abort-job ${job ? `${job.at - tStop} ms` : 'missing'}, stop-execution ${stopCmd ? `${stopCmd.at - tStop} ms` : 'missing'} after the stop call`);
		const nodeChunks = await waitFor(
			"the node's error and end chunks in Redis",
			() => {
				const after = watch.progressOf(execId, 'send-chunk').filter((m) => m.at >= tStop).map((m) => m.data.progress.chunkText || {});
				return after.some((c) => c.type === 'end') ? after : null;
			},
			10000,
			20,
		).catch(() => watch.progressOf(execId, 'send-chunk').filter((m) => m.at >= tStop).map((m) => m.data.progress.chunkText || {}));
		const errChunk = nodeChunks.find((c) => c.type === 'error');
		await check.that('on the worker, the node sent the caller an error chunk (cancelled) and an end chunk through Redis', errChunk && /cancel/i.test(String(errChunk.content)) && nodeChunks.findIndex((c) => c.type === 'end') > nodeChunks.indexOf(errChunk), `after the stop: ${nodeChunks.map((c) => c.type).join(', ') || 'nothing'}${errChunk ? `; ${JSON.stringify(errChunk.content)}` : ''}`);
		const status = await waitFor(
			'a final execution status',
			async () => {
				const s = await pg.psql(`SELECT status FROM execution_entity WHERE id = ${execId}`);
				return s && s !== 'running' && s !== 'new' ? s : null;
			},
			30000,
			200,
		).catch(() => 'running');
		await check.that('the execution ended as canceled in Postgres', status === 'canceled', `status ${status}`);
		// What reached the caller after the stop (n8n's part: the main forwards send-chunk messages
		// only while the execution is in its ActiveExecutions, and a stop removes it at once).
		const res = await Promise.race([stopStream.done, sleep(5000).then(() => null)]);
		const after = (res ? res.lines : stopLines).filter((l) => l.at >= tStop && l.json);
		if (!after.some((l) => l.json.type === 'error'))
			log(`NOTE: the caller got ${after.length ? after.map((l) => l.json.type).join(', ') : 'no line'} after the stop: the main dropped the node's error/end chunks (n8n removes a stopped execution from ActiveExecutions before the worker's last chunks arrive)`);
		const endMs = res ? res.endedAt - tStop : null;
		if (res) log(`the caller's streaming response ended ${endMs} ms after the stop`);
		else log("NOTE: n8n left the caller's streaming response open 5 s after the stop (queue mode never ends the HTTP response of a cancelled streaming execution: WorkflowRunner.enqueueExecution's cancel path skips ActiveExecutions.finalizeExecution, which is what calls res.end())");
		const again = server.requests.filter((r) => r.rid === stopRid).length;
		await check.that('the stopped request was not retried', again === 1, `${again} request(s) for it`);
		stopFigures = { executionId: execId, worker, modelRequestClosedMsAfterStop: closedMs, stopCallMs: stop.ms, callerResponseEndedMsAfterStop: endMs, callerLinesAfterStop: after.map((l) => l.json.type), finalStatus: status };
	} finally {
		stopStream.abort();
	}
	q.figures.stop = stopFigures;
	return stopFigures;
}

module.exports = { streamingPhase, stopPhase };
