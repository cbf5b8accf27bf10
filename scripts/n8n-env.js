'use strict';
/**
 * Not a launcher: kept only because two files of other owners still load `scripts/n8n-env.js`:
 * test/streaming/n8n1-compat.js (cacheDir, stageExtension) and test/support/engine/packages.ts
 * (n8nHome, N8N_VERSION). Those helpers live in test/support/n8n (base.js, package.js); delete
 * this file once both require that folder instead.
 */
module.exports = { ...require('../test/support/n8n/base'), ...require('../test/support/n8n/package') };
