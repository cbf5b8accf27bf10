'use strict';
/**
 * n8n 1.x on the machine's Node 20: test/n8n-live-streaming/n8n1-compat.js, run as before
 * (`node test/n8n-live-streaming/n8n1-compat.js`, Node 20 first on PATH, no npm_* variables), in the
 * background while n8n 2.41.1 boots. Its checks become checks of this suite:
 *
 *   startCompat(root) -> Promise<{ code, signal, output, ms, result }>
 *   compatChecks(check, run)
 *
 * What the script hands back (its contract): with VISION_RESULT_FILE set it writes there
 * { "tests": [{ "name": "…", "ok": true|false, "detail"?: "…" }] } (or { passed, failed }); until
 * it does, its last output line "N passed, N failed" is read, and only that line. Exit code 0
 * means all passed.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, spawnSync } = require('child_process');
const { performance } = require('perf_hooks');

const SCRIPT = path.join('test', 'n8n-live-streaming', 'n8n1-compat.js');

/** The machine's own Node 20: `node` on PATH without any node_modules/.bin (npm puts Node 24 first). */
function findNode20() {
	const cleanPath = (process.env.PATH || '')
		.split(path.delimiter)
		.filter((p) => p && !/node_modules[\\/]\.bin$/.test(p) && !/node-gyp-bin$/.test(p))
		.join(path.delimiter);
	const candidates = [...(process.env.VISION_NODE20 ? [process.env.VISION_NODE20] : []), 'node', '/usr/bin/node', '/usr/local/bin/node'];
	const seen = [];
	for (const bin of candidates) {
		const r = spawnSync(bin, ['-p', 'process.version + " " + process.execPath'], { encoding: 'utf8', env: { ...process.env, PATH: cleanPath } });
		if (r.status !== 0) continue;
		const [version, execPath] = r.stdout.trim().split(' ');
		seen.push(`${execPath} ${version}`);
		if (/^v20\./.test(version)) return { bin: execPath, version, PATH: cleanPath };
	}
	return { error: `no Node 20 found (saw: ${seen.join(', ') || 'none'}); set VISION_NODE20` };
}

function readResult(file, output) {
	try {
		const json = JSON.parse(fs.readFileSync(file, 'utf8'));
		if (Array.isArray(json.tests)) return json;
		if (Number.isInteger(json.passed) && Number.isInteger(json.failed)) return { counts: json };
	} catch {}
	const last = output.trim().split('\n').pop() || '';
	const m = /^(\d+) passed, (\d+) failed$/.exec(last.trim());
	return m ? { counts: { passed: Number(m[1]), failed: Number(m[2]) } } : null;
}

function startCompat(root) {
	const node20 = findNode20();
	if (node20.error) return Promise.resolve({ code: 1, output: node20.error, ms: 0, result: null });
	const t0 = performance.now();
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vision-n8n1-result-'));
	const resultFile = path.join(dir, 'result.json');
	const env = { ...process.env, PATH: `${path.dirname(node20.bin)}${path.delimiter}${node20.PATH}`, VISION_RESULT_FILE: resultFile };
	for (const k of Object.keys(env)) if (/^npm_/i.test(k)) delete env[k];
	return new Promise((resolve) => {
		const child = spawn(node20.bin, [path.join(root, SCRIPT)], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
		let output = '';
		child.stdout.on('data', (d) => (output += d));
		child.stderr.on('data', (d) => (output += d));
		const done = (code, signal, extra = '') => {
			const result = readResult(resultFile, output);
			fs.rmSync(dir, { recursive: true, force: true });
			resolve({ code, signal, output: output + extra, ms: performance.now() - t0, result });
		};
		child.on('error', (error) => done(1, null, `\ncould not start: ${error.message}\n`));
		child.on('exit', (code, signal) => done(code ?? 1, signal));
	});
}

async function compatChecks(check, run) {
	console.log(`# n8n 1.x on Node 20 (${SCRIPT}, ${(run.ms / 1000).toFixed(2)} s):`);
	for (const line of run.output.trim().split('\n')) console.log(`  ${line}`);
	const { result } = run;
	const exit = run.signal || `exit code ${run.code}`;
	if (result && result.tests) {
		for (const r of result.tests) await check.that(`n8n 1.x: ${r.name}`, r.ok, r.detail);
	} else if (result) {
		const { passed, failed } = result.counts;
		for (let i = 1; i <= passed + failed; i++) await check.that(`n8n 1.x on Node 20 (${SCRIPT}): check ${i} of ${passed + failed}`, i <= passed, i <= passed ? '' : `${failed} of its checks failed (see its output above)`);
	}
	if (!result || (run.code !== 0 && !(result.tests ? result.tests.some((r) => !r.ok) : result.counts.failed))) {
		await check.that(`n8n 1.x on Node 20 (${SCRIPT}) ran to the end`, false, `${exit}${result ? '' : ', no result'}`);
	}
}

module.exports = { startCompat, compatChecks, findNode20 };
