'use strict';
/**
 * Everything the real-n8n suites and the launchers in scripts/ need to run a real n8n 2.41.1
 * with this package, offline. One file per concern:
 *
 *   base.js         paths (cache, n8n home, test-results), Node 24, run(), isCI()
 *   deps.js         ensureDeps, ensureBuilt: the repository's own install and build
 *   install-n8n.js  ensureN8n: n8n in ~/.cache/n8n-nodes-vision-stream, installed once
 *   package.js      packPackage, installCommunityPackage (as n8n installs community packages),
 *                   stageExtension (N8N_CUSTOM_EXTENSIONS)
 *   process.js      n8nEnv, spawnN8n, stopN8n, killN8n, runN8n, cli, waitForLine, waitFor, onInterrupt
 *   net.js          portInUse, freePorts, waitForHealth
 *   services.js     ensureApt, ensureChromium, ensureRedisPostgres, startRedis, startPostgres, redisCli
 *   http.js         multipart, request, restClient (owner setup, session)
 *   png.js          makePng, pngFor, pngSize
 *   checks.js       checker (node:test subtests), prerequisite (CI fails, elsewhere "skipped: …")
 *   runner.js       runSuites: `node --test` over the suites, counts read back as data (reporter.js)
 */
module.exports = {
	...require('./base'),
	...require('./deps'),
	...require('./install-n8n'),
	...require('./package'),
	...require('./process'),
	...require('./net'),
	...require('./services'),
	...require('./http'),
	...require('./png'),
	...require('./checks'),
};
