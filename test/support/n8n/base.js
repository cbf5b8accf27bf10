'use strict';
/**
 * Where things live and small helpers shared by the real-n8n support files.
 * CommonJS, Node built-ins only; loads on Node 20 and Node 24 (scripts/test.js may start on
 * the machine's Node 20 before node_modules, and so Node 24, exists).
 *
 *   ROOT, PKG_NAME, N8N_VERSION
 *   cacheDir()          ${XDG_CACHE_HOME:-~/.cache}/n8n-nodes-vision-stream
 *   n8nHome()           ${VISION_N8N_HOME:-<cacheDir>/n8n-2.41.1}: the n8n install
 *   artifactsDir()      ${VISION_ARTIFACTS_DIR:-<repo>/test-results}: screenshots, figures and
 *                       runner results of a test run (git-ignored; `npm run docs:update` copies
 *                       the ones the docs show into docs/)
 *   node24Bin(root)     node_modules/.bin/node (the `node@24` devDependency)
 *   pathWithNode24(root[, PATH])  PATH with node_modules/.bin first
 *   run(cmd, args, opts)  inherited stdio, resolves on exit 0 (opts.progress every opts.progressMs)
 *   isCI()              CI is set to anything but '', 0 or false
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const PKG_NAME = 'n8n-nodes-vision-stream';
const N8N_VERSION = '2.41.1';
const IS_WIN = process.platform === 'win32';

const log = (msg) => process.stdout.write(`[n8n-support] ${msg}\n`);
const secs = (startMs) => ((Date.now() - startMs) / 1000).toFixed(1);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const npmCmd = () => (IS_WIN ? 'npm.cmd' : 'npm');
const isCI = () => !['', '0', 'false'].includes((process.env.CI || '').trim().toLowerCase());

function exists(p) {
	try {
		fs.accessSync(p);
		return true;
	} catch {
		return false;
	}
}

function mtimeMs(p) {
	try {
		return fs.statSync(p).mtimeMs;
	} catch {
		return -1;
	}
}

function readJson(p) {
	try {
		return JSON.parse(fs.readFileSync(p, 'utf8'));
	} catch {
		return null;
	}
}

function cacheDir() {
	return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), PKG_NAME);
}

function n8nHome() {
	return process.env.VISION_N8N_HOME ? path.resolve(process.env.VISION_N8N_HOME) : path.join(cacheDir(), `n8n-${N8N_VERSION}`);
}

function artifactsDir(...parts) {
	const base = process.env.VISION_ARTIFACTS_DIR ? path.resolve(process.env.VISION_ARTIFACTS_DIR) : path.join(ROOT, 'test-results');
	return path.join(base, ...parts);
}

const binDir = (root) => path.join(root || ROOT, 'node_modules', '.bin');
const node24Bin = (root) => path.join(binDir(root), IS_WIN ? 'node.exe' : 'node');

function pathWithNode24(root, basePath) {
	const base = basePath !== undefined ? basePath : process.env.PATH || '';
	const first = binDir(root);
	const rest = base.split(path.delimiter).filter((p) => p && path.resolve(p) !== first);
	return [first, ...rest].join(path.delimiter);
}

/** Runs a command with inherited stdio; resolves on exit code 0, rejects otherwise. Forwards Ctrl-C to it. */
function run(cmd, args, opts = {}) {
	return new Promise((resolve, reject) => {
		const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env || process.env, stdio: opts.stdio || 'inherit', shell: IS_WIN });
		const timer = opts.progress ? setInterval(opts.progress, opts.progressMs || 15000) : null;
		const onSignal = (signal) => {
			try {
				child.kill(signal);
			} catch {}
		};
		process.on('SIGINT', onSignal);
		process.on('SIGTERM', onSignal);
		const done = () => {
			if (timer) clearInterval(timer);
			process.removeListener('SIGINT', onSignal);
			process.removeListener('SIGTERM', onSignal);
		};
		child.on('error', (error) => {
			done();
			reject(error);
		});
		child.on('exit', (code, signal) => {
			done();
			if (code === 0) return resolve();
			const error = new Error(`${cmd} ${args.join(' ')} failed (${signal ? `signal ${signal}` : `exit code ${code}`})`);
			reject(Object.assign(error, { code, signal }));
		});
	});
}

/** `du -sm`, for progress lines while n8n installs. */
function folderSizeMb(dir) {
	const r = spawnSync('du', ['-sm', dir], { encoding: 'utf8' });
	return r.status === 0 && r.stdout ? r.stdout.split(/\s+/)[0] : '?';
}

module.exports = {
	ROOT,
	PKG_NAME,
	N8N_VERSION,
	IS_WIN,
	log,
	secs,
	sleep,
	npmCmd,
	isCI,
	exists,
	mtimeMs,
	readJson,
	cacheDir,
	n8nHome,
	artifactsDir,
	node24Bin,
	pathWithNode24,
	run,
	folderSizeMb,
};
