'use strict';
/**
 * The repository's own install and build, redone only when stale.
 *
 *   ensureDeps(root)   npm ci (npm install without a lock file) when node_modules/.bin/node
 *                      (Node 24) is missing or package-lock.json is newer than node_modules
 *   ensureBuilt(root)  npm run build when nodes/, credentials/, index.ts, tsconfig*.json or
 *                      gulpfile.js is newer than the last build (node_modules/.cache/vision-build-stamp)
 * Both resolve true when they did something.
 */
const fs = require('fs');
const path = require('path');
const { ROOT, log, secs, npmCmd, exists, mtimeMs, node24Bin, pathWithNode24, run } = require('./base');

async function ensureDeps(root = ROOT) {
	const lock = path.join(root, 'package-lock.json');
	const hidden = path.join(root, 'node_modules', '.package-lock.json');
	const hasLock = exists(lock);
	let reason = null;
	if (!exists(node24Bin(root))) reason = 'node_modules/.bin/node is missing';
	else if (!exists(hidden)) reason = 'node_modules/.package-lock.json is missing';
	else if (hasLock && mtimeMs(lock) > mtimeMs(hidden)) reason = 'package-lock.json is newer than node_modules';
	else if (!hasLock && mtimeMs(path.join(root, 'package.json')) > mtimeMs(hidden)) reason = 'package.json is newer than node_modules';
	if (!reason) return false;

	const args = hasLock ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund'];
	log(`${reason}: running npm ${args.join(' ')} in ${root}`);
	const t0 = Date.now();
	await run(npmCmd(), args, { cwd: root });
	// Keep the next check cheap and stable even if npm did not touch the hidden lock file.
	if (exists(hidden) && hasLock && mtimeMs(lock) >= mtimeMs(hidden)) {
		const t = new Date(Math.max(Date.now(), mtimeMs(lock) + 1));
		fs.utimesSync(hidden, t, t);
	}
	log(`npm ${args[0]} done in ${secs(t0)} s`);
	return true;
}

function newestMtime(p) {
	let st;
	try {
		st = fs.statSync(p);
	} catch {
		return { mtime: -1, file: null };
	}
	if (!st.isDirectory()) return { mtime: st.mtimeMs, file: p };
	let best = { mtime: st.mtimeMs, file: p }; // a deleted file changes the folder's mtime
	for (const entry of fs.readdirSync(p)) {
		if (entry === 'node_modules' || entry.startsWith('.')) continue;
		const r = newestMtime(path.join(p, entry));
		if (r.mtime > best.mtime) best = r;
	}
	return best;
}

function buildInputs(root) {
	const inputs = ['nodes', 'credentials', 'index.ts', 'gulpfile.js'].map((f) => path.join(root, f));
	for (const f of fs.readdirSync(root)) if (/^tsconfig.*\.json$/.test(f)) inputs.push(path.join(root, f));
	return inputs;
}

async function ensureBuilt(root = ROOT) {
	// Outside dist/, so it never ships in the package; npm ci wipes it, forcing a fresh build.
	const stamp = path.join(root, 'node_modules', '.cache', 'vision-build-stamp');
	const stampTime = mtimeMs(stamp);
	let newest = { mtime: -1, file: null };
	for (const p of buildInputs(root)) {
		const r = newestMtime(p);
		if (r.mtime > newest.mtime) newest = r;
	}
	if (stampTime >= 0 && newest.mtime <= stampTime) return false;

	const why = stampTime < 0 ? 'no build stamp yet' : `${path.relative(root, newest.file) || newest.file} changed since the last build`;
	log(`${why}: running npm run build`);
	const t0 = Date.now();
	const started = new Date(t0);
	await run(npmCmd(), ['run', 'build'], { cwd: root, env: { ...process.env, PATH: pathWithNode24(root) } });
	fs.mkdirSync(path.dirname(stamp), { recursive: true });
	fs.writeFileSync(stamp, `${started.toISOString()}\n`);
	// Stamp with the time the build started: edits made during the build trigger the next one.
	fs.utimesSync(stamp, started, started);
	log(`build done in ${secs(t0)} s`);
	return true;
}

module.exports = { ensureDeps, ensureBuilt };
