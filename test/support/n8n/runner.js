'use strict';
/**
 * Runs the real-n8n suites with node's own test runner (`node --test`, Node 24), one file after
 * the other, each in its own process, and returns their counts as data: the spec reporter
 * prints to this terminal while ./reporter.js writes the counts to a JSON file, which is read back.
 *
 *   SUITES                      [{ key, title, file }] in the order `npm test` runs them
 *   runSuites({ root, keys }) -> { passed, failed, skipped: [reason], suites: [{ key, title, passed, failed, skipped, seconds }] }
 *
 * A suite file that does not exist fails the run with CI set, and is "skipped: <reason>" elsewhere.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');
const { ROOT, isCI, node24Bin } = require('./base');

const SUITES = [
	{ key: 'e2e', title: 'end-to-end suite in a real n8n', file: 'test/n8n-e2e/e2e.test.js' },
	{ key: 'streaming', title: 'live streaming through a real n8n (Webhook, Chat Trigger) and n8n 1.x on Node 20', file: 'test/n8n-live-streaming/live-streaming.test.js' },
	{ key: 'queue', title: 'queue mode: Redis, Postgres and several workers', file: 'test/n8n-queue/queue.test.js' },
	{ key: 'ui', title: 'the editor in a real browser', file: 'test/n8n-editor/editor.test.js' },
];

function runNodeTest(root, files, resultsFile) {
	const args = ['--test', '--test-concurrency=1', '--test-reporter=spec', '--test-reporter-destination=stdout', `--test-reporter=${path.join(__dirname, 'reporter.js')}`, `--test-reporter-destination=${resultsFile}`, ...files];
	return new Promise((resolve) => {
		const child = spawn(node24Bin(root), args, { cwd: root, stdio: 'inherit', env: process.env });
		child.on('error', (error) => resolve({ code: 1, error }));
		child.on('exit', (code, signal) => resolve({ code: code === null ? 1 : code, signal }));
	});
}

async function runSuites({ root = ROOT, keys = SUITES.map((s) => s.key) } = {}) {
	const unknown = keys.filter((k) => !SUITES.some((s) => s.key === k));
	if (unknown.length) throw new Error(`unknown suite(s) ${unknown.join(', ')}; known: ${SUITES.map((s) => s.key).join(', ')}`);
	const out = { passed: 0, failed: 0, skipped: [], suites: [] };
	const chosen = SUITES.filter((s) => keys.includes(s.key));
	const present = [];
	for (const suite of chosen) {
		if (fs.existsSync(path.join(root, suite.file))) {
			present.push(suite);
			continue;
		}
		const reason = `${suite.key}: ${suite.file} is missing`;
		if (isCI()) {
			console.log(`FAILED: ${reason} (with CI set, a missing suite fails the run)`);
			out.failed += 1;
		} else {
			console.log(`skipped: ${reason}`);
			out.skipped.push(reason);
		}
		out.suites.push({ ...suite, passed: 0, failed: isCI() ? 1 : 0, skipped: isCI() ? 0 : 1, seconds: 0 });
	}
	if (!present.length) return out;

	const resultsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vision-n8n-suites-')), 'results.json');
	const run = await runNodeTest(root, present.map((s) => s.file), resultsFile);
	let results;
	try {
		results = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
	} catch (error) {
		console.log(`FAILED: node --test wrote no results (exit ${run.code}${run.signal ? `, ${run.signal}` : ''}): ${error.message}`);
		out.failed += 1;
		return out;
	} finally {
		fs.rmSync(path.dirname(resultsFile), { recursive: true, force: true });
	}
	for (const suite of present) {
		const r = results.files[path.join(root, suite.file)] || { passed: 0, failed: 1, skipped: 0, durationMs: 0, failures: [{ name: suite.file, message: 'no result' }] };
		out.suites.push({ ...suite, passed: r.passed, failed: r.failed, skipped: r.skipped, failures: r.failures, seconds: r.durationMs / 1000 });
		out.passed += r.passed;
		out.failed += r.failed;
	}
	out.skipped.push(...results.skipped.map((s) => `${path.relative(root, s.file || '')}: ${s.reason || s.name}`));
	// node --test failing without a counted failure (a crash, a signal) still fails the run.
	if (run.code !== 0 && out.failed === 0) out.failed += 1;
	return out;
}

/** One line per suite, for the end of a run. */
function summaryLines(result) {
	const lines = [];
	for (const s of result.suites) {
		lines.push(`  ${s.key.padEnd(10)} ${s.passed} passed, ${s.failed} failed${s.skipped ? `, ${s.skipped} skipped` : ''} (${s.seconds.toFixed(1)} s)`);
		for (const f of (s.failures || []).slice(0, 10)) lines.push(`    failed: ${f.name}${f.message ? `: ${f.message.slice(0, 160)}` : ''}`);
	}
	for (const reason of result.skipped) lines.push(`  skipped: ${reason}`);
	return lines;
}

module.exports = { SUITES, runSuites, summaryLines };
