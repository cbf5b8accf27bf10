'use strict';
/**
 * Debian packages the suites need, and Redis and a throwaway Postgres cluster on loopback.
 *
 *   ensureApt(packages, log) -> { installed, seconds }
 *       packages: [{ name, present: () => boolean }]; apt-get install -y the missing ones (as
 *       root; apt-get update first when the install fails). Rejects when one stays missing.
 *   ensureChromium(log) -> path     CHROMIUM_PATH, else /usr/bin/chromium (Debian's chromium)
 *   ensureRedisPostgres(log)        redis-server and postgresql
 *   startRedis({ dir, port, log, onStart }) -> { stop(), pid, stopped }   no persistence
 *   startPostgres({ dir, port, log, onStart }) -> { stop(), psql(sql), database, user, dataDir, stopped }
 *       initdb + pg_ctl as the postgres user (Postgres refuses root), trust auth, fsync off
 *       onStart(handle) is called as soon as the service runs, so a caller can always stop it
 *   redisCli(port, args) -> Promise<string>   one redis-cli command (raw output, one value a line)
 */
const fs = require('fs');
const net = require('net');
const path = require('path');
const { spawn, spawnSync } = require('child_process');
const { sleep } = require('./base');

function which(cmd) {
	const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
	return r.status === 0 ? r.stdout.trim() : null;
}

/** The newest Debian Postgres bin folder (/usr/lib/postgresql/<major>/bin), or null. */
function postgresBin() {
	let majors = [];
	try {
		majors = fs.readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
	} catch {
		return null;
	}
	const bins = majors.map((major) => path.join('/usr/lib/postgresql', major, 'bin'));
	return bins.find((bin) => fs.existsSync(path.join(bin, 'initdb')) && fs.existsSync(path.join(bin, 'pg_ctl'))) || null;
}

/** Runs a command to the end, collecting its output; rejects with the output's tail on failure. */
function exec(cmd, args, opts = {}) {
	return new Promise((resolve, reject) => {
		const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
		let out = '';
		child.stdout.on('data', (c) => (out += c));
		child.stderr.on('data', (c) => (out += c));
		child.on('error', reject);
		child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} failed (exit ${code}):\n${out.slice(-3000)}`))));
	});
}

async function ensureApt(packages, log) {
	const missing = packages.filter((p) => !p.present()).map((p) => p.name);
	if (!missing.length) return { installed: [], seconds: 0 };
	if (process.platform !== 'linux' || (process.getuid && process.getuid() !== 0)) {
		throw new Error(`${missing.join(' and ')} missing and not root: install them first (sudo apt-get install -y ${missing.join(' ')})`);
	}
	const t0 = Date.now();
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	const lock = ['-o', 'DPkg::Lock::Timeout=600'];
	const install = () => exec('apt-get', ['install', '-y', ...lock, ...missing], { env });
	log(`installing ${missing.join(', ')} with apt-get`);
	try {
		await install();
	} catch (error) {
		log(`apt-get install failed (${error.message.split('\n')[0]}); running apt-get update first`);
		await exec('apt-get', ['update', ...lock], { env });
		await install();
	}
	const still = packages.filter((p) => !p.present()).map((p) => p.name);
	if (still.length) throw new Error(`apt-get finished but ${still.join(' and ')} is still missing`);
	log(`apt-get installed ${missing.join(', ')} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
	return { installed: missing, seconds: (Date.now() - t0) / 1000 };
}

async function ensureChromium(log) {
	const bin = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
	if (process.env.CHROMIUM_PATH && !fs.existsSync(bin)) throw new Error(`CHROMIUM_PATH=${bin} does not exist`);
	await ensureApt([{ name: 'chromium', present: () => fs.existsSync(bin) }], log);
	return bin;
}

const ensureRedisPostgres = (log) =>
	ensureApt(
		[
			{ name: 'redis-server', present: () => Boolean(which('redis-server')) },
			{ name: 'postgresql', present: () => Boolean(postgresBin()) },
		],
		log,
	);

/** Resolves once a RESP PING on 127.0.0.1:port answers +PONG. */
async function waitForRedis(port, timeoutMs) {
	const deadline = Date.now() + timeoutMs;
	const ping = () =>
		new Promise((resolve) => {
			const sock = net.connect({ host: '127.0.0.1', port });
			let buf = '';
			sock.setTimeout(1000);
			sock.on('connect', () => sock.write('PING\r\n'));
			sock.on('data', (d) => {
				buf += d;
				if (!buf.includes('\r\n')) return;
				sock.destroy();
				resolve(buf.startsWith('+PONG'));
			});
			sock.on('timeout', () => {
				sock.destroy();
				resolve(false);
			});
			sock.on('error', () => resolve(false));
		});
	while (!(await ping())) {
		if (Date.now() > deadline) throw new Error(`Redis on 127.0.0.1:${port} did not answer PING within ${timeoutMs} ms`);
		await sleep(200);
	}
}

async function startRedis({ dir, port, log, onStart }) {
	fs.mkdirSync(dir, { recursive: true });
	const logFile = path.join(dir, 'redis.log');
	const out = fs.openSync(logFile, 'a');
	const args = ['--port', String(port), '--bind', '127.0.0.1', '--protected-mode', 'yes', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--logfile', ''];
	const child = spawn(which('redis-server'), args, { stdio: ['ignore', out, out], detached: true });
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

async function startPostgres({ dir, port, log, database = 'n8n', onStart }) {
	const bin = postgresBin();
	if (!bin) throw new Error('postgresql is not installed');
	const asPostgres = (tool, args) => exec('runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args], { cwd: '/' });
	// <dir>'s parents must be open to the postgres user (the caller makes its temp root 0755).
	const data = path.join(dir, 'data');
	const sock = path.join(dir, 'sock');
	const logFile = path.join(dir, 'postgres.log');
	fs.mkdirSync(sock, { recursive: true });
	await exec('chown', ['-R', 'postgres:postgres', dir]);
	const t0 = Date.now();
	await asPostgres('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
	const options = [`-p ${port}`, `-k ${sock}`, "-c listen_addresses='127.0.0.1'", '-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off', '-c max_connections=100'].join(' ');
	await asPostgres('pg_ctl', ['-D', data, '-l', logFile, '-w', '-t', '60', '-o', options, 'start']);
	const psqlArgs = (db, sql) => ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', db, '-v', 'ON_ERROR_STOP=1', '-At', '-F', '\t', '-c', sql];
	const psql = (sql, db = database) => exec(path.join(bin, 'psql'), psqlArgs(db, sql)).then((out) => out.trim());
	let stopping = null;
	const handle = { database, user: 'postgres', version: null, logFile, dataDir: data, psql, stopped: false };
	handle.stop = () => {
		stopping ??= asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '20', 'stop'])
			.catch((error) => {
				try {
					const pid = Number(fs.readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
					if (pid) process.kill(pid, 'SIGKILL'); // last resort: the postmaster's own pid file
				} catch {}
				throw error;
			})
			.finally(() => (handle.stopped = true));
		return stopping;
	};
	/** Synchronous last resort (a process 'exit' hook). */
	handle.stopSync = () => spawnSync('runuser', ['-u', 'postgres', '--', path.join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop'], { stdio: 'ignore' });
	if (onStart) onStart(handle);
	await psql(`CREATE DATABASE ${database}`, 'postgres');
	handle.version = await psql('SHOW server_version', 'postgres');
	log(`Postgres ${handle.version} up on 127.0.0.1:${port}, cluster ${data} (initdb + start ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
	return handle;
}

function redisCli(port, args) {
	const bin = which('redis-cli');
	if (!bin) return Promise.reject(new Error('redis-cli is not installed (Debian: redis-tools, a dependency of redis-server)'));
	return exec(bin, ['-h', '127.0.0.1', '-p', String(port), '--raw', ...args]).then((out) => out.trim());
}

module.exports = { ensureApt, ensureChromium, ensureRedisPostgres, startRedis, startPostgres, redisCli, postgresBin, which };
