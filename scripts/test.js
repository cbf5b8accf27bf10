#!/usr/bin/env node
'use strict';
/**
 * `npm test`: everything, from a fresh clone, on a machine whose system Node may be 20.
 * Installs the dependencies (which bring Node 24 into node_modules/.bin), builds, lints,
 * runs the jest suites (core over loopback, node inside n8n's engine), then the
 * end-to-end suite in a real n8n. VISION_SKIP_E2E=1 skips the last step.
 */
const path = require('path');
const { spawnSync } = require('child_process');
const fs = require('fs');
const { ensureDeps, ensureBuilt, node24Bin } = require('./n8n-env');

const root = path.resolve(__dirname, '..');

function step(name, args) {
	const started = Date.now();
	console.log(`\n=== ${name}`);
	const result = spawnSync(node24Bin(root), args, { cwd: root, stdio: 'inherit', env: process.env });
	const seconds = ((Date.now() - started) / 1000).toFixed(1);
	if (result.status !== 0) {
		console.error(`=== ${name} FAILED after ${seconds} s`);
		process.exit(result.status ?? 1);
	}
	console.log(`=== ${name} passed in ${seconds} s`);
}

(async () => {
	await ensureDeps(root);
	await ensureBuilt(root);
	step('lint', [path.join(root, 'node_modules/eslint/bin/eslint.js'), '.']);
	step('jest: core and node-in-engine tests', [path.join(root, 'node_modules/jest/bin/jest.js'), '--ci', ...process.argv.slice(2)]);
	const e2e = path.join(root, 'scripts/test-e2e.js');
	if (process.env.VISION_SKIP_E2E === '1') console.log('\n=== end-to-end suite skipped (VISION_SKIP_E2E=1)');
	else if (fs.existsSync(e2e)) step('end-to-end suite in a real n8n', [e2e]);
})().catch((error) => {
	console.error(error);
	process.exit(1);
});
