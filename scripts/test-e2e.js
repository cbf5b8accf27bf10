#!/usr/bin/env node
'use strict';
/**
 * `npm run test:e2e`: the end-to-end suite in a real n8n 2.41.1, offline.
 *
 *   1. ensureDeps / ensureBuilt / ensureN8n (scripts/n8n-env.js): node_modules (with Node 24),
 *      dist/, and n8n in ~/.cache/n8n-nodes-vision-stream (installed once)
 *   2. test/e2e/suite.js: npm pack, install the tarball into a fresh user folder's .n8n/nodes
 *      as n8n's community-package installer does, import a credential pointing at the loopback
 *      OpenAI-compatible server (test/server.ts), import the test workflows and examples/*.json,
 *      run them with `n8n execute --id <id> --rawOutput` and check the run data.
 *
 * Ends with "N passed, N failed"; exit code 1 when anything failed.
 *
 * Environment:
 *   VISION_E2E_PORT     first n8n port to try (default 5740; the task broker uses port + 1;
 *                       pairs up to 5748/5749 are tried when one is busy)
 *   VISION_E2E_KEEP=1   keep the temporary work folder (kept anyway when a check fails)
 *   VISION_E2E_STRICT=1 count known issues as failures
 */
const path = require('path');
const { spawnSync } = require('child_process');
const env = require('./n8n-env');

const ROOT = path.resolve(__dirname, '..');

async function freePorts() {
	const first = Number(process.env.VISION_E2E_PORT || 5740);
	for (let port = first; port <= Math.max(first, 5748); port += 2) {
		if (!(await env.portInUse(port)) && !(await env.portInUse(port + 1))) return [port, port + 1];
	}
	throw new Error(`no free port pair between ${first} and 5749 for n8n and its task broker`);
}

async function main() {
	const t0 = Date.now();
	await env.ensureDeps(ROOT);
	// The suite loads n8n-workflow (via dist/) and runs n8n: it needs Node 24.
	if (!/^v24\./.test(process.version)) {
		const node = env.node24Bin(ROOT);
		const r = spawnSync(node, [__filename, ...process.argv.slice(2)], { stdio: 'inherit', env: process.env });
		process.exit(r.status === null ? 1 : r.status);
	}
	await env.ensureBuilt(ROOT);
	const n8n = await env.ensureN8n(ROOT);
	const [port, brokerPort] = await freePorts();
	const prep = ((Date.now() - t0) / 1000).toFixed(1);
	console.log(`[test-e2e] deps, build and n8n ${env.N8N_VERSION} ready in ${prep} s; running the suite`);

	const { runSuite } = require('../test/e2e/suite');
	let interrupted = false;
	for (const signal of ['SIGINT', 'SIGTERM']) {
		process.once(signal, () => {
			interrupted = true;
			require('../test/e2e/n8n').killRunning();
			process.exit(130);
		});
	}
	const ok = await runSuite({ root: ROOT, n8n, env, port, brokerPort });
	console.log(`[test-e2e] total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
	if (!interrupted) process.exitCode = ok ? 0 : 1;
}

main().catch((error) => {
	console.error(`[test-e2e] ${error.stack || error}`);
	console.log('0 passed, 1 failed');
	process.exitCode = 1;
});
