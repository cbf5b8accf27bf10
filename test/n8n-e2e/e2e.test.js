'use strict';
/**
 * End to end: this package installed as a community package into a fresh n8n 2.41.1 user folder
 * (npm pack, then what n8n's Community Nodes installer does), a credential and workflows
 * imported with the n8n CLI, the workflows run headless with `n8n execute --rawOutput` against
 * the loopback OpenAI-compatible server of test/server.ts (answers in ./answers.js and
 * ./answers-records.js), PDF attachments in every PDF mode (./check-pdf.js), 200 images against
 * a rate-limited server (bench/rateLimitServer.js, ./check-rate-limits.js), and the form
 * example and a receipt record form answered by a running `n8n start`. Offline. What is checked: README, "End-to-end tests".
 *
 *   node --test test/n8n-e2e        (npm run test:e2e builds first; npm test runs it too)
 *
 * Environment: VISION_E2E_PORT (n8n's port, its broker the next; default: the first free pair
 * from 5740), VISION_E2E_KEEP=1 (keep the temporary folder; kept anyway when a check fails),
 * VISION_E2E_SKIP_START=1 (leave out the `n8n start` part, the form example).
 */
const { test } = require('node:test');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');

const support = require('../support/n8n');
const { loadTs } = require('../support/load-ts');
const { makeRoutes } = require('./answers');
const { packagingChecks, importChecks } = require('./check-import');
const { mainWorkflowChecks } = require('./check-main');
const { stopChecks, examplesRunChecks, combinedModeChecks, acrossRunsChecks } = require('./check-runs');
const { formExampleChecks } = require('./check-form');
const { pdfChecks } = require('./check-pdf');
const { rateLimitChecks } = require('./check-rate-limits');
const { FIXTURES, tail, secs } = require('./execution');

const ROOT = support.ROOT;

function folders() {
	const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'vision-e2e-')));
	const dirs = { tmp, userFolder: path.join(tmp, 'user'), filesDir: path.join(tmp, 'files'), work: path.join(tmp, 'work') };
	for (const dir of [dirs.userFolder, dirs.filesDir, path.join(dirs.work, 'workflows')]) fs.mkdirSync(dir, { recursive: true });
	return dirs;
}

/** The fixture images on disk, and the loopback model server that also serves /img/photo.png. */
async function fixturesAndServer(ctx) {
	ctx.fixtureBytes = {};
	for (const [name, [w, h, rgb]] of Object.entries(FIXTURES)) {
		ctx.fixtureBytes[name] = support.makePng(w, h, rgb);
		fs.writeFileSync(path.join(ctx.filesDir, name), ctx.fixtureBytes[name]);
	}
	fs.writeFileSync(path.join(ctx.filesDir, 'notes.txt'), 'not an image, not matched by *.png\n');
	ctx.photo = support.makePng(6, 4, [250, 200, 0]);
	ctx.serverLib = loadTs(path.join(ROOT, 'test', 'server.ts'), ROOT);
	ctx.server = await ctx.serverLib.startTestServer();
	makeRoutes(ctx.server, ctx.serverLib);
	ctx.server.serve('/img/photo.png', (_req, res) => {
		res.writeHead(200, { 'content-type': 'image/png', 'content-length': ctx.photo.length });
		res.end(ctx.photo);
	});
	ctx.imageBaseUrl = ctx.server.baseUrl.replace(/\/v1$/, '');
}

/** Runs an n8n CLI command in the suite's environment, timed, its output kept for the final checks. */
function n8nRunner(ctx) {
	return async (label, args) => {
		const result = await ctx.timed(label, () => support.runN8n(ctx.n8n, args, ctx.env));
		ctx.n8nOutputs.push({ label, ...result });
		if (result.timedOut) throw new Error(`${label}: n8n ${args.join(' ')} timed out`);
		return result;
	};
}

function writeLogs(ctx) {
	const dir = path.join(ctx.work, 'logs');
	fs.mkdirSync(dir, { recursive: true });
	ctx.n8nOutputs.forEach((out, i) => {
		const name = `${String(i + 1).padStart(2, '0')}-${out.label.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '')}.log`;
		fs.writeFileSync(path.join(dir, name), `exit ${out.code}\n--- stdout\n${out.stdout}\n--- stderr\n${out.stderr}\n`);
	});
}

test('end to end: the package as a community package in a real n8n 2.41.1', async (t) => {
	const n8n = await support.prerequisite(t, 'n8n 2.41.1 in the cache', () => support.ensureN8n(ROOT));
	if (!n8n) return;
	const started = Date.now();
	const [port, brokerPort] = await support.freePorts(2, 5740, process.env.VISION_E2E_PORT);
	const timings = [];
	const ctx = { root: ROOT, n8n, port, brokerPort, check: support.checker(t), n8nOutputs: [], ...folders() };
	ctx.timed = async (label, fn) => {
		const t0 = Date.now();
		try {
			return await fn();
		} finally {
			timings.push([label, Date.now() - t0]);
		}
	};
	ctx.n8nRun = n8nRunner(ctx);
	ctx.runId = crypto.randomBytes(6).toString('hex');
	ctx.apiKey = `sk-e2e-${crypto.randomBytes(12).toString('hex')}`;
	console.log(`work folder ${ctx.tmp}; n8n ports ${port}/${brokerPort}`);
	let failure = null;
	try {
		await fixturesAndServer(ctx);
		await packagingChecks(ctx);
		await importChecks(ctx);
		await mainWorkflowChecks(ctx);
		await stopChecks(ctx);
		await examplesRunChecks(ctx);
		await combinedModeChecks(ctx);
		await pdfChecks(ctx);
		await rateLimitChecks(ctx);
		await formExampleChecks(ctx);
		await acrossRunsChecks(ctx);
	} catch (error) {
		failure = error;
		for (const out of ctx.n8nOutputs.slice(-1)) console.log(`\nlast n8n output (${out.label}, exit ${out.code}):\n${tail(out.stdout + out.stderr, 40)}`);
	} finally {
		support.killAll();
		if (ctx.server) await ctx.server.close();
		writeLogs(ctx);
	}
	console.log('\nTimings');
	for (const [label, ms] of timings) console.log(`  ${secs(ms).padStart(7)}  ${label}`);
	console.log(`  ${secs(Date.now() - started).padStart(7)}  whole suite`);
	if (failure || ctx.check.failed() || process.env.VISION_E2E_KEEP === '1') console.log(`\nwork folder kept: ${ctx.tmp}`);
	else fs.rmSync(ctx.tmp, { recursive: true, force: true });
	if (failure) throw failure;
});
