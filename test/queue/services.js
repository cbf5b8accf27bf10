'use strict';
/**
 * Redis and a throwaway Postgres cluster for the queue-mode suite, on loopback only.
 *
 *   ensurePackages(log)                 apt-get install redis-server postgresql when missing (root)
 *   startRedis({ dir, port, log, onStart }) -> { stop(), pid }   redis-server in the foreground, no persistence
 *   startPostgres({ dir, port, log, onStart }) -> { stop(), psql(sql), database, user, dataDir }
 *                                       onStart(handle) is called as soon as the cluster runs
 *                                       initdb + pg_ctl as the postgres user (Postgres refuses root)
 *   redisCli(port, args) -> Promise<string>   one redis-cli command (raw output, one value a line)
 *
 * Node built-ins only; CommonJS.
 */
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function which(cmd) {
	const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
	return r.status === 0 ? r.stdout.trim() : null;
}

/** The newest Debian Postgres bin folder (/usr/lib/postgresql/<major>/bin), or null. */
function postgresBin() {
	const base = '/usr/lib/postgresql';
	let majors = [];
	try {
		majors = fs.readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
	} catch {
		return null;
	}
	for (const major of majors) {
		const bin = path.join(base, major, 'bin');
		if (fs.existsSync(path.join(bin, 'initdb')) && fs.existsSync(path.join(bin, 'pg_ctl'))) return bin;
	}
	return null;
}

function run(cmd, args, opts = {}) {
	return new Promise((resolve, reject) => {
		const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
		let out = '';
		child.stdout.on('data', (c) => (out += c));
		child.stderr.on('data', (c) => (out += c));
		child.on('error', reject);
		child.on('close', (code) => (code === 0 ? resolve(out) : reject(Object.assign(new Error(`${cmd} ${args.join(' ')} failed (exit ${code}):\n${out.slice(-3000)}`), { output: out }))));
	});
}

async function ensurePackages(log) {
	const missing = [];
	if (!which('redis-server')) missing.push('redis-server');
	if (!postgresBin()) missing.push('postgresql');
	if (!missing.length) return { installed: [], seconds: 0 };
	if (process.getuid && process.getuid() !== 0) {
		throw new Error(`${missing.join(' and ')} missing and not root: install them first (sudo apt-get install -y ${missing.join(' ')})`);
	}
	const t0 = Date.now();
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	const install = () => run('apt-get', ['install', '-y', '-o', 'DPkg::Lock::Timeout=600', ...missing], { env });
	log(`installing ${missing.join(', ')} with apt-get`);
	try {
		await install();
	} catch (error) {
		log(`apt-get install failed (${error.message.split('\n')[0]}); running apt-get update first`);
		await run('apt-get', ['update', '-o', 'DPkg::Lock::Timeout=600'], { env });
		await install();
	}
	if (!which('redis-server') || !postgresBin()) throw new Error('apt-get finished but redis-server or postgresql is still missing');
	return { installed: missing, seconds: (Date.now() - t0) / 1000 };
}

/** Resolves once a RESP PING on 127.0.0.1:port answers +PONG. */
async function waitForRedis(port, timeoutMs) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const ok = await new Promise((resolve) => {
			const sock = net.connect({ host: '127.0.0.1', port });
			let buf = '';
			sock.setTimeout(1000);
			sock.on('connect', () => sock.write('PING\r\n'));
			sock.on('data', (d) => {
				buf += d;
				if (buf.includes('\r\n')) {
					sock.destroy();
					resolve(buf.startsWith('+PONG'));
				}
			});
			sock.on('timeout', () => {
				sock.destroy();
				resolve(false);
			});
			sock.on('error', () => resolve(false));
		});
		if (ok) return;
		if (Date.now() > deadline) throw new Error(`Redis on 127.0.0.1:${port} did not answer PING within ${timeoutMs} ms`);
		await sleep(200);
	}
}

async function startRedis({ dir, port, log, onStart }) {
	fs.mkdirSync(dir, { recursive: true });
	const logFile = path.join(dir, 'redis.log');
	const out = fs.openSync(logFile, 'a');
	const child = spawn(
		which('redis-server'),
		['--port', String(port), '--bind', '127.0.0.1', '--protected-mode', 'yes', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--logfile', ''],
		{ stdio: ['ignore', out, out], detached: true },
	);
	fs.closeSync(out);
	let exited = null;
	child.on('exit', (code, signal) => (exited = signal || code));
	const handle = {
		pid: child.pid,
		logFile,
		get stopped() {
			return child.exitCode !== null || child.signalCode !== null;
		},
		async stop() {
			if (handle.stopped) return;
			const gone = new Promise((resolve) => child.once('exit', resolve));
			child.kill('SIGTERM');
			const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
			await gone;
			clearTimeout(timer);
		},
	};
	if (onStart) onStart(handle);
	try {
		await waitForRedis(port, 20000);
	} catch (error) {
		await handle.stop();
		throw new Error(`${error.message}${exited !== null ? ` (redis-server exited: ${exited})` : ''}\n${fs.readFileSync(logFile, 'utf8').slice(-2000)}`);
	}
	log(`Redis up on 127.0.0.1:${port} (pid ${child.pid})`);
	return handle;
}

/**
 * A fresh cluster in <dir>/data, owned by the postgres user, listening on 127.0.0.1:<port> and a
 * socket in <dir>/sock. Trust authentication (loopback, throwaway). fsync off: nothing here must
 * survive a crash.
 */
async function startPostgres({ dir, port, log, database = 'n8n', onStart }) {
	const bin = postgresBin();
	if (!bin) throw new Error('postgresql is not installed');
	const asPostgres = (tool, args) => run('runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args], { cwd: '/' });
	fs.mkdirSync(dir, { recursive: true });
	// <dir>'s parents must be open to the postgres user (the caller makes its temp root 0755).
	const data = path.join(dir, 'data');
	const sock = path.join(dir, 'sock');
	const logFile = path.join(dir, 'postgres.log');
	fs.mkdirSync(sock, { recursive: true });
	await run('chown', ['-R', 'postgres:postgres', dir]);
	const t0 = Date.now();
	await asPostgres('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
	const options = [`-p ${port}`, `-k ${sock}`, "-c listen_addresses='127.0.0.1'", '-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off', '-c max_connections=100'].join(' ');
	await asPostgres('pg_ctl', ['-D', data, '-l', logFile, '-w', '-t', '60', '-o', options, 'start']);
	const psqlBin = path.join(bin, 'psql');
	const psql = (sql, db = database) =>
		run(psqlBin, ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', db, '-v', 'ON_ERROR_STOP=1', '-At', '-F', '\t', '-c', sql]).then((out) => out.trim());
	let stopped = false;
	let stopping = null;
	const handle = {
		database,
		user: 'postgres',
		version: null,
		logFile,
		dataDir: data,
		psql,
		get stopped() {
			return stopped;
		},
		stop() {
			stopping ??= (async () => {
				try {
					await asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '20', 'stop']);
				} catch (error) {
					// Last resort: the postmaster's pid from its own pid file.
					try {
						const pid = Number(fs.readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
						if (pid) process.kill(pid, 'SIGKILL');
					} catch {}
					throw error;
				} finally {
					stopped = true;
				}
			})();
			return stopping;
		},
	};
	if (onStart) onStart(handle); // running from here on: the caller can stop it whatever happens next
	await psql(`CREATE DATABASE ${database}`, 'postgres');
	handle.version = await psql('SHOW server_version', 'postgres');
	log(`Postgres ${handle.version} up on 127.0.0.1:${port}, cluster ${data} (initdb + start ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
	return handle;
}

/** One redis-cli command against 127.0.0.1:port; resolves its raw output (one value a line). */
function redisCli(port, args) {
	const bin = which('redis-cli');
	if (!bin) return Promise.reject(new Error('redis-cli is not installed (Debian: redis-tools, a dependency of redis-server)'));
	return run(bin, ['-h', '127.0.0.1', '-p', String(port), '--raw', ...args]).then((out) => out.trim());
}

module.exports = { ensurePackages, startRedis, startPostgres, postgresBin, which, redisCli };
