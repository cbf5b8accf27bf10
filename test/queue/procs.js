'use strict';
/**
 * The n8n processes of the queue-mode suite: spawn one in its own process group with its output
 * in a log file and in memory, stop it (SIGTERM, then SIGKILL), kill it hard (SIGKILL to the whole
 * group: n8n and its task runner, as when a container or VM dies), run a CLI command to the end,
 * wait for a log line, poll for a condition.
 *
 *   const procs = createProcs({ n8n, logDir })
 *   procs.spawn(name, args, env) -> proc { name, child, logFile, lines: [{ at, text }], listeners, exited }
 *   procs.stop(proc[, timeoutMs]), procs.kill(proc) -> ms until it exited, procs.cli(name, args, env)
 *   procs.all: every proc spawned (for cleanup)
 *   waitForLine(proc, regex, timeoutMs), waitFor(what, fn, timeoutMs[, everyMs]), sleep(ms)
 *
 * Node built-ins only; CommonJS.
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const stripAnsi = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');
const alive = (child) => child.exitCode === null && child.signalCode === null;

function createProcs({ n8n, logDir }) {
	const all = [];

	/** An n8n process in its own process group; stdout/stderr go to a log file and to `lines`. */
	function spawnN8n(name, args, env) {
		const logFile = path.join(logDir, `${name}.log`);
		const out = fs.createWriteStream(logFile);
		const child = spawn(n8n.node, [n8n.n8nMain, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
		const proc = { name, child, logFile, lines: [], listeners: [], exited: null, startedAt: Date.now() };
		let pending = '';
		// Each line goes to the log file with the time it was read (HH:MM:SS.mmm, UTC).
		const onData = (chunk) => {
			pending += chunk.toString('utf8');
			let nl;
			while ((nl = pending.indexOf('\n')) >= 0) {
				const line = { at: Date.now(), text: stripAnsi(pending.slice(0, nl)) };
				pending = pending.slice(nl + 1);
				out.write(`${new Date(line.at).toISOString().slice(11, 23)} ${line.text}\n`);
				proc.lines.push(line);
				for (const fn of proc.listeners) fn(line);
			}
		};
		child.stdout.on('data', onData);
		child.stderr.on('data', onData);
		proc.gone = new Promise((resolve) =>
			child.on('exit', (code, signal) => {
				proc.exited = signal || code;
				proc.exitedAt = Date.now();
				resolve(proc.exited);
			}),
		);
		// 'close': the process is gone and its output fully read (lines logged just before a kill included).
		proc.closed = new Promise((resolve) =>
			child.on('close', () => {
				if (pending) out.write(`${new Date().toISOString().slice(11, 23)} ${stripAnsi(pending)}\n`);
				out.end();
				resolve();
			}),
		);
		all.push(proc);
		return proc;
	}

	async function stop(proc, timeoutMs = 20000) {
		const { child } = proc;
		if (alive(child)) {
			try {
				process.kill(-child.pid, 'SIGTERM');
			} catch {}
			const timer = setTimeout(() => {
				try {
					process.kill(-child.pid, 'SIGKILL');
				} catch {}
			}, timeoutMs);
			await proc.gone;
			clearTimeout(timer);
		}
		// The task runner is in the same group; make sure nothing of the group is left.
		try {
			process.kill(-child.pid, 'SIGKILL');
		} catch {}
	}

	/** SIGKILL to the process group, no warning; resolves the ms until n8n's process was gone. */
	async function kill(proc) {
		const t0 = Date.now();
		process.kill(-proc.child.pid, 'SIGKILL');
		await proc.gone;
		const ms = Date.now() - t0;
		await Promise.race([proc.closed, sleep(2000)]);
		return ms;
	}

	/** Runs an n8n CLI command to completion; rejects with the tail of its output. */
	function cli(name, args, env) {
		return new Promise((resolve, reject) => {
			const proc = spawnN8n(name, args, env);
			proc.child.on('exit', (code, signal) => {
				if (code === 0) resolve(proc);
				else reject(new Error(`n8n ${args.join(' ')} failed (${signal || `exit ${code}`}):\n${proc.lines.slice(-30).map((l) => l.text).join('\n')}`));
			});
		});
	}

	/** Synchronous last resort (process 'exit' hook). */
	function killAllSync() {
		for (const p of all) {
			try {
				process.kill(-p.child.pid, 'SIGKILL');
			} catch {}
		}
	}

	return { spawn: spawnN8n, stop, kill, cli, killAllSync, all };
}

function waitForLine(proc, regex, timeoutMs) {
	const found = proc.lines.find((l) => regex.test(l.text));
	if (found) return Promise.resolve(found);
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			proc.listeners = proc.listeners.filter((f) => f !== fn);
			reject(new Error(`${proc.name}: no log line matching ${regex} within ${timeoutMs} ms`));
		}, timeoutMs);
		const fn = (line) => {
			if (!regex.test(line.text)) return;
			clearTimeout(timer);
			proc.listeners = proc.listeners.filter((f) => f !== fn);
			resolve(line);
		};
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

module.exports = { createProcs, waitForLine, waitFor, sleep };
