'use strict';
/**
 * The answer streams live to the caller in a real n8n 2.41.1, and the package runs on n8n 1.x
 * with Node 20:
 *
 *   1. a loopback OpenAI-compatible server whose answer streams slowly: 20 text chunks, 100 ms
 *      apart (test/n8n-live-streaming/answers.js)
 *   2. a fresh n8n user folder with the package installed as a community package (and sharp beside
 *      it, as the README says); credential and
 *      workflows (examples/webhook-streaming.json, examples/chat-streaming.json and a copy of the
 *      first with streamToCaller off) imported and published, headless, before `n8n start`
 *   3. the checks of ./checks.js: (a) Webhook "Streaming", (b) Chat Trigger
 *   4. test/n8n-live-streaming/n8n1-compat.js on the SYSTEM Node 20 (./compat.js), run while n8n boots
 *
 * Environment: VISION_STREAMING_PORT (n8n's port, its broker the next; default: the first free
 * pair from 5730), VISION_NODE20 (the Node 20 binary), VISION_KEEP=1 (keep the user folder and
 * its n8n.log), VISION_SKIP_N8N1=1 (leave out the n8n 1.x check).
 */
const { test } = require('node:test');
const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const { performance } = require('perf_hooks');

const support = require('../support/n8n');
const { startStreamingServer } = require('./answers');
const { waitForWebhooks, executions } = require('./n8n-api');
const { webhookChecks, chatChecks } = require('./checks');
const { startCompat, compatChecks } = require('./compat');

const ROOT = support.ROOT;
const PKG_NAME = support.PKG_NAME;
const CREDENTIAL = { id: 'VisionChatApi001', name: 'Vision Chat API', type: 'visionChatApi' };
const IDS = { webhook: 'VisionStreamWeb1', quiet: 'VisionStreamWeb2', chat: 'VisionStreamChat' };
const QUIET_PATH = 'vision-stream-quiet';
const OWNER = { email: 'owner@vision-stream.test', firstName: 'Stream', lastName: 'Test', password: 'Stream-Test-2026' };
const secs = (ms) => `${(ms / 1000).toFixed(2)} s`;

const readExample = (file) => JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', file), 'utf8'));
/** An example as the test imports it: unchanged but for an id (the package is installed as users install it). */
const forImport = (workflow, id) => ({ ...structuredClone(workflow), id });

function buildWorkflows() {
	const webhook = forImport(readExample('webhook-streaming.json'), IDS.webhook);
	const quiet = forImport(readExample('webhook-streaming.json'), IDS.quiet);
	quiet.name = `${quiet.name} (streamToCaller off)`;
	const trigger = quiet.nodes.find((n) => n.type === 'n8n-nodes-base.webhook');
	trigger.parameters.path = QUIET_PATH;
	trigger.webhookId = crypto.randomUUID();
	const vision = quiet.nodes.find((n) => n.type === `${PKG_NAME}.visionChat`);
	vision.parameters.options = { ...vision.parameters.options, streamToCaller: false };
	for (const node of quiet.nodes) node.id = crypto.randomUUID();
	const chat = forImport(readExample('chat-streaming.json'), IDS.chat);
	return { webhook, quiet, chat };
}

/** Package, credential and workflows in a fresh user folder; then `n8n start` until its webhooks answer. */
async function startN8n(ctx) {
	const { n8n, userFolder, logFile, port, brokerPort, server } = ctx;
	support.installCommunityPackage({ userFolder, packed: support.packPackage(ROOT, path.join(userFolder, 'pack')) });
	// As the README says (docs/conversation.md: the memory keeps downscaled copies with sharp).
	console.log(`# sharp installed beside the package in ${secs(support.installSharp({ userFolder }).ms)}`);
	const extra = { N8N_DISABLED_MODULES: 'mcp-registry', N8N_LOG_LEVEL: 'info', N8N_HOST: '127.0.0.1', N8N_LISTEN_ADDRESS: '127.0.0.1' };
	const env = support.n8nEnv({ userFolder, port, brokerPort, extra });
	const tImport = performance.now();
	const credFile = path.join(userFolder, 'credentials.json');
	fs.writeFileSync(credFile, JSON.stringify([{ ...CREDENTIAL, data: { apiKey: 'sk-streaming-test', baseUrl: server.baseUrl, customHeaders: '' } }]), { mode: 0o600 });
	await support.cli(n8n, ['import:credentials', `--input=${credFile}`], env, { logFile });
	ctx.workflows = buildWorkflows();
	const wfFile = path.join(userFolder, 'workflows.json');
	fs.writeFileSync(wfFile, JSON.stringify(Object.values(ctx.workflows)));
	await support.cli(n8n, ['import:workflow', `--input=${wfFile}`], env, { logFile });
	for (const wf of Object.values(ctx.workflows)) await support.cli(n8n, ['publish:workflow', `--id=${wf.id}`], env, { logFile });
	console.log(`# credential + ${Object.keys(ctx.workflows).length} workflows imported and published in ${secs(performance.now() - tImport)}`);

	const tStart = performance.now();
	ctx.proc = support.spawnN8n(n8n, ['start'], env, { name: 'n8n', logFile });
	await support.waitForHealth(port, 180000, { child: ctx.proc.child, path: '/healthz/readiness' });
	console.log(`# n8n ready in ${secs(performance.now() - tStart)} (log: ${logFile})`);
	ctx.webhookPath = ctx.workflows.webhook.nodes.find((n) => n.type === 'n8n-nodes-base.webhook').parameters.path;
	ctx.chatId = ctx.workflows.chat.nodes.find((n) => n.type === '@n8n/n8n-nodes-langchain.chatTrigger').webhookId;
	await waitForWebhooks(ctx.base, [`/webhook/${ctx.webhookPath}`, `/webhook/${QUIET_PATH}`, `/webhook/${ctx.chatId}/chat`]);
	console.log(`# webhooks registered ${secs(performance.now() - tStart)} after n8n start`);
	const { parse: unflatten } = require(require.resolve('flatted', { paths: [path.join(n8n.home, 'node_modules', 'n8n')] }));
	const rest = support.restClient(ctx.base);
	await rest.setupOwner(OWNER);
	ctx.api = executions(rest, unflatten);
}

function printFigures(measured) {
	for (const [label, m] of [['Webhook', measured.webhook], ['Chat', measured.chat]]) {
		if (m) console.log(`# ${`${label}:`.padEnd(8)} first text chunk ${m.firstMs.toFixed(0)} ms after the model began streaming (${m.fromRequestFirstMs.toFixed(0)} ms after the POST), last ${m.lastMs.toFixed(0)} ms, response complete ${m.fromRequestTotalMs.toFixed(0)} ms after the POST`);
	}
	for (const [label, h] of [['Webhook', measured.webhookHeaders], ['Chat', measured.chatHeaders]]) {
		if (h) console.log(`# ${label} response headers: content-type ${h['content-type'] || '(none)'}, transfer-encoding ${h['transfer-encoding'] || '(none)'}, connection ${h.connection || '(none)'}`);
	}
}

test('live streaming through a real n8n 2.41.1, and n8n 1.x on Node 20', async (t) => {
	const n8n = await support.prerequisite(t, 'n8n 2.41.1 in the cache', () => support.ensureN8n(ROOT));
	if (!n8n) return;
	const tSuite = performance.now();
	const [port, brokerPort] = await support.freePorts(2, 5730, process.env.VISION_STREAMING_PORT);
	console.log(`# streaming suite: n8n ${support.N8N_VERSION} on ports ${port}/${brokerPort}`);
	// The n8n 1.x check needs nothing from n8n 2.x: it runs on Node 20 while n8n boots.
	const compat = process.env.VISION_SKIP_N8N1 === '1' ? null : startCompat(ROOT);
	if (!compat) console.log('skipped: the n8n 1.x check (VISION_SKIP_N8N1=1)');
	const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'vision-streaming-'));
	const check = support.checker(t);
	const ctx = { n8n, port, brokerPort, userFolder, logFile: path.join(userFolder, 'n8n.log'), base: `http://127.0.0.1:${port}`, check, IDS, QUIET_PATH, measured: {} };
	ctx.server = await startStreamingServer({ delayMs: 100 });
	let failure = null;
	try {
		await startN8n(ctx);
		await webhookChecks(ctx);
		await chatChecks(ctx);
	} catch (error) {
		failure = error;
	} finally {
		if (ctx.proc) {
			const tStop = performance.now();
			const how = await support.stopN8n(ctx.proc);
			console.log(`# n8n stopped (${how.signal || `exit code ${how.code}`}) in ${secs(performance.now() - tStop)}`);
		}
		await ctx.server.close();
	}
	const failed = Boolean(failure) || check.failed();
	if (failed && fs.existsSync(ctx.logFile)) {
		console.log(`# last lines of ${ctx.logFile}:`);
		for (const line of fs.readFileSync(ctx.logFile, 'utf8').trim().split('\n').slice(-40)) console.log(`#   ${line}`);
	}
	if (process.env.VISION_KEEP === '1' || failed) console.log(`# kept ${userFolder}`);
	else fs.rmSync(userFolder, { recursive: true, force: true });
	if (compat) await compatChecks(check, await compat);
	printFigures(ctx.measured);
	console.log(`# suite took ${secs(performance.now() - tSuite)}`);
	if (failure) throw failure;
});
