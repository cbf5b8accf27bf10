'use strict';
/**
 * n8n 2.41.1 outside the repository, installed once (see /work/shared/notes/real-n8n.md why so):
 *
 *   ensureN8n(root) -> Promise<{ n8nBin, n8nMain, node, home }>
 *     1. npm install n8n@2.41.1 --ignore-scripts (an optional Kafka client's install script
 *        downloads from the internet)
 *     2. the Node 24 headers from the registry package node-<platform>-<arch>@<version>
 *     3. npm rebuild sqlite3 against them
 *   and checks that sqlite3 loads and `n8n --version` answers. `.vision-n8n-complete` marks a
 *   finished install (for this n8n and Node version). A mkdir lock keeps two parallel runs from
 *   installing into the same folder at once.
 *
 * Spawn n8n as `spawn(n8n.node, [n8n.n8nMain, ...args])`, so it runs on Node 24.
 */
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { ROOT, PKG_NAME, N8N_VERSION, IS_WIN, log, secs, sleep, npmCmd, exists, mtimeMs, readJson, n8nHome, node24Bin, pathWithNode24, run, folderSizeMb } = require('./base');

const MARKER = '.vision-n8n-complete';

function pidAlive(pid) {
	try {
		process.kill(pid, 0);
		return true;
	} catch (e) {
		return e.code === 'EPERM';
	}
}

async function withLock(dir, fn) {
	const lock = path.join(dir, '.install-lock');
	const pidFile = path.join(lock, 'pid');
	const t0 = Date.now();
	let said = 0;
	for (;;) {
		try {
			fs.mkdirSync(lock);
			fs.writeFileSync(pidFile, String(process.pid));
			break;
		} catch (e) {
			if (e.code !== 'EEXIST') throw e;
			const pid = Number((exists(pidFile) && fs.readFileSync(pidFile, 'utf8')) || 0);
			if ((pid && !pidAlive(pid)) || (!pid && Date.now() - mtimeMs(lock) > 60000)) {
				log(`removing the stale install lock of ${pid ? `dead process ${pid}` : 'an unknown process'}`);
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

async function installN8n(paths, env) {
	const { home } = paths;
	const installed = (readJson(path.join(home, 'node_modules', 'n8n', 'package.json')) || {}).version;
	if (installed === N8N_VERSION && exists(paths.n8nMain) && exists(path.join(home, '.step-install-done'))) {
		log(`step 1/3: n8n@${N8N_VERSION} already installed, skipping npm install`);
		return;
	}
	const t0 = Date.now();
	log(`step 1/3: npm install n8n@${N8N_VERSION} --ignore-scripts --no-audit --no-fund`);
	// --loglevel=error: n8n's tree prints hundreds of harmless "ERESOLVE overriding peer dependency" warnings.
	await run(npmCmd(), ['install', `n8n@${N8N_VERSION}`, '--ignore-scripts', '--no-audit', '--no-fund', '--save-exact', '--loglevel=error'], {
		cwd: home,
		env,
		progress: () => log(`still installing n8n… ${secs(t0)} s, ${folderSizeMb(home)} MB`),
	});
	fs.writeFileSync(path.join(home, '.step-install-done'), `${new Date().toISOString()}\n`);
	log(`step 1/3 done: n8n installed in ${secs(t0)} s (${folderSizeMb(home)} MB)`);
}

/** Unpacks include/node of node-<platform>-<arch>@<version> (skipping its 100 MB binary); returns the nodedir. */
async function nodeHeaders(home, nodeVersion, env) {
	const headersPkg = `node-${process.platform}-${process.arch}@${nodeVersion.slice(1)}`;
	const headersDir = path.join(home, '.node-headers', nodeVersion);
	const nodedir = path.join(headersDir, 'package');
	const header = path.join(nodedir, 'include', 'node', 'node.h');
	if (exists(header)) {
		log(`step 2/3: headers for ${nodeVersion} already unpacked in ${nodedir}`);
		return nodedir;
	}
	const t0 = Date.now();
	log(`step 2/3: npm pack ${headersPkg} and unpack its headers`);
	fs.rmSync(headersDir, { recursive: true, force: true });
	fs.mkdirSync(headersDir, { recursive: true });
	const packed = spawnSync(npmCmd(), ['pack', headersPkg, '--silent'], { cwd: headersDir, env, encoding: 'utf8', shell: IS_WIN });
	if (packed.status !== 0) throw new Error(`npm pack ${headersPkg} failed: ${packed.stderr}`);
	const tgz = packed.stdout.trim().split(/\r?\n/).pop();
	await run('tar', ['xzf', tgz, 'package/include', 'package/package.json'], { cwd: headersDir, env });
	fs.rmSync(path.join(headersDir, tgz), { force: true });
	if (!exists(header)) throw new Error(`no include/node/node.h in ${headersPkg}`);
	log(`step 2/3 done in ${secs(t0)} s`);
	return nodedir;
}

function checkInstall(paths, node, nodeVersion, env) {
	const n8nDir = JSON.stringify(path.join(paths.home, 'node_modules', 'n8n'));
	const script = `const s=require(require.resolve('sqlite3',{paths:[${n8nDir}]}));new s.Database(':memory:').get('select sqlite_version() v',(e,r)=>{if(e)throw e;console.log('sqlite '+r.v)})`;
	const sqlite = spawnSync(node, ['-e', script], { cwd: paths.home, env, encoding: 'utf8' });
	if (sqlite.status !== 0) throw new Error(`sqlite3 does not load on ${nodeVersion}:\n${sqlite.stderr}`);
	log(`check: ${sqlite.stdout.trim()} loads on ${nodeVersion}`);
	const ver = spawnSync(node, [paths.n8nMain, '--version'], { cwd: paths.home, env, encoding: 'utf8' });
	if (ver.status !== 0 || !ver.stdout.includes(N8N_VERSION)) throw new Error(`n8n --version failed:\n${ver.stdout}\n${ver.stderr}`);
	log(`check: n8n --version -> ${ver.stdout.trim()}`);
}

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
		log(`installing n8n@${N8N_VERSION} for ${nodeVersion} into ${home} (several minutes, ~3 GB, once)`);
		const pj = path.join(home, 'package.json');
		// Its own package.json, so npm installs here and not into a parent project.
		if (!exists(pj)) fs.writeFileSync(pj, `${JSON.stringify({ name: 'vision-stream-n8n-runtime', private: true, description: `n8n ${N8N_VERSION} for ${PKG_NAME}` }, null, 2)}\n`);
		await installN8n(paths, env);
		const nodedir = await nodeHeaders(home, nodeVersion, env);
		const t0 = Date.now();
		log(`step 3/3: npm rebuild sqlite3 against ${nodedir} (about 1 minute here; up to 4 on slow machines)`);
		await run(npmCmd(), ['rebuild', 'sqlite3', '--no-audit', '--no-fund'], {
			cwd: home,
			env: { ...env, npm_config_nodedir: nodedir },
			progress: () => log(`still building sqlite3… ${secs(t0)} s`),
		});
		log(`step 3/3 done: sqlite3 rebuilt in ${secs(t0)} s`);
		checkInstall(paths, node, nodeVersion, env);
		const marker = { n8nVersion: N8N_VERSION, nodeVersion, completedAt: new Date().toISOString(), seconds: Number(secs(tAll)) };
		fs.writeFileSync(path.join(home, MARKER), `${JSON.stringify(marker, null, 2)}\n`);
		log(`n8n ready in ${secs(tAll)} s: ${paths.n8nMain}`);
		return { ...paths, node };
	});
}

module.exports = { ensureN8n };
