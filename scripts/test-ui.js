#!/usr/bin/env node
'use strict';
/**
 * `npm run test:ui`: the node in a real n8n 2.41.1 editor, driven like a user with playwright-core
 * and Debian's chromium (headless). See test/ui/flow.js for what is asserted.
 *
 *   1. ensureDeps / ensureBuilt / ensureN8n (scripts/n8n-env.js)
 *   2. /usr/bin/chromium: apt-get install -y chromium when missing (apt-get update first)
 *   3. the loopback OpenAI-compatible server (test/server.ts with test/ui/answers.js)
 *   4. n8n start on the first free port pair in 5700-5709, in a fresh user folder, with this
 *      package installed the way n8n installs community packages
 *      (<user folder>/.n8n/nodes/node_modules/n8n-nodes-vision-stream, type
 *      n8n-nodes-vision-stream.visionChat). Not N8N_CUSTOM_EXTENSIONS: n8n 2.41 gives custom
 *      extension credentials no `supportedNodes`, so the editor would never test a credential.
 *   5. owner account via POST /rest/owner/setup, then the browser flow (sign-in form first)
 *   6. screenshots into docs/screenshots/, a "N passed, N failed" line, exit 1 on any failure
 *
 * Environment:
 *   CHROMIUM_PATH        browser binary (default /usr/bin/chromium, installed when missing)
 *   VISION_UI_PORT       n8n port (its broker gets port + 1); default: first free pair in 5700-5709
 *   VISION_UI_HEADED=1   show the browser (needs a display)
 *   VISION_UI_KEEP=1     keep the temporary folder (n8n log, user folder) for inspection
 *   VISION_UI_SKIP_BUILD=1  do not run the build
 */

const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');
const env = require('./n8n-env');

const ROOT = env.ROOT;
const SCREENSHOT_DIR = path.join(ROOT, 'docs', 'screenshots');
const PORT_RANGE = [5700, 5709];
const OWNER = { email: 'owner@example.com', firstName: 'Ada', lastName: 'Lovelace', password: 'VisionUi-2041' };

const t0 = Date.now();
const secs = (t) => ((Date.now() - t) / 1000).toFixed(1);
const log = (msg) => process.stdout.write(`[test-ui ${secs(t0).padStart(5)}s] ${msg}\n`);

// ---------------------------------------------------------------- chromium

async function ensureChromium() {
	const bin = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
	if (fs.existsSync(bin)) return bin;
	if (process.env.CHROMIUM_PATH) throw new Error(`CHROMIUM_PATH=${bin} does not exist`);
	if (process.platform !== 'linux' || (process.getuid && process.getuid() !== 0)) {
		throw new Error(`${bin} is missing; install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`);
	}
	const lock = ['-o', 'DPkg::Lock::Timeout=600'];
	const t = Date.now();
	log(`${bin} is missing: apt-get update && apt-get install -y chromium`);
	await env.run('apt-get', ['update', ...lock], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
	await env.run('apt-get', ['install', '-y', ...lock, 'chromium'], {
		env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
	});
	if (!fs.existsSync(bin)) throw new Error(`apt-get install chromium did not produce ${bin}`);
	log(`chromium installed in ${secs(t)} s`);
	return bin;
}

// ---------------------------------------------------------------- package staging

/**
 * Lays the package out as n8n's community-package installer does: package.json without dev/peer
 * dependencies, dist/, and the runtime dependencies in the package's own node_modules.
 */
function installAsCommunityPackage(userFolder) {
	const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
	const pkgDir = path.join(userFolder, '.n8n', 'nodes', 'node_modules', pkg.name);
	fs.mkdirSync(pkgDir, { recursive: true });
	const { devDependencies, peerDependencies, optionalDependencies, scripts, ...installed } = pkg;
	fs.writeFileSync(path.join(pkgDir, 'package.json'), JSON.stringify(installed, null, 2) + '\n');
	fs.cpSync(path.join(ROOT, 'dist'), path.join(pkgDir, 'dist'), { recursive: true });
	for (const dep of Object.keys(pkg.dependencies || {})) {
		const target = path.join(ROOT, 'node_modules', dep);
		if (!fs.existsSync(target)) throw new Error(`dependency ${dep} is not installed in ${ROOT}/node_modules`);
		const link = path.join(pkgDir, 'node_modules', dep);
		fs.mkdirSync(path.dirname(link), { recursive: true });
		fs.symlinkSync(target, link, 'dir');
	}
	// n8n's own record of installed packages (Settings > Community nodes reads it).
	fs.writeFileSync(
		path.join(userFolder, '.n8n', 'nodes', 'package.json'),
		JSON.stringify({ name: 'installed-nodes', private: true, dependencies: { [pkg.name]: pkg.version } }, null, 2) + '\n',
	);
	return { pkgDir, packageName: pkg.name };
}

// ---------------------------------------------------------------- ports

async function pickPorts() {
	if (process.env.VISION_UI_PORT) {
		const port = Number(process.env.VISION_UI_PORT);
		return { port, brokerPort: port + 1 };
	}
	for (let port = PORT_RANGE[0]; port < PORT_RANGE[1]; port += 2) {
		if (!(await env.portInUse(port)) && !(await env.portInUse(port + 1))) return { port, brokerPort: port + 1 };
	}
	throw new Error(`no free port pair in ${PORT_RANGE.join('-')}; set VISION_UI_PORT`);
}

// ---------------------------------------------------------------- n8n

function startN8n(n8n, { userFolder, port, brokerPort, logFile }) {
	const out = fs.openSync(logFile, 'a');
	const child = spawn(n8n.node, [n8n.n8nMain, 'start'], {
		env: env.n8nEnv({
			userFolder,
			port,
			brokerPort,
			extra: {
				// Offline: the MCP registry refresh only logs a stack trace.
				N8N_DISABLED_MODULES: process.env.N8N_DISABLED_MODULES || 'mcp-registry',
				N8N_LOG_LEVEL: process.env.N8N_LOG_LEVEL || 'info',
			},
		}),
		stdio: ['ignore', out, out],
		detached: process.platform !== 'win32',
	});
	fs.closeSync(out);
	return child;
}

function stopProcessGroup(child, graceMs = 15000) {
	return new Promise((resolve) => {
		if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
		const kill = (sig) => {
			try {
				process.kill(-child.pid, sig);
			} catch {
				try {
					child.kill(sig);
				} catch {}
			}
		};
		const timer = setTimeout(() => kill('SIGKILL'), graceMs);
		child.once('exit', () => {
			clearTimeout(timer);
			// The task runner shares the group; make sure nothing of it is left.
			kill('SIGKILL');
			resolve();
		});
		kill('SIGTERM');
	});
}

async function setupOwner(port) {
	const res = await fetch(`http://127.0.0.1:${port}/rest/owner/setup`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(OWNER),
	});
	const body = await res.text();
	if (!res.ok) throw new Error(`POST /rest/owner/setup: HTTP ${res.status}: ${body.slice(0, 300)}`);
}

/** The last lines of n8n's log, without stack frames (offline, n8n logs a few harmless ones). */
function tail(file, lines = 40) {
	try {
		return fs
			.readFileSync(file, 'utf8')
			.split('\n')
			.filter((l) => !/^\s+at /.test(l))
			.slice(-lines)
			.join('\n');
	} catch {
		return '(no log)';
	}
}

// ---------------------------------------------------------------- main

async function main() {
	let playwright;
	const state = { n8nChild: null, server: null, context: null, tmp: null, interrupted: false };

	const cleanup = async () => {
		if (state.context) await state.context.close().catch(() => {});
		state.context = null;
		if (state.server) await state.server.close().catch(() => {});
		state.server = null;
		if (state.n8nChild) await stopProcessGroup(state.n8nChild);
		state.n8nChild = null;
		if (state.tmp && !process.env.VISION_UI_KEEP) fs.rmSync(state.tmp, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
	};
	for (const sig of ['SIGINT', 'SIGTERM']) {
		process.once(sig, () => {
			state.interrupted = true;
			log(`${sig}: cleaning up`);
			cleanup().finally(() => process.exit(130));
		});
	}
	process.on('exit', () => {
		if (state.n8nChild && state.n8nChild.exitCode === null) {
			try {
				process.kill(-state.n8nChild.pid, 'SIGKILL');
			} catch {}
		}
	});

	try {
		await env.ensureDeps(ROOT);
		if (!process.env.VISION_UI_SKIP_BUILD) await env.ensureBuilt(ROOT);
		if (!fs.existsSync(path.join(ROOT, 'dist', 'nodes', 'VisionChat', 'VisionChat.node.js'))) {
			throw new Error('dist/ has no built node; run npm run build');
		}
		const n8n = await env.ensureN8n(ROOT);
		const chromiumPath = await ensureChromium();
		try {
			playwright = require('playwright-core');
		} catch {
			throw new Error('playwright-core is not installed: run npm install');
		}
		playwright.selectors.setTestIdAttribute('data-test-id');

		state.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vision-ui-'));
		const userFolder = path.join(state.tmp, 'n8n-user');
		const logFile = path.join(state.tmp, 'n8n.log');
		const { pkgDir } = installAsCommunityPackage(userFolder);
		log(`package installed as a community package in ${pkgDir}`);

		const { startServer } = require('../test/ui/answers');
		state.server = await startServer();
		log(`loopback OpenAI-compatible server on ${state.server.baseUrl}`);

		const { port, brokerPort } = await pickPorts();
		log(`starting n8n ${env.N8N_VERSION} on port ${port} (broker ${brokerPort}), log ${logFile}`);
		const tN8n = Date.now();
		state.n8nChild = startN8n(n8n, { userFolder, port, brokerPort, logFile });
		try {
			await env.waitForHealth(port, 240000, { child: state.n8nChild, path: '/healthz/readiness' });
		} catch (e) {
			throw new Error(`${e.message}\n--- n8n log (tail) ---\n${tail(logFile)}`);
		}
		const n8nStartS = secs(tN8n);
		log(`n8n ready after ${n8nStartS} s`);
		await setupOwner(port);
		log(`owner ${OWNER.email} created via POST /rest/owner/setup`);

		const tBrowser = Date.now();
		const userDataDir = path.join(state.tmp, 'chromium-profile');
		fs.mkdirSync(userDataDir);
		state.context = await playwright.chromium.launchPersistentContext(userDataDir, {
			executablePath: chromiumPath,
			headless: !process.env.VISION_UI_HEADED,
			args: [
				'--no-sandbox',
				'--disable-gpu',
				'--disable-quic',
				'--no-first-run',
				'--disable-background-networking',
				'--disable-component-update',
				'--disable-sync',
			],
			viewport: { width: 1440, height: 900 },
			deviceScaleFactor: 1,
			locale: 'en-US',
			timezoneId: 'UTC',
		});
		log(`chromium ${state.context.browser()?.version() ?? ''} started in ${secs(tBrowser)} s (profile ${userDataDir})`);

		fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
		const { runFlow } = require('../test/ui/flow');
		const summary = await runFlow({
			context: state.context,
			baseUrl: `http://localhost:${port}`,
			owner: OWNER,
			server: state.server,
			screenshotDir: SCREENSHOT_DIR,
			failureDir: path.join(state.tmp, 'failures'),
			distDir: path.join(ROOT, 'dist'),
			log,
		});

		if (summary.failed > 0) {
			log(`n8n log (tail):\n${tail(logFile, 25)}`);
			if (process.env.VISION_UI_KEEP) log(`kept ${state.tmp} (failure screenshots in ${path.join(state.tmp, 'failures')})`);
		}
		log(`timings: n8n start ${n8nStartS} s, browser flow ${summary.seconds} s, total ${secs(t0)} s`);
		await cleanup();
		const skipped = summary.skipped ? `, ${summary.skipped} skipped` : '';
		process.stdout.write(`${summary.passed} passed, ${summary.failed} failed${skipped}\n`);
		process.exitCode = summary.failed > 0 || summary.skipped > 0 ? 1 : 0;
	} catch (err) {
		log(`error: ${err && err.stack ? err.stack : err}`);
		await cleanup();
		process.stdout.write('0 passed, 1 failed\n');
		process.exitCode = 1;
	}
}

if (require.main === module) main();
