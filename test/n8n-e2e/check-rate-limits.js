'use strict';
/**
 * Rate limits at volume in a real n8n (issue 15, "Real n8n"): a workflow of 200 items, each with a
 * small PNG as a data: URL, through one Vision Chat node with Concurrency 16 whose own credential
 * points at bench/rateLimitServer.js in "requests" mode (its own process: 600 requests a minute,
 * 10 per 1 s window, honest OpenAI-style x-ratelimit-* headers, 429 + Retry-After beyond). Nothing
 * is configured in the credential: the node paces itself to the server's headers. Run with
 * `n8n execute --rawOutput`; checked on the execution and on what the server counted.
 */
const assert = require('assert/strict');
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { fork } = require('child_process');
const { once } = require('events');

const support = require('../support/n8n');
const wf = require('./workflows');
const { safeParse, outputOf, paired, tail, secs, section } = require('./execution');

const SERVER_FILE = path.join(support.ROOT, 'bench', 'rateLimitServer.js');
/** The server's constants, read from its source: requiring it would start a server in this process. */
const serverConstant = (name) => Number(fs.readFileSync(SERVER_FILE, 'utf8').match(new RegExp(`const ${name} = ([0-9_]+);`))[1].replace(/_/g, ''));
const [PER_WINDOW, WINDOW_MS, STREAM_MS] = ['PER_WINDOW', 'WINDOW_MS', 'STREAM_MS'].map(serverConstant);
const ITEMS = 200;
const CONCURRENCY = 16;
const ANSWER = 'A red barn.'; // what the server streams for every accepted request
const WORKFLOW_ID = 'e2eVisionRate001';
const CREDENTIAL = { id: 'e2eRateLimitCred', name: 'Vision Chat API (rate-limited server)' };
/**
 * The least time the limit allows, as bench/rateLimits.js counts it: 10 requests per 1 s window, the
 * last answer a 200 ms stream. The server's windows start with the server, not with the first
 * request, so a run that begins late in a window can come in a little under it.
 */
const MINIMUM_MS = (Math.ceil(ITEMS / PER_WINDOW) - 1) * WINDOW_MS + STREAM_MS;
const MAX_RATIO = support.isCI() ? 1.5 : 2; // a shared developer machine gets some slack
const MAX_REFUSED_SHARE = 0.05;

/** bench/rateLimitServer.js in its own process: `{ child, baseUrl, stats() }`. */
async function startLimitedServer() {
	const child = fork(SERVER_FILE, ['requests'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
	const failed = once(child, 'error').then(([error]) => Promise.reject(error));
	const [{ port }] = await Promise.race([once(child, 'message'), failed]);
	const stats = async () => {
		const answer = once(child, 'message');
		child.send('stats');
		return (await answer)[0].stats;
	};
	return { child, baseUrl: `http://127.0.0.1:${port}/v1`, stats };
}

/** 200 items from a Code node, each with the same small PNG as a data: URL, into one Vision Chat node. */
function rateLimitWorkflow() {
	const png = `data:image/png;base64,${support.makePng(8, 6, [180, 30, 30]).toString('base64')}`;
	const nodes = [
		wf.manual(),
		wf.code('Make Items', [220, 0], `const url = ${JSON.stringify(png)};\nreturn Array.from({ length: ${ITEMS} }, (_, i) => ({ json: { i, url } }));`),
		wf.vision(
			'Vision Chat',
			[460, 0],
			'e2e-rate-limited',
			{ imageInput: 'url', imageUrls: '={{ $json.url }}', options: { concurrency: CONCURRENCY, emitChunks: false } },
			{ credentials: { visionChatApi: { ...CREDENTIAL } }, onError: 'continueRegularOutput' },
		),
	];
	return wf.workflow(WORKFLOW_ID, 'E2E: 200 images against a rate-limited server', nodes, [
		['Start', 0, 'Make Items'],
		['Make Items', 0, 'Vision Chat'],
	]);
}

/** The credential and the workflow, imported with the n8n CLI like the others. */
async function importRateLimitWorkflow(ctx, baseUrl) {
	const dir = path.join(ctx.work, 'rate-limits');
	fs.mkdirSync(dir, { recursive: true });
	const credentialFile = path.join(dir, 'credential.json');
	const workflowFile = path.join(dir, 'workflow.json');
	const apiKey = `sk-e2e-rate-${crypto.randomBytes(8).toString('hex')}`;
	fs.writeFileSync(credentialFile, JSON.stringify([{ ...CREDENTIAL, type: 'visionChatApi', data: { apiKey, baseUrl } }]));
	fs.writeFileSync(workflowFile, JSON.stringify(rateLimitWorkflow(), null, 2));
	const cred = await ctx.n8nRun('n8n import:credentials (rate-limited server)', ['import:credentials', `--input=${credentialFile}`]);
	const flow = await ctx.n8nRun('n8n import:workflow (200 images, rate-limited)', ['import:workflow', `--input=${workflowFile}`]);
	return ctx.check('the rate-limited credential and the 200-image workflow are imported', () => {
		assert.equal(cred.code, 0, tail(cred.stdout + cred.stderr));
		assert.equal(flow.code, 0, tail(flow.stdout + flow.stderr));
		assert.match(flow.stdout + flow.stderr, /Successfully imported 1 workflow/);
	});
}

async function rateLimitChecks(ctx) {
	const { check } = ctx;
	section(`Rate limits: ${ITEMS} images, Concurrency ${CONCURRENCY}, against a server allowing ${PER_WINDOW * 60} requests a minute (OpenAI-style headers, 429 + Retry-After)`);
	const server = await startLimitedServer();
	try {
		if (!(await importRateLimitWorkflow(ctx, server.baseUrl))) return;
		const run = await ctx.n8nRun('n8n execute 200 images against the rate-limited server', ['execute', `--id=${WORKFLOW_ID}`, '--rawOutput']);
		const stats = await server.stats();
		await resultChecks(check, run, stats);
	} finally {
		server.child.kill();
	}
}

async function resultChecks(check, run, stats) {
	const execution = safeParse(run);
	const ok = await check('n8n execute: the workflow runs to the end', () => {
		assert.equal(run.code, 0, tail(run.stdout + run.stderr));
		assert.equal(execution && execution.status, 'success');
	});
	if (!ok) return;
	await check(`${ITEMS} Result items, none with an error, each the server's answer, in input order`, () => {
		const items = outputOf(execution, 'Vision Chat');
		assert.equal(items.length, ITEMS);
		const failed = items.filter((item) => item.json.error || item.json.text !== ANSWER);
		if (failed.length) assert.fail(`${failed.length} failed, the first: ${JSON.stringify(failed[0].json).slice(0, 300)}`);
		assert.deepEqual(items.map(paired), items.map((_, i) => i));
	});
	const requests = stats.accepted + stats.refused;
	const share = requests ? stats.refused / requests : 0;
	const wallMs = execution.data.resultData.runData['Vision Chat'][0].executionTime;
	await check(`the server accepted exactly one request per item; 429s ≤ ${MAX_REFUSED_SHARE * 100} % of requests`, () => {
		assert.equal(stats.accepted, ITEMS, `accepted ${stats.accepted}`);
		assert.ok(share <= MAX_REFUSED_SHARE, `${stats.refused} of ${requests} requests got a 429`);
		return `429s ${stats.refused} / ${requests} (${(share * 100).toFixed(1)} %)`;
	});
	await check(`never more than the limit let through, never more than Concurrency ${CONCURRENCY} in flight`, () => {
		assert.ok(stats.accepted <= PER_WINDOW * (Math.ceil(wallMs / WINDOW_MS) + 1), `${stats.accepted} accepted in ${secs(wallMs)}`);
		assert.ok(stats.maxConcurrent <= CONCURRENCY, `${stats.maxConcurrent} at once`);
		return `at most ${stats.maxConcurrent} in flight`;
	});
	await check(`the Vision Chat node's wall time ≤ ${MAX_RATIO}× the minimum the limit allows (${secs(MINIMUM_MS)})`, () => {
		assert.ok(wallMs <= MAX_RATIO * MINIMUM_MS, `${secs(wallMs)} is ${(wallMs / MINIMUM_MS).toFixed(2)}× the minimum`);
		return `wall ${secs(wallMs)} = ${(wallMs / MINIMUM_MS).toFixed(2)}× the minimum ${secs(MINIMUM_MS)}`;
	});
}

module.exports = { rateLimitChecks, rateLimitWorkflow };
