#!/usr/bin/env node
'use strict';
/**
 * `npm start`: a real n8n 2.41.1 with this package's nodes loaded, on http://localhost:5678.
 *
 *   1. npm ci when node_modules is missing or older than package-lock.json; npm run build when
 *      sources are newer than the last build; n8n@2.41.1 in ~/.cache/n8n-nodes-vision-stream
 *      (once, ~3 min): test/support/n8n
 *   2. the package installed into the user folder as a community package, from its npm pack
 *      tarball (type n8n-nodes-vision-stream.visionChat, as for users)
 *   3. with VISION_API_KEY set: a `visionChatApi` credential and examples/*.json imported
 *   4. n8n start, wait for /healthz and /healthz/readiness, print the URL
 *
 * Environment:
 *   N8N_PORT                  port (default 5678); N8N_RUNNERS_BROKER_PORT (default port + 1)
 *   VISION_API_KEY            create/refresh the credential "Vision Chat API (from VISION_API_KEY)"
 *   VISION_BASE_URL           its base URL (default https://www.kkiai.com/v1)
 *   VISION_FORCE_IMPORT=1     import again even if key, URL and examples did not change
 *   VISION_SKIP_BUILD=1       do not run the build (start with whatever dist/ holds)
 *   VISION_N8N_HOME           where n8n is installed; VISION_N8N_USER_FOLDER: n8n's user folder
 *   XDG_CACHE_HOME            base of the default cache folder (~/.cache)
 *   Any other N8N_* variable is passed through to n8n.
 *
 * Ctrl-C / SIGTERM is forwarded once to n8n, which shuts down gracefully; a second Ctrl-C kills it.
 * Offline, n8n's MCP-registry refresh would log "getaddrinfo ENOTFOUND api.n8n.io" with a stack
 * trace once per start, so N8N_DISABLED_MODULES defaults to mcp-registry here.
 */

const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const support = require('../test/support/n8n');

const ROOT = support.ROOT;
const PKG_NAME = support.PKG_NAME;
const CREDENTIAL_TYPE = 'visionChatApi';
const CREDENTIAL_ID = 'visionChatApiEnv'; // n8n ids are 16 characters
const CREDENTIAL_NAME = 'Vision Chat API (from VISION_API_KEY)';
const DEFAULT_BASE_URL = 'https://www.kkiai.com/v1';

const log = (msg) => process.stdout.write(`[start] ${msg}\n`);
const secs = support.secs;

function userFolder() {
	return process.env.VISION_N8N_USER_FOLDER ? path.resolve(process.env.VISION_N8N_USER_FOLDER) : path.join(support.cacheDir(), 'user');
}

/** A 16-character n8n-style id derived from a string, so re-imports overwrite instead of duplicating. */
function stableId(seed) {
	const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
	const bytes = crypto.createHash('sha256').update(seed).digest();
	let id = '';
	for (let i = 0; i < 16; i++) id += alphabet[bytes[i] % alphabet.length];
	return id;
}

/** Reads examples/*.json and points their Vision Chat credentials at CREDENTIAL_ID. */
function loadExamples() {
	const dir = path.join(ROOT, 'examples');
	if (!fs.existsSync(dir)) return [];
	const workflows = [];
	for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
		let parsed;
		try {
			parsed = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
		} catch (e) {
			log(`warning: skipping examples/${file}: ${e.message}`);
			continue;
		}
		const list = Array.isArray(parsed) ? parsed : [parsed];
		list.forEach((wf, i) => {
			if (!wf || typeof wf !== 'object' || !Array.isArray(wf.nodes) || !wf.connections) {
				log(`warning: skipping examples/${file}${list.length > 1 ? `[${i}]` : ''}: not a workflow (needs nodes and connections)`);
				return;
			}
			if (!wf.id) wf.id = stableId(`${PKG_NAME}/examples/${file}#${i}`);
			if (!wf.name) wf.name = path.basename(file, '.json');
			for (const node of wf.nodes) {
				const ours = typeof node.type === 'string' && node.type.startsWith(`${PKG_NAME}.visionChat`);
				if ((node.credentials && node.credentials[CREDENTIAL_TYPE]) || (ours && !node.credentials))
					node.credentials = { ...node.credentials, [CREDENTIAL_TYPE]: { id: CREDENTIAL_ID, name: CREDENTIAL_NAME } };
			}
			workflows.push({ file, workflow: wf });
		});
	}
	return workflows;
}

/** n8n import:credentials and import:workflow, skipped when nothing changed since the last run. */
async function importFromEnv(n8n, spawnEnv, folder) {
	const apiKey = process.env.VISION_API_KEY;
	if (!apiKey) {
		log('VISION_API_KEY is not set: no credential or example workflows imported');
		return;
	}
	const baseUrl = process.env.VISION_BASE_URL || DEFAULT_BASE_URL;
	const examples = loadExamples();
	const credential = {
		id: CREDENTIAL_ID,
		name: CREDENTIAL_NAME,
		type: CREDENTIAL_TYPE,
		data: { apiKey, baseUrl }, // plain: import:credentials encrypts it with the instance key
	};
	const hash = crypto
		.createHash('sha256')
		.update(JSON.stringify({ v: 1, credential, examples: examples.map((e) => e.workflow) }))
		.digest('hex');
	const stampFile = path.join(folder, '.vision-import-stamp');
	const db = path.join(folder, '.n8n', 'database.sqlite');
	if (
		!process.env.VISION_FORCE_IMPORT &&
		fs.existsSync(db) &&
		fs.existsSync(stampFile) &&
		fs.readFileSync(stampFile, 'utf8').trim() === hash
	) {
		log(`credential "${CREDENTIAL_NAME}" and ${examples.length} example workflow(s) already imported (VISION_FORCE_IMPORT=1 to redo)`);
		return;
	}

	const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vision-import-'));
	fs.chmodSync(tmp, 0o700);
	try {
		const t0 = Date.now();
		const credFile = path.join(tmp, 'credentials.json');
		fs.writeFileSync(credFile, JSON.stringify([credential], null, 2), { mode: 0o600 });
		log(`importing credential "${CREDENTIAL_NAME}" (id ${CREDENTIAL_ID}, base URL ${baseUrl})`);
		await support.run(n8n.node, [n8n.n8nMain, 'import:credentials', `--input=${credFile}`], { env: spawnEnv });
		log(`credential imported in ${secs(t0)} s`);

		if (examples.length) {
			const t1 = Date.now();
			const wfFile = path.join(tmp, 'workflows.json');
			fs.writeFileSync(wfFile, JSON.stringify(examples.map((e) => e.workflow), null, 2), { mode: 0o600 });
			log(`importing ${examples.length} example workflow(s): ${examples.map((e) => `${e.file} (id ${e.workflow.id})`).join(', ')}`);
			await support.run(n8n.node, [n8n.n8nMain, 'import:workflow', `--input=${wfFile}`], { env: spawnEnv });
			log(`workflows imported in ${secs(t1)} s`);
		} else {
			log('no examples/*.json to import');
		}
		fs.writeFileSync(stampFile, hash + '\n');
	} finally {
		fs.rmSync(tmp, { recursive: true, force: true });
	}
}

async function prepare(port, brokerPort) {
	await support.ensureDeps(ROOT);
	if (process.env.VISION_SKIP_BUILD) log('VISION_SKIP_BUILD is set: not building');
	else {
		await support.ensureBuilt(ROOT).catch((e) => {
			throw new Error(`${e.message}. Fix the errors above, or run the last build as it is: VISION_SKIP_BUILD=1 npm start`);
		});
	}
	const n8n = await support.ensureN8n(ROOT);
	for (const p of [port, brokerPort]) {
		if (await support.portInUse(p)) throw new Error(`port ${p} is already in use (another n8n?). Stop it, or pick other ports: N8N_PORT=5700 N8N_RUNNERS_BROKER_PORT=5701 npm start`);
	}
	const folder = userFolder();
	fs.mkdirSync(folder, { recursive: true });
	fs.rmSync(path.join(folder, 'vision-stage'), { recursive: true, force: true }); // an older layout
	const hasDist = fs.existsSync(path.join(ROOT, 'dist', 'nodes'));
	if (hasDist) {
		// Installed as users get it (a community package), so the types and the credential test on save are theirs.
		const packDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vision-pack-'));
		const { packageDir } = support.installCommunityPackage({ userFolder: folder, packed: support.packPackage(ROOT, packDir) });
		fs.rmSync(packDir, { recursive: true, force: true });
		log(`package installed as a community package in ${packageDir}`);
	} else log(`warning: ${path.join(ROOT, 'dist')} does not exist; n8n starts without this package's nodes`);
	const spawnEnv = support.n8nEnv({ userFolder: folder, port, brokerPort });
	spawnEnv.N8N_DISABLED_MODULES ??= 'mcp-registry';
	await importFromEnv(n8n, spawnEnv, folder);
	return { n8n, folder, spawnEnv, hasDist };
}

async function main() {
	const tStart = Date.now();
	const port = Number(process.env.N8N_PORT || 5678);
	const brokerPort = Number(process.env.N8N_RUNNERS_BROKER_PORT || port + 1);
	const { n8n, folder, spawnEnv, hasDist } = await prepare(port, brokerPort);

	log(`starting n8n ${support.N8N_VERSION} on ${n8n.node} (user folder ${folder})`);
	const tN8n = Date.now();
	// Own process group: a terminal Ctrl-C reaches only this script, which forwards it once.
	// (n8n handles SIGINT with process.once; a second SIGINT would kill it mid-shutdown.)
	const proc = support.spawnN8n(n8n, ['start'], spawnEnv, { inherit: true });
	const { child } = proc;
	let stopping = null;
	let unhealthy = false;
	const stop = (signal) => {
		if (child.exitCode !== null || child.signalCode !== null) return;
		if (!stopping) {
			stopping = Date.now();
			log(`${signal}: stopping n8n (pid ${child.pid}) gracefully…`);
			try {
				child.kill(signal === 'SIGHUP' ? 'SIGTERM' : signal);
			} catch {}
		} else {
			log(`${signal} again: killing n8n (pid ${child.pid})`);
			support.killGroup(child, 'SIGKILL');
		}
	};
	for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => stop(sig));

	try {
		await support.waitForHealth(port, 180000, { child, path: '/healthz' });
		const tHealth = secs(tN8n);
		await support.waitForHealth(port, 180000, { child, path: '/healthz/readiness' });
		log(`n8n is ready: http://localhost:${port}/  (/healthz after ${tHealth} s, ready after ${secs(tN8n)} s; whole start ${secs(tStart)} s)`);
		if (hasDist) log('the Vision Chat node is in the nodes panel (search "vision"); Ctrl-C stops n8n');
	} catch (e) {
		if (!stopping) {
			unhealthy = true;
			log(`n8n did not become healthy: ${e.message}`);
			stop('SIGTERM');
		}
	}

	const { code, signal } = await proc.gone;
	if (stopping) log(`n8n stopped (${signal ? `signal ${signal}` : `exit code ${code}`}) ${secs(stopping)} s after the signal`);
	else log(`n8n exited (${signal ? `signal ${signal}` : `exit code ${code}`})`);
	const clean = code === 0 || signal === 'SIGINT' || signal === 'SIGTERM';
	process.exitCode = stopping && clean && !unhealthy ? 0 : code || 1;
}

if (require.main === module) {
	main().catch((err) => {
		log(`start failed: ${err.message}`);
		process.exitCode = 1;
	});
}

module.exports = { main, importFromEnv, loadExamples, CREDENTIAL_ID, CREDENTIAL_NAME, CREDENTIAL_TYPE };
