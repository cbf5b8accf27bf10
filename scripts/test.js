#!/usr/bin/env node
'use strict';
/**
 * `npm test`: everything, from a fresh clone, on a machine whose system Node may be 20.
 * Installs the dependencies (which bring Node 24 into node_modules/.bin), builds, lints,
 * runs the jest suites (core over loopback, node inside n8n's engine), then the suites that
 * run a real n8n. VISION_SKIP_REAL_N8N=1 skips those; VISION_SUITES=e2e,ui picks some.
 * Ends with one "N passed, N failed" line over all suites.
 */
const path = require('path');
const fs = require('fs');
const os = require('os');
const { spawn } = require('child_process');
const { ensureDeps, ensureBuilt, ensureN8n, node24Bin } = require('./n8n-env');

const root = path.resolve(__dirname, '..');
const totals = { passed: 0, failed: 0 };
const failedSteps = [];

/** Runs a step, echoing its output, and returns its exit code and the last "N passed, N failed" it printed. */
function step(name, args) {
	return new Promise((resolve) => {
		const started = Date.now();
		console.log(`\n=== ${name}`);
		const child = spawn(node24Bin(root), args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
		let tail = '';
		const remember = (chunk) => {
			tail = (tail + chunk.toString()).slice(-4000);
		};
		child.stdout.on('data', (chunk) => {
			process.stdout.write(chunk);
			remember(chunk);
		});
		child.stderr.on('data', (chunk) => {
			process.stderr.write(chunk);
			remember(chunk);
		});
		child.on('close', (code) => {
			const seconds = ((Date.now() - started) / 1000).toFixed(1);
			const counts = [...tail.matchAll(/(\d+) passed, (\d+) failed/g)].pop();
			console.log(`=== ${name}: ${code === 0 ? 'passed' : `FAILED (exit ${code})`} in ${seconds} s`);
			if (code !== 0) failedSteps.push(name);
			resolve({ code, passed: counts ? Number(counts[1]) : undefined, failed: counts ? Number(counts[2]) : undefined });
		});
	});
}

async function jest() {
	const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vision-jest-')), 'report.json');
	const result = await step('jest: streaming core over loopback, node inside n8n\'s engine', [
		path.join(root, 'node_modules/jest/bin/jest.js'),
		'--ci',
		'--json',
		`--outputFile=${report}`,
		...process.argv.slice(2),
	]);
	try {
		const json = JSON.parse(fs.readFileSync(report, 'utf8'));
		totals.passed += json.numPassedTests;
		totals.failed += json.numFailedTests + json.numRuntimeErrorTestSuites;
	} catch {
		totals.failed += 1;
	}
	if (result.code !== 0 && totals.failed === 0) totals.failed += 1;
}

const REAL_N8N_SUITES = [
	['e2e', 'end-to-end suite in a real n8n', 'scripts/test-e2e.js'],
	['streaming', 'live streaming through a real n8n (Webhook, Chat Trigger) and n8n 1.x on Node 20', 'scripts/test-streaming.js'],
	['queue', 'queue mode: Redis, Postgres and several workers', 'scripts/test-queue.js'],
	['ui', 'the editor in a real browser', 'scripts/test-ui.js'],
];

(async () => {
	await ensureDeps(root);
	await ensureBuilt(root);
	// Before jest: the AI-agent tool test runs the installed n8n's own Agent node.
	if (process.env.VISION_SKIP_REAL_N8N !== '1') await ensureN8n(root);
	const lint = await step('lint', [path.join(root, 'node_modules/eslint/bin/eslint.js'), '.']);
	if (lint.code === 0) totals.passed += 1;
	else totals.failed += 1;
	await jest();
	const wanted = process.env.VISION_SUITES ? process.env.VISION_SUITES.split(',') : undefined;
	for (const [key, name, script] of REAL_N8N_SUITES) {
		if (process.env.VISION_SKIP_REAL_N8N === '1' || (wanted && !wanted.includes(key))) {
			console.log(`\n=== ${name}: skipped`);
			continue;
		}
		if (!fs.existsSync(path.join(root, script))) continue;
		const result = await step(name, [path.join(root, script)]);
		if (result.passed !== undefined) {
			totals.passed += result.passed;
			totals.failed += result.failed;
		}
		if (result.code !== 0 && !result.failed) totals.failed += 1;
	}
	console.log(`\n${failedSteps.length ? `Failed steps: ${failedSteps.join(', ')}\n` : ''}${totals.passed} passed, ${totals.failed} failed`);
	process.exit(failedSteps.length > 0 || totals.failed > 0 ? 1 : 0);
})().catch((error) => {
	console.error(error);
	console.log(`${totals.passed} passed, ${totals.failed + 1} failed`);
	process.exit(1);
});
