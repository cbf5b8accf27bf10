'use strict';
/**
 * How each n8n process of the queue-mode suite gets the package, as on separate machines.
 *
 *   community (default)  `npm pack` of the repository once, then for every process the install
 *                        n8n's own community-package installer does, into that process's user
 *                        folder: <userFolder>/.n8n/nodes/node_modules/n8n-nodes-vision-stream.
 *                        Node type `n8n-nodes-vision-stream.visionChat`; N8N_CUSTOM_EXTENSIONS stays unset.
 *   custom               a staged copy of dist/ per process in N8N_CUSTOM_EXTENSIONS (one folder
 *                        each: several folders would collide as CUSTOM). Node type `CUSTOM.visionChat`.
 *
 *   const installer = preparePackage({ root, mode, workDir, log })
 *   installer.install(processDir) -> { userFolder, envExtra, packageDir, dependencies }
 *   installer.nodeType, installer.mode, installer.packed ({ tarball, name, version, files })
 */
const path = require('node:path');
const { packPackage, installCommunityPackage, stageExtension } = require('../support/n8n');

const MODES = ['community', 'custom'];

function preparePackage({ root, mode = 'community', workDir, log }) {
	if (!MODES.includes(mode)) throw new Error(`VISION_QUEUE_INSTALL must be one of ${MODES.join(', ')}`);
	if (mode === 'custom') {
		return {
			mode,
			nodeType: 'CUSTOM.visionChat',
			install(processDir) {
				const { extensionsDir, packageDir } = stageExtension(root, path.join(processDir, 'stage'));
				return { userFolder: path.join(processDir, 'user'), envExtra: { N8N_CUSTOM_EXTENSIONS: extensionsDir }, packageDir, dependencies: [] };
			},
		};
	}
	const t0 = Date.now();
	const packed = packPackage(root, path.join(workDir, 'pack'));
	log(`npm pack: ${path.basename(packed.tarball)} (${packed.files.length} files) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
	return {
		mode,
		nodeType: `${packed.name}.visionChat`,
		packed,
		install(processDir) {
			const userFolder = path.join(processDir, 'user');
			const installed = installCommunityPackage({ userFolder, packed, root });
			// Community packages only: no custom extensions folder at all.
			return { userFolder, envExtra: { N8N_COMMUNITY_PACKAGES_ENABLED: 'true' }, packageDir: installed.packageDir, dependencies: installed.dependencies };
		},
	};
}

module.exports = { preparePackage, MODES };
