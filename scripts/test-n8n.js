#!/usr/bin/env node
'use strict';
/**
 * `npm run test:e2e` / `test:streaming` / `test:queue` / `test:ui`: one or more real-n8n suites
 * alone (`node scripts/test-n8n.js e2e ui`), after installing what is missing and building; the
 * suites install n8n, chromium, redis and postgres themselves when they need them. Ends with
 * "N passed, N failed" from node:test's own results.
 */
const { ensureDeps, ensureBuilt } = require('../test/support/n8n/deps');
const { ROOT } = require('../test/support/n8n/base');
const { SUITES, runSuites, summaryLines } = require('../test/support/n8n/runner');

(async () => {
	const keys = process.argv.slice(2);
	if (!keys.length) throw new Error(`name the suites to run: ${SUITES.map((s) => s.key).join(', ')}`);
	await ensureDeps(ROOT);
	await ensureBuilt(ROOT);
	const result = await runSuites({ root: ROOT, keys });
	console.log(`\n${summaryLines(result).join('\n')}\n\n${result.passed} passed, ${result.failed} failed`);
	process.exit(result.failed > 0 ? 1 : 0);
})().catch((error) => {
	console.error(error);
	console.log('0 passed, 1 failed');
	process.exit(1);
});
