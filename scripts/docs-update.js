#!/usr/bin/env node
'use strict';
/**
 * `npm run docs:update`: refreshes what the documentation shows from a real run. Runs the editor
 * suite (screenshots) and the queue suite (figures) with their output in a temporary folder and,
 * when every check of both passed, replaces docs/screenshots/*.png and docs/queue-results.md with
 * what they wrote. `npm test` never touches docs/: its copies stay in test-results/.
 *
 *   npm run docs:update            both
 *   npm run docs:update -- ui      only the screenshots (queue: only the figures)
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { ensureDeps, ensureBuilt } = require('../test/support/n8n/deps');
const { ROOT } = require('../test/support/n8n/base');
const { runSuites, summaryLines } = require('../test/support/n8n/runner');

const OUTPUTS = {
	ui: (from) => {
		const shots = fs.readdirSync(path.join(from, 'screenshots')).filter((f) => f.endsWith('.png'));
		if (!shots.length) throw new Error('the editor suite wrote no screenshots');
		const dir = path.join(ROOT, 'docs', 'screenshots');
		for (const f of fs.readdirSync(dir)) if (f.endsWith('.png')) fs.rmSync(path.join(dir, f)); // ones no longer taken go too
		for (const f of shots) fs.copyFileSync(path.join(from, 'screenshots', f), path.join(dir, f));
		return `docs/screenshots/ (${shots.length} screenshots)`;
	},
	queue: (from) => {
		fs.copyFileSync(path.join(from, 'queue-results.md'), path.join(ROOT, 'docs', 'queue-results.md'));
		return 'docs/queue-results.md';
	},
};

(async () => {
	const keys = process.argv.length > 2 ? process.argv.slice(2) : Object.keys(OUTPUTS);
	const unknown = keys.filter((k) => !OUTPUTS[k]);
	if (unknown.length) throw new Error(`docs:update knows ${Object.keys(OUTPUTS).join(', ')}, not ${unknown.join(', ')}`);
	await ensureDeps(ROOT);
	await ensureBuilt(ROOT);
	const out = fs.mkdtempSync(path.join(os.tmpdir(), 'vision-docs-'));
	process.env.VISION_ARTIFACTS_DIR = out;
	try {
		const result = await runSuites({ root: ROOT, keys });
		console.log(`\n${summaryLines(result).join('\n')}\n`);
		if (result.failed || result.skipped.length || !result.passed) {
			console.log(`docs/ left as it was: the suites did not all pass (${result.passed} passed, ${result.failed} failed, ${result.skipped.length} skipped)`);
			process.exitCode = 1;
			return;
		}
		for (const key of keys) console.log(`updated ${OUTPUTS[key](out)}`);
		console.log(`${result.passed} passed, ${result.failed} failed`);
	} finally {
		fs.rmSync(out, { recursive: true, force: true });
	}
})().catch((error) => {
	console.error(error);
	process.exitCode = 1;
});
