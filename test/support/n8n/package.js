'use strict';
/**
 * This package, installed into an n8n user folder as n8n's Community Nodes installer does it.
 *
 *   packPackage(root, destDir) -> { tarball, files, name, version }     `npm pack` of the build
 *   installCommunityPackage({ userFolder, packed, root }) -> { nodesDir, packageDir, dependencies, optionalDependencies }
 *       as n8n 2.41's CommunityPackagesService.downloadPackage after `npm pack <name>@<version>`:
 *       unpack into <userFolder>/.n8n/nodes/node_modules/<name>, drop dev/peer/optional
 *       dependencies from its package.json, `npm install` its own dependencies inside it
 *       (shallow, no scripts, no lock file; offline: they are in the npm cache since the
 *       repository's own install), and list it in .n8n/nodes/package.json. n8n finds it there at
 *       start-up; the node type is `n8n-nodes-vision-stream.visionChat`, as for users.
 *   installSharp({ userFolder, root }) -> { sharpDir, ms }
 *       the optional sharp, as the README tells users: `npm install sharp@<the package's range>`
 *       in <userFolder>/.n8n/nodes (offline: the repository's own install put it in the npm cache)
 *   stageExtension(root, stageDir) -> { extensionsDir, packageDir }
 *       the other way n8n loads nodes: a copy of dist/ for N8N_CUSTOM_EXTENSIONS (node type
 *       CUSTOM.visionChat), with the runtime dependencies linked beside it. A copy, not a link
 *       to the repository: Node resolves from a file's real path, so a linked dist/ would load
 *       the repository's own n8n-workflow instead of n8n's.
 */
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { ROOT, IS_WIN, log, npmCmd, exists, readJson, pathWithNode24 } = require('./base');

const npmEnv = (root) => ({ ...process.env, PATH: pathWithNode24(root) });

function packPackage(root = ROOT, destDir) {
	fs.mkdirSync(destDir, { recursive: true });
	const result = spawnSync(npmCmd(), ['pack', '--pack-destination', destDir, '--json', '--ignore-scripts'], { cwd: root, env: npmEnv(root), encoding: 'utf8', shell: IS_WIN });
	if (result.status !== 0) throw new Error(`npm pack failed (exit ${result.status}):\n${result.stderr}`);
	const [info] = JSON.parse(result.stdout);
	return { tarball: path.join(destDir, info.filename), files: info.files.map((f) => f.path), name: info.name, version: info.version };
}

function installCommunityPackage({ userFolder, packed, root = ROOT }) {
	const { tarball, name, version } = packed;
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	const packageDir = path.join(nodesDir, 'node_modules', name);
	fs.rmSync(packageDir, { recursive: true, force: true });
	fs.mkdirSync(packageDir, { recursive: true });
	const untar = spawnSync('tar', ['-xzf', tarball, '-C', packageDir, '--strip-components=1'], { encoding: 'utf8' });
	if (untar.status !== 0) throw new Error(`tar -xzf ${tarball} failed: ${untar.stderr}`);
	const pjPath = path.join(packageDir, 'package.json');
	const { devDependencies, peerDependencies, optionalDependencies, ...packageJson } = JSON.parse(fs.readFileSync(pjPath, 'utf8'));
	fs.writeFileSync(pjPath, JSON.stringify(packageJson, null, 2));
	const args = ['install', '--audit=false', '--fund=false', '--bin-links=false', '--install-strategy=shallow', '--ignore-scripts=true', '--package-lock=false', '--prefer-offline', '--loglevel=error'];
	const install = spawnSync(npmCmd(), args, { cwd: packageDir, env: npmEnv(root), encoding: 'utf8', shell: IS_WIN });
	if (install.status !== 0) throw new Error(`npm install in ${packageDir} failed (exit ${install.status}):\n${install.stderr}`);
	fs.writeFileSync(path.join(nodesDir, 'package.json'), JSON.stringify({ name: 'installed-nodes', private: true, dependencies: { [name]: version } }, null, 2));
	return {
		nodesDir,
		packageDir,
		dependencies: Object.keys(packageJson.dependencies || {}),
		optionalDependencies: Object.keys(optionalDependencies || {}),
	};
}

function installSharp({ userFolder, root = ROOT }) {
	const t0 = Date.now();
	const range = (readJson(path.join(root, 'package.json')).optionalDependencies || {}).sharp;
	if (!range) throw new Error(`${root}/package.json has no optional dependency sharp`);
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	const args = ['install', `sharp@${range}`, '--audit=false', '--fund=false', '--prefer-offline', '--loglevel=error'];
	const install = spawnSync(npmCmd(), args, { cwd: nodesDir, env: npmEnv(root), encoding: 'utf8', shell: IS_WIN });
	if (install.status !== 0) throw new Error(`npm install sharp@${range} in ${nodesDir} failed (exit ${install.status}):\n${install.stderr}`);
	return { sharpDir: path.join(nodesDir, 'node_modules', 'sharp'), ms: Date.now() - t0 };
}

function stageExtension(root = ROOT, stageDir) {
	const pkg = readJson(path.join(root, 'package.json'));
	if (!pkg || !pkg.name) throw new Error(`no package.json with a name in ${root}`);
	const extensionsDir = path.join(stageDir, 'extensions');
	const packageDir = path.join(extensionsDir, pkg.name);
	const distSrc = path.join(root, 'dist');
	const hasDist = exists(distSrc);
	fs.rmSync(extensionsDir, { recursive: true, force: true });
	fs.mkdirSync(packageDir, { recursive: true });
	const { devDependencies, peerDependencies, optionalDependencies, ...installed } = pkg;
	fs.writeFileSync(path.join(packageDir, 'package.json'), `${JSON.stringify(installed, null, 2)}\n`);
	if (hasDist) fs.cpSync(distSrc, path.join(packageDir, 'dist'), { recursive: true });
	// Beside extensions/, not inside: the custom loader globs every **/*.node.js under it.
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

module.exports = { packPackage, installCommunityPackage, installSharp, stageExtension };
