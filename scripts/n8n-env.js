'use strict';
/**
 * Helpers to run a real n8n (2.41.1, Node 24) against this package, offline.
 *
 * CommonJS, Node built-ins only; loads on Node 20 and Node 24.
 *
 *   ensureDeps(root)        -> Promise<void>   npm ci / npm install when node_modules is stale
 *   ensureBuilt(root)       -> Promise<boolean> npm run build when sources are newer than the last build (node_modules/.cache/vision-build-stamp)
 *   ensureN8n([root])       -> Promise<{ n8nBin, n8nMain, node, home }>
 *   stageExtension([root, stageDir]) -> { extensionsDir, packageDir, hasDist }
 *                           copy of dist/ laid out as n8n installs packages; use extensionsDir as
 *                           N8N_CUSTOM_EXTENSIONS (nodes get the type CUSTOM.<name>)
 *   n8nEnv({ userFolder, port, brokerPort, extensionsDir, extra }) -> env object (process.env + n8n settings)
 *   portInUse(port)         -> Promise<boolean>
 *   waitForHealth(port, timeoutMs[, { child, path }]) -> Promise<void>   (path default '/healthz';
 *                           '/healthz/readiness' answers 200 only once migrations ran and n8n is up)
 *
 * Spawn n8n as `spawn(n8n.node, [n8n.n8nMain, 'start'], { env: n8nEnv(...) })` so it runs on Node 24.
 * Also exported: cacheDir(), n8nHome(), node24Bin(root), pathWithNode24(), run(), log(), N8N_VERSION, ROOT.
 *
 * The n8n install lives outside the repo, in
 *   ${VISION_N8N_HOME:-${XDG_CACHE_HOME:-~/.cache}/n8n-nodes-vision-stream/n8n-2.41.1}
 * and is marked complete by `.vision-n8n-complete`, written only after every step succeeded.
 * See /work/shared/notes/real-n8n.md for why it is installed this way.
 */

const fs = require('fs');
const os = require('os');
const path = require('path');
const http = require('http');
const { spawn, spawnSync } = require('child_process');

const N8N_VERSION = '2.41.1';
const PKG_NAME = 'n8n-nodes-vision-stream';
const ROOT = path.resolve(__dirname, '..');
const MARKER = '.vision-n8n-complete';
const IS_WIN = process.platform === 'win32';

// ---------------------------------------------------------------- small utils

function log(msg) {
	process.stdout.write(`[n8n-env] ${msg}\n`);
}

function secs(startMs) {
	return ((Date.now() - startMs) / 1000).toFixed(1);
}

function mtimeMs(p) {
	try {
		return fs.statSync(p).mtimeMs;
	} catch {
		return -1;
	}
}

function exists(p) {
	try {
		fs.accessSync(p);
		return true;
	} catch {
		return false;
	}
}

function cacheDir() {
	const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
	return path.join(base, PKG_NAME);
}

function n8nHome() {
	return process.env.VISION_N8N_HOME
		? path.resolve(process.env.VISION_N8N_HOME)
		: path.join(cacheDir(), `n8n-${N8N_VERSION}`);
}

function binDir(root) {
	return path.join(root || ROOT, 'node_modules', '.bin');
}

/** The Node 24 binary the `node@24` devDependency puts into node_modules/.bin. */
function node24Bin(root) {
	return path.join(binDir(root), IS_WIN ? 'node.exe' : 'node');
}

/** PATH with the project's node_modules/.bin (Node 24) first. */
function pathWithNode24(root, basePath) {
	const base = basePath !== undefined ? basePath : process.env.PATH || '';
	const first = binDir(root);
	const rest = base.split(path.delimiter).filter((p) => p && path.resolve(p) !== first);
	return [first, ...rest].join(path.delimiter);
}

/**
 * Run a command with inherited stdio. Resolves on exit code 0, rejects otherwise.
 * opts.progress: function called every opts.progressMs (default 15 s) while running.
 */
function run(cmd, args, opts = {}) {
	return new Promise((resolve, reject) => {
		const child = spawn(cmd, args, {
			cwd: opts.cwd,
			env: opts.env || process.env,
			stdio: opts.stdio || 'inherit',
			shell: IS_WIN,
		});
		let timer = null;
		if (opts.progress) timer = setInterval(opts.progress, opts.progressMs || 15000);
		// Forward Ctrl-C / SIGTERM to the child while it runs, and let it exit first.
		const onSig = (sig) => {
			try {
				child.kill(sig);
			} catch {}
		};
		process.on('SIGINT', onSig);
		process.on('SIGTERM', onSig);
		const done = () => {
			if (timer) clearInterval(timer);
			process.removeListener('SIGINT', onSig);
			process.removeListener('SIGTERM', onSig);
		};
		child.on('error', (err) => {
			done();
			reject(err);
		});
		child.on('exit', (code, signal) => {
			done();
			if (code === 0) resolve();
			else {
				const err = new Error(
					`${cmd} ${args.join(' ')} failed (${signal ? `signal ${signal}` : `exit code ${code}`})`,
				);
				err.code = code;
				err.signal = signal;
				reject(err);
			}
		});
	});
}

function folderSizeMb(dir) {
	// `du -sm` is cheap enough every 15 s, even on ~3 GB; fall back to '?' where it is missing.
	const r = spawnSync('du', ['-sm', dir], { encoding: 'utf8' });
	if (r.status === 0 && r.stdout) return r.stdout.split(/\s+/)[0];
	return '?';
}

function npmCmd() {
	return IS_WIN ? 'npm.cmd' : 'npm';
}

// ---------------------------------------------------------------- ensureDeps

/**
 * npm ci (or npm install without a lock file) when node_modules/.bin/node (Node 24) is
 * missing or package-lock.json is newer than node_modules/.package-lock.json.
 */
async function ensureDeps(root = ROOT) {
	const lock = path.join(root, 'package-lock.json');
	const hidden = path.join(root, 'node_modules', '.package-lock.json');
	const hasLock = exists(lock);
	let reason = null;
	if (!exists(node24Bin(root))) reason = 'node_modules/.bin/node is missing';
	else if (!exists(hidden)) reason = 'node_modules/.package-lock.json is missing';
	else if (hasLock && mtimeMs(lock) > mtimeMs(hidden))
		reason = 'package-lock.json is newer than node_modules';
	else if (!hasLock && mtimeMs(path.join(root, 'package.json')) > mtimeMs(hidden))
		reason = 'package.json is newer than node_modules';
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

// ---------------------------------------------------------------- ensureBuilt

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
	const inputs = [path.join(root, 'nodes'), path.join(root, 'credentials')];
	for (const f of ['index.ts', 'gulpfile.js']) inputs.push(path.join(root, f));
	for (const f of fs.readdirSync(root)) if (/^tsconfig.*\.json$/.test(f)) inputs.push(path.join(root, f));
	return inputs;
}

/**
 * npm run build when any of nodes/, credentials/, index.ts, tsconfig*.json, gulpfile.js is
 * newer than the last build (node_modules/.cache/vision-build-stamp). Returns true when it built. Rejects when the build fails.
 */
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

	const why =
		stampTime < 0
			? 'no build stamp yet'
			: `${path.relative(root, newest.file) || newest.file} changed since the last build`;
	log(`${why}: running npm run build`);
	const t0 = Date.now();
	const started = new Date(t0);
	await run(npmCmd(), ['run', 'build'], {
		cwd: root,
		env: { ...process.env, PATH: pathWithNode24(root) },
	});
	fs.mkdirSync(path.dirname(stamp), { recursive: true });
	fs.writeFileSync(stamp, `${started.toISOString()}\n`);
	// Stamp with the time the build started: edits made during the build trigger the next one.
	fs.utimesSync(stamp, started, started);
	log(`build done in ${secs(t0)} s`);
	return true;
}

// ---------------------------------------------------------------- ensureN8n

function readJson(p) {
	try {
		return JSON.parse(fs.readFileSync(p, 'utf8'));
	} catch {
		return null;
	}
}

function pidAlive(pid) {
	try {
		process.kill(pid, 0);
		return true;
	} catch (e) {
		return e.code === 'EPERM';
	}
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A mkdir lock, so two parallel starts/tests do not install into the same folder at once. */
async function withLock(dir, fn) {
	const lock = path.join(dir, '.install-lock');
	const t0 = Date.now();
	let said = 0;
	for (;;) {
		try {
			fs.mkdirSync(lock);
			fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
			break;
		} catch (e) {
			if (e.code !== 'EEXIST') throw e;
			const pid = Number((fs.existsSync(path.join(lock, 'pid')) && fs.readFileSync(path.join(lock, 'pid'), 'utf8')) || 0);
			if (pid && !pidAlive(pid)) {
				log(`removing stale install lock of dead process ${pid}`);
				fs.rmSync(lock, { recursive: true, force: true });
				continue;
			}
			if (!pid && Date.now() - mtimeMs(lock) > 60000) {
				fs.rmSync(lock, { recursive: true, force: true });
				continue;
			}
			if (Date.now() - said > 15000) {
				log(`another process (${pid || '?'}) is installing n8n in ${dir}; waiting… ${secs(t0)} s`);
				said = Date.now();
			}
			await sleep(1000);
		}
	}
	const release = () => fs.rmSync(lock, { recursive: true, force: true });
	process.on('exit', release);
	try {
		return await fn();
	} finally {
		process.removeListener('exit', release);
		release();
	}
}

function n8nPaths(home) {
	return {
		home,
		n8nBin: path.join(home, 'node_modules', '.bin', IS_WIN ? 'n8n.cmd' : 'n8n'),
		n8nMain: path.join(home, 'node_modules', 'n8n', 'bin', 'n8n'),
	};
}

/**
 * Installs n8n@2.41.1 (scripts off) plus a sqlite3 native module rebuilt against the Node 24
 * headers, unless the marker says it is already complete for this Node version.
 * Returns { n8nBin, n8nMain, node, home }: spawn `node n8nMain <args>` (or n8nBin with PATH
 * from n8nEnv) so n8n runs on Node 24.
 */
async function ensureN8n(root = ROOT) {
	const home = n8nHome();
	const node = node24Bin(root);
	const paths = n8nPaths(home);
	if (!exists(node)) throw new Error(`${node} is missing; run ensureDeps() first (npm install)`);
	const nodeVersion = spawnSync(node, ['-p', 'process.version'], { encoding: 'utf8' }).stdout.trim();
	if (!/^v24\./.test(nodeVersion)) throw new Error(`${node} is ${nodeVersion}, expected Node 24`);

	const complete = () => {
		const m = readJson(path.join(home, MARKER));
		return m && m.n8nVersion === N8N_VERSION && m.nodeVersion === nodeVersion && exists(paths.n8nMain);
	};
	if (complete()) return { ...paths, node };

	fs.mkdirSync(home, { recursive: true });
	return withLock(home, async () => {
		if (complete()) return { ...paths, node }; // another process finished while we waited
		const tAll = Date.now();
		const env = { ...process.env, PATH: pathWithNode24(root) };
		const timings = {};
		log(`installing n8n@${N8N_VERSION} for ${nodeVersion} into ${home} (several minutes, ~3 GB, once)`);

		// Own package.json, so npm installs here and not into a parent project.
		const pj = path.join(home, 'package.json');
		if (!exists(pj))
			fs.writeFileSync(
				pj,
				JSON.stringify({ name: 'vision-stream-n8n-runtime', private: true, description: `n8n ${N8N_VERSION} for ${PKG_NAME}` }, null, 2) + '\n',
			);

		// 1. n8n itself. --ignore-scripts: an optional Kafka client's install script downloads from the internet.
		const installedVersion = (readJson(path.join(home, 'node_modules', 'n8n', 'package.json')) || {}).version;
		if (installedVersion === N8N_VERSION && exists(paths.n8nMain) && exists(path.join(home, '.step-install-done'))) {
			log(`step 1/3: n8n@${N8N_VERSION} already installed, skipping npm install`);
		} else {
			let t0 = Date.now();
			log(`step 1/3: npm install n8n@${N8N_VERSION} --ignore-scripts --no-audit --no-fund`);
			// --loglevel=error: n8n's tree prints hundreds of harmless "ERESOLVE overriding peer dependency" warnings.
			await run(npmCmd(), ['install', `n8n@${N8N_VERSION}`, '--ignore-scripts', '--no-audit', '--no-fund', '--save-exact', '--loglevel=error'], {
				cwd: home,
				env,
				progress: () => log(`still installing n8n… ${secs(t0)} s, ${folderSizeMb(home)} MB`),
			});
			timings.install = Number(secs(t0));
			fs.writeFileSync(path.join(home, '.step-install-done'), new Date().toISOString() + '\n');
			log(`step 1/3 done: n8n installed in ${timings.install} s (${folderSizeMb(home)} MB)`);
		}

		// 2. Node headers from the registry (node-<platform>-<arch>@<version> ships include/node).
		let t0 = Date.now();
		const headersPkg = `node-${process.platform}-${process.arch}@${nodeVersion.slice(1)}`;
		const headersDir = path.join(home, '.node-headers', nodeVersion);
		const nodedir = path.join(headersDir, 'package');
		if (exists(path.join(nodedir, 'include', 'node', 'node.h'))) {
			log(`step 2/3: headers for ${nodeVersion} already unpacked in ${nodedir}`);
		} else {
			log(`step 2/3: npm pack ${headersPkg} and unpack its headers`);
			fs.rmSync(headersDir, { recursive: true, force: true });
			fs.mkdirSync(headersDir, { recursive: true });
			const packed = spawnSync(npmCmd(), ['pack', headersPkg, '--silent'], { cwd: headersDir, env, encoding: 'utf8', shell: IS_WIN });
			if (packed.status !== 0) throw new Error(`npm pack ${headersPkg} failed: ${packed.stderr}`);
			const tgz = packed.stdout.trim().split(/\r?\n/).pop();
			// Only the headers are needed; skip the 100 MB binary.
			await run('tar', ['xzf', tgz, 'package/include', 'package/package.json'], { cwd: headersDir, env });
			fs.rmSync(path.join(headersDir, tgz), { force: true });
			if (!exists(path.join(nodedir, 'include', 'node', 'node.h'))) throw new Error(`no include/node/node.h in ${headersPkg}`);
			timings.headers = Number(secs(t0));
			log(`step 2/3 done in ${timings.headers} s`);
		}

		// 3. sqlite3 native module, compiled against those headers (no prebuilt download offline).
		t0 = Date.now();
		log(`step 3/3: npm rebuild sqlite3 against ${nodedir} (about 1 minute here; up to 4 on slow machines)`);
		await run(npmCmd(), ['rebuild', 'sqlite3', '--no-audit', '--no-fund'], {
			cwd: home,
			env: { ...env, npm_config_nodedir: nodedir },
			progress: () => log(`still building sqlite3… ${secs(t0)} s`),
		});
		timings.sqliteRebuild = Number(secs(t0));
		log(`step 3/3 done: sqlite3 rebuilt in ${timings.sqliteRebuild} s`);

		// Check: sqlite3 loads on Node 24 from n8n's point of view, and n8n answers --version.
		const check = spawnSync(
			node,
			[
				'-e',
				`const s=require(require.resolve('sqlite3',{paths:[${JSON.stringify(path.join(home, 'node_modules', 'n8n'))}]}));` +
					`new s.Database(':memory:').get('select sqlite_version() v',(e,r)=>{if(e)throw e;console.log('sqlite '+r.v)})`,
			],
			{ cwd: home, env, encoding: 'utf8' },
		);
		if (check.status !== 0) throw new Error(`sqlite3 does not load on ${nodeVersion}:\n${check.stderr}`);
		log(`check: ${check.stdout.trim()} loads on ${nodeVersion}`);
		const ver = spawnSync(node, [paths.n8nMain, '--version'], { cwd: home, env, encoding: 'utf8' });
		if (ver.status !== 0 || !ver.stdout.includes(N8N_VERSION))
			throw new Error(`n8n --version failed:\n${ver.stdout}\n${ver.stderr}`);
		log(`check: n8n --version -> ${ver.stdout.trim()}`);

		timings.total = Number(secs(tAll));
		fs.writeFileSync(
			path.join(home, MARKER),
			JSON.stringify({ n8nVersion: N8N_VERSION, nodeVersion, completedAt: new Date().toISOString(), timings }, null, 2) + '\n',
		);
		log(`n8n ready in ${timings.total} s: ${paths.n8nMain}`);
		return { ...paths, node };
	});
}

// ---------------------------------------------------------------- extension staging

/**
 * Lays the built package out the way n8n 2.41 would install it, and returns the folder to put
 * into N8N_CUSTOM_EXTENSIONS:
 *
 *   <stageDir>/extensions/<package name>/package.json   copy, dev/peer/optional deps stripped
 *   <stageDir>/extensions/<package name>/dist/          copy of <root>/dist
 *   <stageDir>/node_modules/<dependency>                symlink to <root>/node_modules/<dependency>
 *
 * Why a copy and not a symlink to the repo: Node resolves modules from a file's real path, so a
 * symlinked dist/ would `require('n8n-workflow')` from the repo's own node_modules, a second copy
 * of n8n-workflow beside n8n's (n8n checks `error instanceof NodeApiError` and friends). n8n's
 * community-package installer strips devDependencies/peerDependencies and installs only
 * `dependencies`, so n8n-workflow resolves to n8n's copy (n8n puts its module paths on NODE_PATH).
 * The staged copy reproduces exactly that. node_modules sits beside `extensions/`, not inside it,
 * because the custom loader globs every `**\/*.node.js` and `**\/*.credentials.js` under the folder.
 *
 * Returns { extensionsDir, packageDir, hasDist }.
 */
function stageExtension(root = ROOT, stageDir = path.join(cacheDir(), 'dev')) {
	const pkg = readJson(path.join(root, 'package.json'));
	if (!pkg || !pkg.name) throw new Error(`no package.json with a name in ${root}`);
	const extensionsDir = path.join(stageDir, 'extensions');
	const packageDir = path.join(extensionsDir, pkg.name);
	const distSrc = path.join(root, 'dist');
	const hasDist = exists(distSrc);

	fs.rmSync(extensionsDir, { recursive: true, force: true });
	fs.mkdirSync(packageDir, { recursive: true });
	const { devDependencies, peerDependencies, optionalDependencies, ...installed } = pkg;
	fs.writeFileSync(path.join(packageDir, 'package.json'), JSON.stringify(installed, null, 2) + '\n');
	if (hasDist) fs.cpSync(distSrc, path.join(packageDir, 'dist'), { recursive: true });

	const nm = path.join(stageDir, 'node_modules');
	fs.rmSync(nm, { recursive: true, force: true });
	for (const dep of Object.keys(pkg.dependencies || {})) {
		const target = path.join(root, 'node_modules', dep);
		if (!exists(target)) {
			log(`warning: dependency ${dep} is not installed in ${root}/node_modules`);
			continue;
		}
		const link = path.join(nm, dep);
		fs.mkdirSync(path.dirname(link), { recursive: true });
		fs.symlinkSync(target, link, IS_WIN ? 'junction' : 'dir');
	}
	return { extensionsDir, packageDir, hasDist };
}

/**
 * Lays the built package out as n8n's Community Nodes installer does, inside a user folder:
 *
 *   <userFolder>/.n8n/nodes/package.json                          lists the package
 *   <userFolder>/.n8n/nodes/node_modules/<pkg>/package.json       dev/peer/optional deps stripped
 *   <userFolder>/.n8n/nodes/node_modules/<pkg>/dist/              copy of <root>/dist
 *   <userFolder>/.n8n/nodes/node_modules/<pkg>/node_modules/<dep> symlink to <root>/node_modules/<dep>
 *
 * n8n scans that folder at every start, so the node gets its real type
 * "<package>.<node>" and behaves as for users: n8n then also tests the credential on save,
 * which it does not do for N8N_CUSTOM_EXTENSIONS. Copy, not symlink: see stageExtension.
 * Returns { packageDir, hasDist }.
 */
function installAsCommunityPackage(root = ROOT, userFolder) {
	const pkg = readJson(path.join(root, 'package.json'));
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	const packageDir = path.join(nodesDir, 'node_modules', pkg.name);
	const distSrc = path.join(root, 'dist');
	const hasDist = exists(distSrc);
	fs.rmSync(packageDir, { recursive: true, force: true });
	fs.mkdirSync(packageDir, { recursive: true });
	const { devDependencies, peerDependencies, optionalDependencies, scripts, ...installed } = pkg;
	fs.writeFileSync(path.join(packageDir, 'package.json'), JSON.stringify(installed, null, 2) + '\n');
	if (hasDist) fs.cpSync(distSrc, path.join(packageDir, 'dist'), { recursive: true });
	for (const dep of Object.keys(pkg.dependencies || {})) {
		const target = path.join(root, 'node_modules', dep);
		if (!exists(target)) {
			log(`warning: dependency ${dep} is not installed in ${root}/node_modules`);
			continue;
		}
		const link = path.join(packageDir, 'node_modules', dep);
		fs.mkdirSync(path.dirname(link), { recursive: true });
		fs.symlinkSync(target, link, IS_WIN ? 'junction' : 'dir');
	}
	const manifest = path.join(nodesDir, 'package.json');
	const list = readJson(manifest) || { name: 'installed-nodes', private: true, dependencies: {} };
	list.dependencies = { ...list.dependencies, [pkg.name]: pkg.version };
	fs.writeFileSync(manifest, JSON.stringify(list, null, 2) + '\n');
	return { packageDir, hasDist };
}

// ---------------------------------------------------------------- env + health

/**
 * Env for spawning n8n: process.env (minus npm's npm_* variables), Node 24 first on PATH,
 * a private user folder, ports, sqlite, the custom extensions folder (these are forced), and
 * quiet defaults (N8N_DIAGNOSTICS_ENABLED=false, …; the caller's environment overrides them).
 * `extra` wins over everything. All names checked against n8n 2.41.1's @n8n/config.
 */
function n8nEnv({ userFolder, port = 5678, brokerPort, extensionsDir, extra = {}, root = ROOT } = {}) {
	if (!userFolder) throw new Error('n8nEnv: userFolder is required');
	// Quiet, offline-friendly defaults; a value already set in the environment wins.
	const defaults = {
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem',
		// Default true in 2.41: the session cookie would then only be sent over https.
		N8N_SECURE_COOKIE: 'false',
		// Default 30 s: how long n8n waits for running executions on SIGINT/SIGTERM.
		N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '10',
	};
	const env = { ...defaults, ...process.env };
	// An n8n started from an npm script must not inherit npm's own settings (npm_config_*).
	for (const k of Object.keys(env)) if (/^npm_/i.test(k)) delete env[k];
	Object.assign(env, {
		PATH: pathWithNode24(root, process.env.PATH),
		// n8n keeps its data in <N8N_USER_FOLDER>/.n8n (database.sqlite, config, binaryData, nodes/).
		N8N_USER_FOLDER: userFolder,
		N8N_PORT: String(port),
		// Task-runner broker; default 5679, so concurrent instances each need their own.
		N8N_RUNNERS_BROKER_PORT: String(brokerPort || Number(port) + 1),
		DB_TYPE: 'sqlite',
	});
	if (extensionsDir) env.N8N_CUSTOM_EXTENSIONS = extensionsDir;
	return Object.assign(env, extra);
}

/** Resolves true when something accepts TCP connections on 127.0.0.1:<port>. */
function portInUse(port) {
	const net = require('net');
	return new Promise((resolve) => {
		const sock = net.connect({ host: '127.0.0.1', port: Number(port) });
		sock.setTimeout(1000);
		sock.once('connect', () => {
			sock.destroy();
			resolve(true);
		});
		sock.once('timeout', () => {
			sock.destroy();
			resolve(false);
		});
		sock.once('error', () => resolve(false));
	});
}

/**
 * Polls GET http://127.0.0.1:<port>/healthz until it answers 200.
 * opts.path: another path, e.g. '/healthz/readiness' (200 only once the database is migrated
 * and the server fully started). opts.child: the n8n ChildProcess; rejects at once if it exits.
 * Rejects after timeoutMs.
 */
function waitForHealth(port, timeoutMs = 120000, opts = {}) {
	const { child = null, path: urlPath = '/healthz' } = opts && opts.once ? { child: opts } : opts || {};
	const deadline = Date.now() + timeoutMs;
	return new Promise((resolve, reject) => {
		let exited = null;
		const onExit = (code, signal) => {
			exited = `n8n exited (${signal || `code ${code}`}) before ${urlPath} answered`;
		};
		if (child) {
			if (child.exitCode !== null || child.signalCode !== null) onExit(child.exitCode, child.signalCode);
			else child.once('exit', onExit);
		}
		const finish = (err) => {
			if (child) child.removeListener('exit', onExit);
			err ? reject(err) : resolve();
		};
		const attempt = () => {
			if (exited) return finish(new Error(exited));
			if (Date.now() > deadline)
				return finish(new Error(`GET http://127.0.0.1:${port}${urlPath}: no 200 within ${timeoutMs} ms`));
			const req = http.get({ host: '127.0.0.1', port: Number(port), path: urlPath, timeout: 2000 }, (res) => {
				res.resume();
				if (res.statusCode === 200) finish();
				else setTimeout(attempt, 250);
			});
			req.on('timeout', () => req.destroy());
			req.on('error', () => setTimeout(attempt, 250));
		};
		attempt();
	});
}

module.exports = {
	N8N_VERSION,
	ROOT,
	cacheDir,
	n8nHome,
	node24Bin,
	pathWithNode24,
	ensureDeps,
	ensureBuilt,
	ensureN8n,
	stageExtension,
	installAsCommunityPackage,
	n8nEnv,
	portInUse,
	waitForHealth,
	run,
	log,
};
