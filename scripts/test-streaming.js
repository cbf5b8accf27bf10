#!/usr/bin/env node
'use strict';
/**
 * `npm run test:streaming`: the answer streams live to the caller in a real n8n 2.41.1, and the
 * package runs on n8n 1.x with Node 20.
 *
 *   1. build (when sources changed), n8n 2.41.1 (installed once, ~/.cache/n8n-nodes-vision-stream)
 *   2. a loopback OpenAI-compatible server whose answer streams slowly: 20 text chunks, 100 ms apart
 *   3. a fresh n8n user folder with the package installed as a community package (node type
 *      n8n-nodes-vision-stream.visionChat, as for users); credential and workflows (examples/webhook-streaming.json, examples/chat-streaming.json and a
 *      copy of the first with streamToCaller off) imported, then published, headless, before `n8n start`
 *   4. (a) Webhook "Streaming" -> Vision Chat: multipart image upload, timed line by line
 *      (b) Chat Trigger (public, embedded, streaming) -> Vision Chat: a message with a file, sent
 *          as n8n's chat widget sends it, and a text-only one
 *   5. test/streaming/n8n1-compat.js on the SYSTEM Node 20 (n8n 1.x's WorkflowExecute), run
 *      while n8n boots
 *
 * Ends with `N passed, N failed` and exits non-zero on failure. Leaves nothing running.
 *
 * Environment:
 *   VISION_STREAMING_PORT     n8n's HTTP port (default 5730); its task-runner broker uses port + 1
 *   VISION_NODE20             the Node 20 binary for the n8n 1.x check (default: `node` on PATH
 *                             without node_modules/.bin, else /usr/bin/node)
 *   VISION_KEEP=1             keep the temporary n8n user folder (its n8n.log) after the run
 *   VISION_SKIP_N8N1=1        skip the n8n 1.x check
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const { spawn, spawnSync } = require('child_process');
const { performance } = require('perf_hooks');

const env = require('./n8n-env');
const { startStreamingServer, imagesOf, promptOf, PNG_RED_8x8 } = require('../test/streaming/answers');
const { postMultipart, postJson, postChatWidget, postChatText } = require('../test/streaming/ndjson-client');

const ROOT = env.ROOT;
const PKG_NAME = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).name;
const PORT = Number(process.env.VISION_STREAMING_PORT || 5730);
const BROKER_PORT = PORT + 1;
const CREDENTIAL = { id: 'VisionChatApi001', name: 'Vision Chat API', type: 'visionChatApi' };
const IDS = { webhook: 'VisionStreamWeb1', quiet: 'VisionStreamWeb2', chat: 'VisionStreamChat' };
const QUIET_PATH = 'vision-stream-quiet';
const BROWSER_ID = 'vision-streaming-test';

const tSuite = performance.now();
const results = [];
const measured = {};
const say = (msg) => process.stdout.write(`${msg}\n`);
const secs = (ms) => `${(ms / 1000).toFixed(2)} s`;

async function check(name, fn) {
	try {
		const detail = await fn();
		results.push({ name, ok: true });
		say(`ok - ${name}${detail ? ` (${detail})` : ''}`);
	} catch (error) {
		results.push({ name, ok: false });
		say(`not ok - ${name}\n    ${String(error && error.message ? error.message : error).split('\n').join('\n    ')}`);
	}
}
function assert(condition, message) {
	if (!condition) throw new Error(message);
}
function assertEqual(actual, expected, what) {
	if (JSON.stringify(actual) !== JSON.stringify(expected)) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

// ---------------------------------------------------------------- workflows

function readExample(file) {
	return JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', file), 'utf8'));
}

/** An example as the test imports it: unchanged but for an id (the package is installed as users install it). */
function forImport(workflow, id) {
	return { ...structuredClone(workflow), id };
}

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

// ---------------------------------------------------------------- processes

/** The machine's own Node 20: `node` on PATH without any node_modules/.bin (npm puts Node 24 first). */
function findNode20() {
	const candidates = [];
	if (process.env.VISION_NODE20) candidates.push({ bin: process.env.VISION_NODE20 });
	const cleanPath = (process.env.PATH || '')
		.split(path.delimiter)
		.filter((p) => p && !/node_modules[\\/]\.bin$/.test(p) && !/node-gyp-bin$/.test(p))
		.join(path.delimiter);
	candidates.push({ bin: 'node', PATH: cleanPath }, { bin: '/usr/bin/node', PATH: cleanPath }, { bin: '/usr/local/bin/node', PATH: cleanPath });
	const seen = [];
	for (const c of candidates) {
		const r = spawnSync(c.bin, ['-p', 'process.version + " " + process.execPath'], { encoding: 'utf8', env: { ...process.env, PATH: c.PATH || cleanPath } });
		if (r.status !== 0) continue;
		const [version, execPath] = r.stdout.trim().split(' ');
		seen.push(`${execPath} ${version}`);
		if (/^v20\./.test(version)) return { bin: execPath, version, PATH: cleanPath };
	}
	return { error: `no Node 20 found (saw: ${seen.join(', ') || 'none'}); set VISION_NODE20` };
}

/** Runs the n8n 1.x check on Node 20 in the background; resolves with its output and exit code. */
function startCompat() {
	const node20 = findNode20();
	if (node20.error) return Promise.resolve({ code: 1, output: `not ok - n8n 1.x compatibility\n    ${node20.error}\n0 passed, 1 failed\n`, ms: 0 });
	const t0 = performance.now();
	return new Promise((resolve) => {
		const npmEnv = { ...process.env, PATH: `${path.dirname(node20.bin)}${path.delimiter}${node20.PATH}` };
		for (const k of Object.keys(npmEnv)) if (/^npm_/i.test(k)) delete npmEnv[k];
		const child = spawn(node20.bin, [path.join(ROOT, 'test', 'streaming', 'n8n1-compat.js')], { cwd: ROOT, env: npmEnv, stdio: ['ignore', 'pipe', 'pipe'] });
		let output = '';
		child.stdout.on('data', (d) => (output += d));
		child.stderr.on('data', (d) => (output += d));
		child.on('error', (error) => resolve({ code: 1, output: `${output}\nnot ok - n8n 1.x compatibility could not start: ${error.message}\n`, ms: performance.now() - t0 }));
		child.on('exit', (code, signal) => resolve({ code: code ?? 1, signal, output, ms: performance.now() - t0 }));
	});
}

function runCli(n8n, args, spawnEnv, logFd) {
	return env.run(n8n.node, [n8n.n8nMain, ...args], { env: spawnEnv, stdio: ['ignore', logFd, logFd] });
}

function startN8n(n8n, spawnEnv, logFd) {
	const child = spawn(n8n.node, [n8n.n8nMain, 'start'], { env: spawnEnv, stdio: ['ignore', logFd, logFd], detached: process.platform !== 'win32' });
	const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
	const killGroup = (signal) => {
		try {
			process.kill(-child.pid, signal);
		} catch {
			try {
				child.kill(signal);
			} catch {}
		}
	};
	const onExit = () => {
		if (child.exitCode === null && child.signalCode === null) killGroup('SIGKILL');
	};
	process.on('exit', onExit);
	return {
		child,
		async stop() {
			process.removeListener('exit', onExit);
			if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode };
			killGroup('SIGTERM');
			const timer = setTimeout(() => killGroup('SIGKILL'), 20000);
			const how = await exited;
			clearTimeout(timer);
			killGroup('SIGKILL'); // task runners and anything else left in the group
			return how;
		},
	};
}

/**
 * /healthz/readiness answers before the published workflows' webhooks are registered: wait until
 * each answers a CORS preflight for POST (OPTIONS starts no execution; a GET to a Chat Trigger would).
 */
async function waitForWebhooks(paths, timeoutMs = 60000) {
	const deadline = Date.now() + timeoutMs;
	for (const urlPath of paths) {
		for (;;) {
			const res = await fetch(`http://127.0.0.1:${PORT}${urlPath}`, {
				method: 'OPTIONS',
				headers: { origin: 'http://127.0.0.1', 'access-control-request-method': 'POST' },
			}).catch(() => null);
			if (res) await res.arrayBuffer();
			if (res && res.status === 204 && /POST/.test(res.headers.get('access-control-allow-methods') || '')) break;
			if (Date.now() > deadline) throw new Error(`webhook ${urlPath} not registered within ${timeoutMs} ms (last status ${res && res.status})`);
			await new Promise((r) => setTimeout(r, 200));
		}
	}
}

// ---------------------------------------------------------------- n8n's REST API (to read executions)

async function rest(method, urlPath, { body, cookie } = {}) {
	const headers = { 'browser-id': BROWSER_ID, accept: 'application/json' };
	if (body) headers['content-type'] = 'application/json';
	if (cookie) headers.cookie = cookie;
	const res = await fetch(`http://127.0.0.1:${PORT}${urlPath}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
	const text = await res.text();
	let json;
	try {
		json = JSON.parse(text);
	} catch {}
	if (!res.ok) throw new Error(`${method} ${urlPath}: HTTP ${res.status} ${text.slice(0, 300)}`);
	return { json, headers: res.headers };
}

async function ownerCookie() {
	const { headers } = await rest('POST', '/rest/owner/setup', {
		body: { email: 'owner@vision-stream.test', firstName: 'Stream', lastName: 'Test', password: 'Stream-Test-2026' },
	});
	const cookie = (headers.getSetCookie ? headers.getSetCookie() : [headers.get('set-cookie')]).map((c) => String(c).split(';')[0]).find((c) => c.startsWith('n8n-auth='));
	if (!cookie) throw new Error('POST /rest/owner/setup set no n8n-auth cookie');
	return cookie;
}

/** The newest finished execution of a workflow, its run data unflattened. */
async function lastExecution(cookie, workflowId, unflatten, notBefore = new Set()) {
	const deadline = Date.now() + 15000;
	for (;;) {
		const filter = encodeURIComponent(JSON.stringify({ workflowId }));
		const { json } = await rest('GET', `/rest/executions?filter=${filter}&limit=10`, { cookie });
		const list = (json.data && (json.data.results || json.data)) || [];
		const found = list.find((e) => !notBefore.has(String(e.id)) && e.status && !['running', 'new'].includes(e.status));
		if (found) {
			const one = await rest('GET', `/rest/executions/${found.id}`, { cookie });
			const execution = one.json.data;
			const data = typeof execution.data === 'string' ? unflatten(execution.data) : execution.data;
			return { id: String(found.id), status: execution.status, data };
		}
		if (Date.now() > deadline) throw new Error(`no finished execution of workflow ${workflowId} within 15 s (saw ${list.map((e) => `${e.id}:${e.status}`).join(', ') || 'none'})`);
		await new Promise((r) => setTimeout(r, 250));
	}
}

async function executionIds(cookie, workflowId) {
	const filter = encodeURIComponent(JSON.stringify({ workflowId }));
	const { json } = await rest('GET', `/rest/executions?filter=${filter}&limit=50`, { cookie });
	return new Set(((json.data && (json.data.results || json.data)) || []).map((e) => String(e.id)));
}

function resultOf(execution, nodeName = 'Vision Chat') {
	const tasks = execution.data.resultData.runData[nodeName] || [];
	const task = tasks[tasks.length - 1];
	if (!task) throw new Error(`execution ${execution.id}: "${nodeName}" did not run (status ${execution.status})`);
	if (task.error) throw new Error(`execution ${execution.id}: "${nodeName}" failed: ${task.error.message}`);
	return { result: task.data.main[0][0].json, chunkItems: task.data.main[1] || [] };
}

// ---------------------------------------------------------------- assertions on a streamed response

/** Every line JSON; per item: begin, item..., end; joined items; timings against the model server's stream. */
function analyseStream(response, stream, { nodeName = 'Vision Chat' } = {}) {
	const bad = response.lines.filter((l) => l.parseError);
	assert(bad.length === 0, `${bad.length} line(s) are not JSON, first: ${JSON.stringify(bad[0] && bad[0].text.slice(0, 200))}`);
	const ours = response.lines.filter((l) => l.json.metadata && l.json.metadata.nodeName === nodeName);
	const others = response.lines.filter((l) => !ours.includes(l));
	const types = ours.map((l) => l.json.type);
	const items = ours.filter((l) => l.json.type === 'item');
	return { ours, others, types, items, joined: items.map((l) => l.json.content).join('') };
}

function expectLiveStream(response, stream, server, label) {
	assert(response.status === 200 && response.lines.length > 0, `${label}: HTTP ${response.status}, body ${JSON.stringify(response.raw.slice(0, 500))}`);
	const a = analyseStream(response, stream);
	assertEqual(a.types, ['begin', ...server.pieces.map(() => 'item'), 'end'], `${label}: chunk types in order`);
	for (const l of a.ours) {
		assertEqual(l.json.metadata.itemIndex, 0, `${label}: metadata.itemIndex`);
		assert(typeof l.json.metadata.timestamp === 'number' && l.json.metadata.nodeId, `${label}: metadata lacks nodeId/timestamp: ${l.text}`);
	}
	assertEqual(a.others.map((l) => l.json.type), [], `${label}: lines from elsewhere`);
	assertEqual(a.items.map((l) => l.json.content), server.pieces, `${label}: item contents (one per model chunk)`);
	assert(stream && stream.startedAt, `${label}: the model server never streamed`);
	const first = a.items[0].at - stream.startedAt;
	const last = a.items[a.items.length - 1].at - stream.startedAt;
	const spread = a.items[a.items.length - 1].at - a.items[0].at;
	const lags = a.items.map((l, i) => l.at - stream.pieceTimes[i]);
	const maxLag = Math.max(...lags);
	assert(first <= 500, `${label}: the first text chunk reached the caller ${first.toFixed(0)} ms after the model server started streaming (limit 500 ms)`);
	assert(spread >= 1500, `${label}: first and last text chunk arrived only ${spread.toFixed(0)} ms apart: the answer was buffered, not streamed`);
	assert(last >= 1700 && last <= 3000, `${label}: the last text chunk arrived ${last.toFixed(0)} ms after the model server started streaming (expected about 2 s)`);
	assert(maxLag <= 300, `${label}: a text chunk reached the caller ${maxLag.toFixed(0)} ms after the model server sent it (limit 300 ms)`);
	return {
		...a,
		firstMs: first,
		lastMs: last,
		spreadMs: spread,
		maxLagMs: maxLag,
		fromRequestFirstMs: a.items[0].at - response.sentAt,
		fromRequestTotalMs: response.endedAt - response.sentAt,
	};
}

// ---------------------------------------------------------------- main

async function main() {
	say(`# streaming suite: n8n ${env.N8N_VERSION} on ports ${PORT}/${BROKER_PORT}`);
	await env.ensureDeps(ROOT);
	await env.ensureBuilt(ROOT);
	const n8n = await env.ensureN8n(ROOT);
	for (const p of [PORT, BROKER_PORT]) if (await env.portInUse(p)) throw new Error(`port ${p} is in use; pick others with VISION_STREAMING_PORT`);

	// The n8n 1.x check needs nothing from n8n 2.x: run it on Node 20 while n8n boots.
	const compat = process.env.VISION_SKIP_N8N1 === '1' ? null : startCompat();

	const server = await startStreamingServer({ delayMs: 100 });
	const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'vision-streaming-'));
	const logFile = path.join(userFolder, 'n8n.log');
	const logFd = fs.openSync(logFile, 'a');
	let n8nProcess;
	let failedEarly = false;
	try {
		// As n8n's Community Nodes installer lays it out: the node types are the users' ones.
		env.installAsCommunityPackage(ROOT, userFolder);
		const spawnEnv = env.n8nEnv({
			userFolder,
			port: PORT,
			brokerPort: BROKER_PORT,
			extra: { N8N_DISABLED_MODULES: 'mcp-registry', N8N_LOG_LEVEL: 'info', N8N_HOST: '127.0.0.1', N8N_LISTEN_ADDRESS: '127.0.0.1' },
		});

		const tImport = performance.now();
		const credFile = path.join(userFolder, 'credentials.json');
		fs.writeFileSync(credFile, JSON.stringify([{ ...CREDENTIAL, data: { apiKey: 'sk-streaming-test', baseUrl: server.baseUrl, customHeaders: '' } }]), { mode: 0o600 });
		await runCli(n8n, ['import:credentials', `--input=${credFile}`], spawnEnv, logFd);
		const workflows = buildWorkflows();
		const wfFile = path.join(userFolder, 'workflows.json');
		fs.writeFileSync(wfFile, JSON.stringify(Object.values(workflows)));
		await runCli(n8n, ['import:workflow', `--input=${wfFile}`], spawnEnv, logFd);
		for (const wf of Object.values(workflows)) await runCli(n8n, ['publish:workflow', `--id=${wf.id}`], spawnEnv, logFd);
		measured.importMs = performance.now() - tImport;
		say(`# credential + ${Object.keys(workflows).length} workflows imported and published in ${secs(measured.importMs)}`);

		const tStart = performance.now();
		n8nProcess = startN8n(n8n, spawnEnv, logFd);
		await env.waitForHealth(PORT, 180000, { child: n8nProcess.child, path: '/healthz/readiness' });
		measured.startMs = performance.now() - tStart;
		say(`# n8n ready in ${secs(measured.startMs)} (log: ${logFile})`);

		const { parse: unflatten } = require(require.resolve('flatted', { paths: [path.join(n8n.home, 'node_modules', 'n8n')] }));
		const cookie = await ownerCookie();
		const base = `http://127.0.0.1:${PORT}`;
		const webhookPath = workflows.webhook.nodes.find((n) => n.type === 'n8n-nodes-base.webhook').parameters.path;
		const chatId = workflows.chat.nodes.find((n) => n.type === '@n8n/n8n-nodes-langchain.chatTrigger').webhookId;
		await waitForWebhooks([`/webhook/${webhookPath}`, `/webhook/${QUIET_PATH}`, `/webhook/${chatId}/chat`]);
		measured.readyMs = performance.now() - tStart;
		say(`# webhooks registered ${secs(measured.readyMs)} after n8n start`);
		const png = { field: 'data', fileName: 'red.png', mimeType: 'image/png', bytes: PNG_RED_8x8 };

		// (a) Webhook "Streaming" -> Vision Chat
		let before = await executionIds(cookie, IDS.webhook);
		let streamIndex = server.streams.length;
		let requestIndex = server.chatRequests().length;
		const webhookResponse = await postMultipart(`${base}/webhook/${webhookPath}`, { fields: { prompt: 'Describe this picture.' }, files: [png] });
		const webhookStream = server.streams[streamIndex];
		let live;
		await check('(a) Webhook "Streaming" -> Vision Chat: the answer streams to the HTTP caller chunk by chunk', () => {
			live = expectLiveStream(webhookResponse, webhookStream, server, 'webhook');
			measured.webhook = live;
			measured.webhookHeaders = webhookResponse.headers;
			return `first text ${live.firstMs.toFixed(0)} ms after the model started streaming, last ${live.lastMs.toFixed(0)} ms, max lag ${live.maxLagMs.toFixed(0)} ms`;
		});
		await check('(a) every line is JSON: begin, one item per model chunk, end, with n8n metadata', () => {
			const a = analyseStream(webhookResponse, webhookStream);
			assert(a.ours.length === server.pieces.length + 2, `${a.ours.length} lines from Vision Chat`);
			assertEqual(webhookResponse.lines.length, a.ours.length, 'lines in the response');
			return `${webhookResponse.lines.length} lines`;
		});
		await check('(a) the multipart image and the prompt reached the model server', () => {
			const request = server.chatRequests()[requestIndex];
			assert(request, 'no chat request reached the model server');
			const images = imagesOf(request);
			assertEqual(images.length, 1, 'images');
			assertEqual(images[0].mimeType, 'image/png', 'image type');
			assert(images[0].bytes && images[0].bytes.equals(PNG_RED_8x8), 'image bytes differ from the upload');
			assertEqual(promptOf(request), 'Describe this picture.', 'prompt');
			assertEqual(request.json.stream, true, 'stream');
		});
		await check('(a) the joined item contents equal the Result text n8n recorded', async () => {
			const execution = await lastExecution(cookie, IDS.webhook, unflatten, before);
			const { result, chunkItems } = resultOf(execution);
			const joined = analyseStream(webhookResponse, webhookStream).joined;
			assertEqual(joined, result.text, 'joined items vs Result text');
			assertEqual(result.text, server.answer, 'Result text vs the model answer');
			assertEqual(result.chunkCount, chunkItems.length, 'chunkCount vs Chunks output');
			return `execution ${execution.id}, ${JSON.stringify(result.text.slice(0, 40))}…, timing ${JSON.stringify(result.timing)}`;
		});

		// (a) streamToCaller off: the same workflow streams nothing of the answer
		before = await executionIds(cookie, IDS.quiet);
		streamIndex = server.streams.length;
		const quietResponse = await postMultipart(`${base}/webhook/${QUIET_PATH}`, { fields: { prompt: 'Describe this picture.' }, files: [png] });
		await check('(a) with streamToCaller: false nothing of the answer is streamed by the node', async () => {
			assertEqual(quietResponse.status, 200, 'HTTP status');
			const bad = quietResponse.lines.filter((l) => l.parseError);
			assert(bad.length === 0, `non-JSON lines: ${bad.map((l) => l.text).join(' | ')}`);
			const ours = quietResponse.lines.filter((l) => l.json.metadata && l.json.metadata.nodeName === 'Vision Chat');
			assertEqual(ours.map((l) => l.json.type), [], 'chunks from Vision Chat');
			assert(!quietResponse.raw.includes('red square'), `the answer text appears in the response: ${quietResponse.raw.slice(0, 200)}`);
			assert(server.streams[streamIndex], 'the model server was not called');
			const execution = await lastExecution(cookie, IDS.quiet, unflatten, before);
			const { result } = resultOf(execution);
			assertEqual(result.text, server.answer, 'Result text (the node did run)');
			return `response body ${JSON.stringify(quietResponse.raw)} after ${secs(quietResponse.endedAt - quietResponse.sentAt)}; execution ${execution.id} has the text`;
		});

		// (a) a request without a file: the node fails, the caller sees it as JSON lines
		const failing = await postJson(`${base}/webhook/${webhookPath}`, { prompt: 'No file here' });
		await check('(a) a request without an image: the failure reaches the caller as JSON lines (begin, error, end)', () => {
			const bad = failing.lines.filter((l) => l.parseError);
			assert(bad.length === 0, `non-JSON lines: ${bad.map((l) => l.text).join(' | ')}`);
			const types = failing.lines.map((l) => `${l.json.type}${l.json.metadata && l.json.metadata.nodeName === 'Vision Chat' ? '' : '(other)'}`);
			const ours = failing.lines.filter((l) => l.json.type === 'error');
			assert(ours.some((l) => /no binary data/i.test(l.json.content || '')), `no error line naming the missing binary: ${failing.raw.slice(0, 400)}`);
			assertEqual(failing.lines[0].json.type, 'begin', 'first line');
			return `status ${failing.status}, lines: ${types.join(', ')}`;
		});

		// (a) the caller hangs up after 3 chunks: n8n must stay up, the run must end
		before = await executionIds(cookie, IDS.webhook);
		streamIndex = server.streams.length;
		const leaver = await postMultipart(`${base}/webhook/${webhookPath}`, { fields: { prompt: 'Describe this picture.' }, files: [png], hangUpAfterItems: 3 });
		await check('(a) a caller that hangs up mid-stream: n8n stays healthy and the execution still ends', async () => {
			assert(leaver.hungUp, `the response ended before 3 items arrived: ${JSON.stringify(leaver.raw.slice(0, 300))}`);
			const execution = await lastExecution(cookie, IDS.webhook, unflatten, before);
			const health = await fetch(`${base}/healthz/readiness`);
			assertEqual(health.status, 200, 'readiness after the hang-up');
			const stream = server.streams[streamIndex];
			const piecesSent = stream ? stream.pieceTimes.length : 0;
			let text = '';
			try {
				text = resultOf(execution).result.text;
			} catch (error) {
				text = `(${error.message})`;
			}
			return `execution ${execution.id} ${execution.status}; the model server sent ${piecesSent}/${server.pieces.length} pieces; Result text ${text === server.answer ? 'complete' : JSON.stringify(text.slice(0, 80))}`;
		});

		// (b) Chat Trigger (public, embedded, streaming) -> Vision Chat, as the chat widget posts it
		before = await executionIds(cookie, IDS.chat);
		streamIndex = server.streams.length;
		requestIndex = server.chatRequests().length;
		const sessionId = crypto.randomUUID();
		const chatResponse = await postChatWidget(`${base}/webhook/${chatId}/chat`, {
			sessionId,
			chatInput: 'What is in this picture?',
			files: [{ fileName: 'red.png', mimeType: 'image/png', bytes: PNG_RED_8x8 }],
		});
		const chatStream = server.streams[streamIndex];
		await check('(b) Chat Trigger -> Vision Chat: a message with a file streams the answer to the chat widget', () => {
			const chatLive = expectLiveStream(chatResponse, chatStream, server, 'chat');
			measured.chat = chatLive;
			measured.chatHeaders = chatResponse.headers;
			return `first text ${chatLive.firstMs.toFixed(0)} ms after the model started streaming, last ${chatLive.lastMs.toFixed(0)} ms, max lag ${chatLive.maxLagMs.toFixed(0)} ms`;
		});
		await check('(b) the chat message and its file reached the model server (binary data0, prompt from chatInput)', async () => {
			const request = server.chatRequests()[requestIndex];
			assert(request, 'no chat request reached the model server');
			const images = imagesOf(request);
			assertEqual(images.length, 1, 'images');
			assert(images[0].bytes && images[0].bytes.equals(PNG_RED_8x8), 'image bytes differ from the upload');
			assertEqual(promptOf(request), 'What is in this picture?', 'prompt');
			const execution = await lastExecution(cookie, IDS.chat, unflatten, before);
			const trigger = execution.data.resultData.runData['When chat message received'][0].data.main[0][0];
			assertEqual(Object.keys(trigger.binary || {}), ['data0'], 'binary properties from the Chat Trigger');
			assertEqual(trigger.json.sessionId, sessionId, 'sessionId');
			const { result } = resultOf(execution);
			assertEqual(analyseStream(chatResponse, chatStream).joined, result.text, 'joined items vs Result text');
			return `execution ${execution.id}`;
		});

		const textOnly = await postChatText(`${base}/webhook/${chatId}/chat`, { sessionId, chatInput: 'Hello, no picture this time.' });
		await check('(b) a chat message without a file: the widget gets the reason as JSON lines, not a hang', () => {
			assertEqual(textOnly.status, 200, 'HTTP status');
			const bad = textOnly.lines.filter((l) => l.parseError);
			assert(bad.length === 0, `non-JSON lines: ${bad.map((l) => l.text).join(' | ')}`);
			const errors = textOnly.lines.filter((l) => l.json.type === 'error');
			assert(errors.some((l) => /no binary data/i.test(l.json.content || '')), `no error line naming the missing image: ${JSON.stringify(textOnly.raw.slice(0, 400))}`);
			return textOnly.lines.map((l) => l.json.type).join(', ');
		});
	} catch (error) {
		failedEarly = true;
		results.push({ name: 'setup', ok: false });
		say(`not ok - the suite could not run: ${error && error.stack ? error.stack : error}`);
	} finally {
		if (n8nProcess) {
			const tStop = performance.now();
			const how = await n8nProcess.stop();
			say(`# n8n stopped (${how.signal || `exit code ${how.code}`}) in ${secs(performance.now() - tStop)}`);
		}
		await server.close();
		fs.closeSync(logFd);
		const failed = results.some((r) => !r.ok);
		if (failed || failedEarly) {
			say(`# last lines of ${logFile}:`);
			const log = fs.readFileSync(logFile, 'utf8').trim().split('\n');
			for (const line of log.slice(-40)) say(`#   ${line}`);
		}
		if (process.env.VISION_KEEP === '1' || failed) say(`# kept ${userFolder}`);
		else fs.rmSync(userFolder, { recursive: true, force: true });
	}

	if (compat) {
		const out = await compat;
		say(`# n8n 1.x on Node 20 (test/streaming/n8n1-compat.js, ${secs(out.ms)}):`);
		const lines = out.output.trim().split('\n');
		let counted = false;
		for (const line of lines) {
			const m = /^(\d+) passed, (\d+) failed$/.exec(line.trim());
			if (m) {
				counted = true;
				for (let i = 0; i < Number(m[1]); i++) results.push({ name: 'n8n1', ok: true });
				for (let i = 0; i < Number(m[2]); i++) results.push({ name: 'n8n1', ok: false });
				continue;
			}
			say(`  ${line}`);
		}
		if (!counted || out.code !== 0) {
			if (!counted || !results.some((r) => r.name === 'n8n1' && !r.ok)) results.push({ name: 'n8n1', ok: false });
			say(`not ok - n8n 1.x compatibility exited with ${out.signal || `code ${out.code}`}`);
		}
	}

	if (measured.webhook) {
		const w = measured.webhook;
		say(`# Webhook: first text chunk ${w.firstMs.toFixed(0)} ms after the model began streaming (${w.fromRequestFirstMs.toFixed(0)} ms after the POST), last ${w.lastMs.toFixed(0)} ms, response complete ${w.fromRequestTotalMs.toFixed(0)} ms after the POST`);
	}
	if (measured.chat) {
		const c = measured.chat;
		say(`# Chat:    first text chunk ${c.firstMs.toFixed(0)} ms after the model began streaming (${c.fromRequestFirstMs.toFixed(0)} ms after the POST), last ${c.lastMs.toFixed(0)} ms, response complete ${c.fromRequestTotalMs.toFixed(0)} ms after the POST`);
	}
	for (const [label, headers] of [['Webhook', measured.webhookHeaders], ['Chat', measured.chatHeaders]]) {
		if (headers) say(`# ${label} response headers: content-type ${headers['content-type'] || '(none)'}, transfer-encoding ${headers['transfer-encoding'] || '(none)'}, connection ${headers.connection || '(none)'}`);
	}
	say(`# suite took ${secs(performance.now() - tSuite)}`);
	const passed = results.filter((r) => r.ok).length;
	const failedCount = results.length - passed;
	say(`${passed} passed, ${failedCount} failed`);
	process.exitCode = failedCount ? 1 : 0;
}

main().catch((error) => {
	say(`not ok - ${error && error.stack ? error.stack : error}`);
	say(`${results.filter((r) => r.ok).length} passed, ${results.filter((r) => !r.ok).length + 1} failed`);
	process.exitCode = 1;
});
