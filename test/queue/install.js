'use strict';
/**
 * How each n8n process of the queue-mode suite gets the package, as on separate machines.
 *
 *   community (default)  `npm pack` of the repository once, then for every process the install
 *                        n8n's own community-package installer does, into that process's user
 *                        folder: <userFolder>/.n8n/nodes/node_modules/n8n-nodes-vision-stream
 *                        (test/e2e/n8n.js: packPackage, installCommunityPackage). Node type
 *                        `n8n-nodes-vision-stream.visionChat`; N8N_CUSTOM_EXTENSIONS stays unset.
 *   custom               a staged copy of dist/ per process in N8N_CUSTOM_EXTENSIONS (one folder
 *                        each: several folders would collide as CUSTOM). Node type `CUSTOM.visionChat`.
 *
 *   const installer = preparePackage({ root, mode, workDir, env, log })
 *   installer.install(processDir) -> { userFolder, envExtra, packageDir }
 *   installer.nodeType, installer.mode, installer.packed ({ tarball, name, version, files })
 */
const fs = require('node:fs');
const path = require('node:path');
const { packPackage, installCommunityPackage } = require('../e2e/n8n');

const MODES = ['community', 'custom'];

function preparePackage({ root, mode = 'community', workDir, env, log }) {
	if (!MODES.includes(mode)) throw new Error(`VISION_QUEUE_INSTALL must be one of ${MODES.join(', ')}`);
	if (mode === 'custom') {
		return {
			mode,
			nodeType: 'CUSTOM.visionChat',
			install(processDir) {
				const { extensionsDir, packageDir } = env.stageExtension(root, path.join(processDir, 'stage'));
				return { userFolder: path.join(processDir, 'user'), envExtra: { N8N_CUSTOM_EXTENSIONS: extensionsDir }, packageDir };
			},
		};
	}
	const npmEnv = { ...process.env, PATH: env.pathWithNode24(root) };
	const packDir = path.join(workDir, 'pack');
	fs.mkdirSync(packDir, { recursive: true });
	const t0 = Date.now();
	const packed = packPackage(root, packDir, npmEnv);
	log(`npm pack: ${path.basename(packed.tarball)} (${packed.files.length} files) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
	return {
		mode,
		nodeType: `${packed.name}.visionChat`,
		packed,
		install(processDir) {
			const userFolder = path.join(processDir, 'user');
			const installed = installCommunityPackage({ tarball: packed.tarball, name: packed.name, version: packed.version, userFolder, env: npmEnv });
			// Community packages only: no custom extensions folder at all.
			return { userFolder, envExtra: { N8N_COMMUNITY_PACKAGES_ENABLED: 'true' }, packageDir: installed.packageDir, dependencies: installed.dependencies };
		},
	};
}

module.exports = { preparePackage, MODES };
