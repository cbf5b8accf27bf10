'use strict';
/**
 * Running the real n8n CLI for the end-to-end suite: install the packed package the way n8n's
 * own community-package installer does, run `n8n <command>` with a timeout, and read the run
 * data JSON that `n8n execute --rawOutput` prints.
 */
const fs = require('fs');
const path = require('path');
const { spawn, spawnSync } = require('child_process');

const IS_WIN = process.platform === 'win32';
const npm = IS_WIN ? 'npm.cmd' : 'npm';

/** `npm pack` of the repository into `destDir`; returns the tarball's path. */
function packPackage(root, destDir, env) {
	const result = spawnSync(npm, ['pack', '--pack-destination', destDir, '--json', '--ignore-scripts'], {
		cwd: root,
		env,
		encoding: 'utf8',
		shell: IS_WIN,
	});
	if (result.status !== 0) throw new Error(`npm pack failed (exit ${result.status}):\n${result.stderr}`);
	const [info] = JSON.parse(result.stdout);
	return { tarball: path.join(destDir, info.filename), files: info.files.map((f) => f.path), name: info.name, version: info.version };
}

/**
 * Installs a package tarball into <userFolder>/.n8n/nodes the way n8n 2.41's
 * CommunityPackagesService.downloadPackage does after `npm pack <name>@<version>`:
 * unpack into nodes/node_modules/<name>, drop devDependencies/peerDependencies/
 * optionalDependencies from its package.json, `npm install` its own dependencies inside it
 * (shallow, no scripts, no lock file), and record it in nodes/package.json.
 * n8n finds it at start-up by scanning nodes/node_modules for n8n-nodes-* folders
 * (CommunityPackagesModule.nodeLoaders -> scanDirectoryForPackages).
 */
function installCommunityPackage({ tarball, name, version, userFolder, env }) {
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	const packageDir = path.join(nodesDir, 'node_modules', name);
	fs.mkdirSync(packageDir, { recursive: true });
	const untar = spawnSync('tar', ['-xzf', tarball, '-C', packageDir, '--strip-components=1'], { encoding: 'utf8' });
	if (untar.status !== 0) throw new Error(`tar -xzf ${tarball} failed: ${untar.stderr}`);
	const pjPath = path.join(packageDir, 'package.json');
	const { devDependencies, peerDependencies, optionalDependencies, ...packageJson } = JSON.parse(fs.readFileSync(pjPath, 'utf8'));
	fs.writeFileSync(pjPath, JSON.stringify(packageJson, null, 2));
	const install = spawnSync(
		npm,
		[
			'install',
			'--audit=false',
			'--fund=false',
			'--bin-links=false',
			'--install-strategy=shallow',
			'--ignore-scripts=true',
			'--package-lock=false',
			// The dependencies are in the npm cache since the repository's own install: no network needed.
			'--prefer-offline',
			'--loglevel=error',
		],
		{ cwd: packageDir, env, encoding: 'utf8', shell: IS_WIN },
	);
	if (install.status !== 0) throw new Error(`npm install in ${packageDir} failed (exit ${install.status}):\n${install.stderr}`);
	fs.writeFileSync(
		path.join(nodesDir, 'package.json'),
		JSON.stringify({ name: 'installed-nodes', private: true, dependencies: { [name]: version } }, null, 2),
	);
	return {
		nodesDir,
		packageDir,
		dependencies: Object.keys(packageJson.dependencies || {}),
		optionalDependencies: Object.keys(optionalDependencies || {}),
	};
}

/** Children still running, so an interrupted suite can end them (only ours, by pid). */
const running = new Set();

function killRunning() {
	for (const child of running) {
		try {
			child.kill('SIGKILL');
		} catch {}
	}
}

/**
 * Runs `node <n8n main> ...args` and resolves { code, signal, stdout, stderr, ms, timedOut }.
 * Never rejects on a non-zero exit: the caller decides what a failure means.
 */
function runN8n(n8n, args, env, { timeoutMs = 180000 } = {}) {
	return new Promise((resolve, reject) => {
		const started = Date.now();
		const child = spawn(n8n.node, [n8n.n8nMain, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
		running.add(child);
		const out = [];
		const err = [];
		child.stdout.on('data', (d) => out.push(d));
		child.stderr.on('data', (d) => err.push(d));
		let timedOut = false;
		const timer = setTimeout(() => {
			timedOut = true;
			child.kill('SIGKILL');
		}, timeoutMs);
		child.on('error', (error) => {
			clearTimeout(timer);
			running.delete(child);
			reject(error);
		});
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			running.delete(child);
			resolve({
				code,
				signal,
				timedOut,
				stdout: Buffer.concat(out).toString('utf8'),
				stderr: Buffer.concat(err).toString('utf8'),
				ms: Date.now() - started,
			});
		});
	});
}

/**
 * The execution JSON in `n8n execute` output. On success (--rawOutput) it is the last thing on
 * stdout; on failure n8n logs it after "Execution error:" and then more lines. Either way it is
 * pretty-printed: it starts at a line "{" and ends at the next line "}".
 */
function parseExecution(stdout) {
	const lines = stdout.split(/\r?\n/);
	const start = lines.indexOf('{');
	if (start < 0) return undefined;
	const end = lines.indexOf('}', start);
	if (end < 0) return undefined;
	return JSON.parse(lines.slice(start, end + 1).join('\n'));
}

/** Output `output` of the first run of node `name` in an execution: an array of items. */
function outputOf(execution, name, output = 0) {
	const runs = execution && execution.data && execution.data.resultData.runData[name];
	if (!runs || !runs[0]) throw new Error(`node "${name}" did not run`);
	const main = (runs[0].data && runs[0].data.main) || [];
	return main[output] || [];
}

module.exports = { packPackage, installCommunityPackage, runN8n, parseExecution, outputOf, killRunning };
