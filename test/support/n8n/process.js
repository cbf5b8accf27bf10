'use strict';
/**
 * n8n processes: the environment to run them in, start, stop, kill, and CLI commands.
 *
 *   n8nEnv({ userFolder, port, brokerPort, extensionsDir, extra, root }) -> env object
 *   spawnN8n(n8n, args, env, { name, logFile, inherit }) -> proc
 *       n8n in its own process group (with its task runner). proc: { name, child, lines: [{ at, text }],
 *       listeners, stdout(), stderr(), gone (exit promise), closed (output fully read), logFile }.
 *       Each output line goes to `lines`, to the listeners and, time-stamped, to logFile.
 *       inherit: n8n writes to this terminal instead (npm start).
 *   stopN8n(proc[, graceMs]) -> Promise<{ code, signal }>   SIGTERM, SIGKILL after graceMs; then
 *       SIGKILL to the group, so no task runner is left
 *   killN8n(proc) -> ms until it was gone               SIGKILL to the whole group, no warning
 *   runN8n(n8n, args, env, { timeoutMs, name, logFile }) -> { code, signal, timedOut, stdout, stderr, ms, lines }
 *   cli(n8n, args, env, opts) -> proc                   runN8n that rejects on a non-zero exit
 *   waitForLine(proc, regex, timeoutMs), waitFor(what, fn, timeoutMs[, everyMs])
 *   runningProcs(), killAll()                           the procs still running; SIGKILL to each group (also on exit)
 *   onInterrupt(fn)                                     on SIGINT/SIGTERM/SIGHUP: run the registered async
 *                                                       clean-ups (30 s at most), kill what is left, exit 130
 */
const fs = require('fs');
const { spawn } = require('child_process');
const { ROOT, sleep, pathWithNode24 } = require('./base');

const running = new Set();
const stripAnsi = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');
const alive = (child) => child.exitCode === null && child.signalCode === null;

function killGroup(child, signal) {
	try {
		process.kill(-child.pid, signal);
	} catch {
		try {
			child.kill(signal);
		} catch {}
	}
}

function killAll() {
	for (const proc of running) killGroup(proc.child, 'SIGKILL');
}
process.on('exit', killAll);

// n8n runs in its own process group, out of reach of a terminal's Ctrl-C: end it ourselves.
const cleanups = [];
let hooked = false;
function onInterrupt(fn) {
	if (fn) cleanups.push(fn);
	if (hooked) return;
	hooked = true;
	for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
		process.once(signal, () => {
			process.stdout.write(`${signal}: cleaning up\n`);
			const all = Promise.allSettled(cleanups.map((f) => f()));
			Promise.race([all, sleep(30000)]).finally(() => {
				killAll();
				process.exit(130);
			});
		});
	}
}

/**
 * process.env (minus npm's npm_* settings) under quiet defaults, Node 24 first on PATH, and the
 * forced values: user folder, ports, sqlite, the custom extensions folder. `extra` wins over all.
 */
function n8nEnv({ userFolder, port = 5678, brokerPort, extensionsDir, extra = {}, root = ROOT } = {}) {
	if (!userFolder) throw new Error('n8nEnv: userFolder is required');
	const defaults = {
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem',
		N8N_SECURE_COOKIE: 'false', // default true in 2.41: the session cookie would need https
		N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '10', // default 30 s
	};
	const env = { ...defaults, ...process.env };
	for (const k of Object.keys(env)) if (/^npm_/i.test(k)) delete env[k];
	Object.assign(env, {
		PATH: pathWithNode24(root, process.env.PATH),
		N8N_USER_FOLDER: userFolder, // n8n keeps its data in <N8N_USER_FOLDER>/.n8n
		N8N_PORT: String(port),
		N8N_RUNNERS_BROKER_PORT: String(brokerPort || Number(port) + 1), // the task-runner broker
		DB_TYPE: 'sqlite',
	});
	if (extensionsDir) env.N8N_CUSTOM_EXTENSIONS = extensionsDir;
	return Object.assign(env, extra);
}

function spawnN8n(n8n, args, env, { name = args[0], logFile, inherit = false } = {}) {
	if (!inherit) onInterrupt();
	const child = spawn(n8n.node, [n8n.n8nMain, ...args], { env, stdio: inherit ? 'inherit' : ['ignore', 'pipe', 'pipe'], detached: process.platform !== 'win32' });
	const proc = { name, child, logFile, lines: [], listeners: [], exited: null, startedAt: Date.now() };
	const out = { stdout: [], stderr: [] };
	const file = logFile ? fs.createWriteStream(logFile, { flags: 'a' }) : null;
	const pending = { stdout: '', stderr: '' };
	const addLine = (text) => {
		const line = { at: Date.now(), text: stripAnsi(text) };
		if (file) file.write(`${new Date(line.at).toISOString().slice(11, 23)} ${line.text}\n`);
		proc.lines.push(line);
		for (const fn of proc.listeners) fn(line);
	};
	for (const stream of inherit ? [] : ['stdout', 'stderr']) {
		child[stream].on('data', (chunk) => {
			out[stream].push(chunk);
			pending[stream] += chunk.toString('utf8');
			let nl;
			while ((nl = pending[stream].indexOf('\n')) >= 0) {
				addLine(pending[stream].slice(0, nl));
				pending[stream] = pending[stream].slice(nl + 1);
			}
		});
	}
	proc.stdout = () => Buffer.concat(out.stdout).toString('utf8');
	proc.stderr = () => Buffer.concat(out.stderr).toString('utf8');
	running.add(proc);
	proc.gone = new Promise((resolve) =>
		child.on('exit', (code, signal) => {
			proc.exited = signal || code;
			proc.exitedAt = Date.now();
			resolve({ code, signal });
		}),
	);
	proc.closed = new Promise((resolve) => {
		const close = () => {
			running.delete(proc);
			for (const stream of ['stdout', 'stderr']) if (pending[stream]) addLine(pending[stream]);
			if (file) file.end(resolve);
			else resolve();
		};
		child.on('close', close);
		child.on('error', (error) => {
			addLine(`spawn failed: ${error.message}`);
			close();
		});
	});
	return proc;
}

async function stopN8n(proc, graceMs = 20000) {
	const { child } = proc;
	let how = { code: child.exitCode, signal: child.signalCode };
	if (alive(child)) {
		try {
			child.kill('SIGTERM');
		} catch {}
		const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
		how = await proc.gone;
		clearTimeout(timer);
	}
	killGroup(child, 'SIGKILL'); // the task runner shares the group
	return how;
}

async function killN8n(proc) {
	const t0 = Date.now();
	process.kill(-proc.child.pid, 'SIGKILL');
	await proc.gone;
	const ms = Date.now() - t0;
	await Promise.race([proc.closed, sleep(2000)]);
	return ms;
}

async function runN8n(n8n, args, env, { timeoutMs = 180000, name, logFile } = {}) {
	const proc = spawnN8n(n8n, args, env, { name, logFile });
	let timedOut = false;
	const timer = setTimeout(() => {
		timedOut = true;
		killGroup(proc.child, 'SIGKILL');
	}, timeoutMs);
	const { code, signal } = await proc.gone;
	await proc.closed;
	clearTimeout(timer);
	killGroup(proc.child, 'SIGKILL');
	return { proc, code, signal, timedOut, stdout: proc.stdout(), stderr: proc.stderr(), ms: Date.now() - proc.startedAt, lines: proc.lines };
}

async function cli(n8n, args, env, opts = {}) {
	const result = await runN8n(n8n, args, env, opts);
	if (result.code === 0) return result.proc;
	const tail = result.lines.slice(-30).map((l) => l.text).join('\n');
	throw new Error(`n8n ${args.join(' ')} failed (${result.timedOut ? 'timed out' : result.signal || `exit ${result.code}`}):\n${tail}`);
}

function waitForLine(proc, regex, timeoutMs) {
	const found = proc.lines.find((l) => regex.test(l.text));
	if (found) return Promise.resolve(found);
	return new Promise((resolve, reject) => {
		const fn = (line) => {
			if (!regex.test(line.text)) return;
			clearTimeout(timer);
			proc.listeners = proc.listeners.filter((f) => f !== fn);
			resolve(line);
		};
		const timer = setTimeout(() => {
			proc.listeners = proc.listeners.filter((f) => f !== fn);
			reject(new Error(`${proc.name}: no log line matching ${regex} within ${timeoutMs} ms`));
		}, timeoutMs);
		proc.listeners.push(fn);
	});
}

async function waitFor(what, fn, timeoutMs, everyMs = 100) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await fn();
		if (value) return value;
		if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await sleep(everyMs);
	}
}

const runningProcs = () => [...running];

module.exports = { n8nEnv, spawnN8n, stopN8n, killN8n, killGroup, runN8n, cli, waitForLine, waitFor, runningProcs, killAll, onInterrupt };
