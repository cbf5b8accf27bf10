'use strict';
/**
 * The node in a real n8n 2.41.1 editor, driven like a user with playwright-core and Debian's
 * chromium (headless): a fresh user folder with the package installed as a community package
 * (not N8N_CUSTOM_EXTENSIONS: n8n 2.41 gives custom extension credentials no `supportedNodes`,
 * so the editor would never test a credential), the loopback model server (./answers.js), the
 * owner account made over REST, then the steps of ./steps-*.js, each one check; a step whose
 * prerequisite step did not pass fails as "not run". Screenshots go to
 * test-results/screenshots/ (`npm run docs:update` copies them into docs/screenshots/).
 *
 * Environment: CHROMIUM_PATH (default /usr/bin/chromium, installed with apt-get when missing),
 * VISION_UI_PORT (n8n's port, its broker the next; default: the first free pair from 5700),
 * VISION_UI_HEADED=1 (show the browser), VISION_UI_KEEP=1 (keep the temporary folder).
 */
const { test } = require('node:test');
const fs = require('fs');
const os = require('os');
const path = require('path');

const support = require('../support/n8n');
const { startServer } = require('./answers');
const { createPage } = require('./page');
const { addNodeSteps } = require('./steps-add');
const { credentialSteps } = require('./steps-credential');
const { runSteps } = require('./steps-run');

const ROOT = support.ROOT;
const t0 = Date.now();
const log = (msg) => process.stdout.write(`[editor ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${msg}\n`);
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** What the suite needs beyond n8n: Debian's chromium and playwright-core. */
async function browserPrerequisites(t) {
	return support.prerequisite(t, 'chromium and playwright-core', async () => {
		const chromiumPath = await support.ensureChromium(log);
		const playwright = require('playwright-core');
		playwright.selectors.setTestIdAttribute('data-test-id');
		return { chromiumPath, playwright };
	});
}

/** n8n with the package, in a fresh user folder; resolves once it is ready and has an owner. */
async function startN8n(state, n8n) {
	const userFolder = path.join(state.tmp, 'n8n-user');
	const logFile = path.join(state.tmp, 'n8n.log');
	support.installCommunityPackage({ userFolder, packed: support.packPackage(ROOT, path.join(state.tmp, 'pack')) });
	const [port, brokerPort] = await support.freePorts(2, 5700, process.env.VISION_UI_PORT);
	log(`starting n8n ${support.N8N_VERSION} on port ${port} (broker ${brokerPort}), log ${logFile}`);
	const extra = { N8N_DISABLED_MODULES: process.env.N8N_DISABLED_MODULES || 'mcp-registry', N8N_LOG_LEVEL: process.env.N8N_LOG_LEVEL || 'info' };
	state.proc = support.spawnN8n(n8n, ['start'], support.n8nEnv({ userFolder, port, brokerPort, extra }), { name: 'n8n', logFile });
	try {
		await support.waitForHealth(port, 240000, { child: state.proc.child, path: '/healthz/readiness' });
	} catch (error) {
		throw new Error(`${error.message}\n--- n8n log (tail) ---\n${tail(state.proc)}`);
	}
	await support.restClient(`http://127.0.0.1:${port}`).setupOwner(support.OWNER);
	log(`n8n ready; owner ${support.OWNER.email} created via POST /rest/owner/setup`);
	return `http://localhost:${port}`;
}

/** The last lines of n8n's output, without stack frames (offline, n8n logs a few harmless ones). */
const tail = (proc, lines = 40) => proc.lines.map((l) => l.text).filter((l) => !/^\s+at /.test(l)).slice(-lines).join('\n');

/** Each step is one check; `needs` names steps that must have passed first. */
function stepRunner(check, ui, failureDir) {
	const outcome = {};
	const step = (id, title, fn, needs = []) =>
		check(title, async () => {
			const missing = needs.filter((n) => outcome[n] !== 'passed');
			if (missing.length) {
				outcome[id] = 'not run';
				throw new Error(`not run: it needs ${missing.join(', ')}, which did not pass`);
			}
			try {
				await fn();
				outcome[id] = 'passed';
			} catch (error) {
				outcome[id] = 'failed';
				fs.mkdirSync(failureDir, { recursive: true });
				await ui.page.screenshot({ path: path.join(failureDir, `${id}.png`) }).catch(() => {});
				throw error;
			}
		});
	return { step, outcome };
}

test('the node in the n8n 2.41.1 editor, in a real browser', async (t) => {
	const n8n = await support.prerequisite(t, 'n8n 2.41.1 in the cache', () => support.ensureN8n(ROOT));
	const browser = n8n && (await browserPrerequisites(t));
	if (!browser) return;
	const state = { tmp: fs.mkdtempSync(path.join(os.tmpdir(), 'vision-ui-')) };
	const cleanup = async () => {
		if (state.context) await state.context.close().catch(() => {});
		if (state.server) await state.server.close().catch(() => {});
		if (state.proc) await support.stopN8n(state.proc, 15000);
		state.context = state.server = state.proc = null;
	};
	support.onInterrupt(cleanup);
	const check = support.checker(t);
	try {
		state.server = await startServer();
		log(`loopback OpenAI-compatible server on ${state.server.baseUrl}`);
		const baseUrl = await startN8n(state, n8n);
		const userDataDir = path.join(state.tmp, 'chromium-profile');
		fs.mkdirSync(userDataDir);
		state.context = await browser.playwright.chromium.launchPersistentContext(userDataDir, {
			executablePath: browser.chromiumPath,
			headless: !process.env.VISION_UI_HEADED,
			args: CHROMIUM_ARGS,
			viewport: { width: 1440, height: 900 },
			deviceScaleFactor: 1,
			locale: 'en-US',
			timezoneId: 'UTC',
		});
		log(`chromium ${state.context.browser()?.version() ?? ''} started (profile ${userDataDir})`);
		const screenshotDir = support.artifactsDir('screenshots');
		fs.rmSync(screenshotDir, { recursive: true, force: true });
		fs.mkdirSync(screenshotDir, { recursive: true });
		const distDir = path.join(ROOT, 'dist');
		const ui = await createPage({ context: state.context, baseUrl, server: state.server, screenshotDir, distDir });
		const { step, outcome } = stepRunner(check, ui, path.join(state.tmp, 'failures'));
		const env = { baseUrl, owner: support.OWNER, server: state.server, outcome, distDir, log };
		await addNodeSteps(ui, step, env);
		await credentialSteps(ui, step, env);
		await runSteps(ui, step, env);
		log(`screenshots written: ${ui.written.length} in ${path.relative(ROOT, screenshotDir)}`);
	} finally {
		if (check.failed() && state.proc) log(`n8n log (tail):\n${tail(state.proc, 25)}`);
		await cleanup();
		if (process.env.VISION_UI_KEEP) log(`kept ${state.tmp} (failure screenshots in ${path.join(state.tmp, 'failures')})`);
		else fs.rmSync(state.tmp, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
	}
});
