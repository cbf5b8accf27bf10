#!/usr/bin/env node
'use strict';
/**
 * n8n 1.x compatibility proof, on the machine's own Node 20.
 *
 * Loads the built package (dist/) the way n8n installs it, next to n8n 1.x's engine
 * (n8n-core@1.122.48 + n8n-workflow@1.120.31, installed once with --ignore-scripts into
 * ~/.cache/n8n-nodes-vision-stream/n8n1-engine: the full n8n 1.x cannot be installed offline),
 * and runs a workflow "Manual Trigger (with an image) -> Vision Chat" through n8n 1.x's own
 * WorkflowExecute against a loopback OpenAI-compatible SSE server, three times:
 *
 *   1. plain 1.x run (no sendChunk hook: isStreaming() is false)   -> Result text, no chunks
 *   2. streaming run (a sendChunk hook, streamingEnabled)          -> begin, item..., end
 *   3. ExecuteContext without isStreaming/sendChunk/getExecutionCancelSignal, as in the n8n 1.x
 *      releases that predate them                                   -> Result text, no crash
 *
 * The runs go through the jest suites' engine harness (test/support/engine, loaded with
 * test/support/load-ts.js) with the 1.x engine folder as its packages (`n8n1Engine`).
 *
 * Run with the SYSTEM Node 20:  node test/n8n-live-streaming/n8n1-compat.js
 * (the live-streaming suite (test/n8n-live-streaming) runs it that way). Ends with `N passed, N failed`; exit 1 on failure.
 *
 * Environment: VISION_N8N1_ENGINE  engine folder (default <cache>/n8n1-engine)
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { performance } = require('perf_hooks');

const ROOT = path.resolve(__dirname, '..', '..');
const env = require('../support/n8n');
const { startStreamingServer, imagesOf, promptOf, PNG_RED_8x8 } = require('./answers');
const { loadTs } = require('../support/load-ts');

const CORE_VERSION = '1.122.48';
const WORKFLOW_VERSION = '1.120.31';
const ENGINE_DIR = process.env.VISION_N8N1_ENGINE
	? path.resolve(process.env.VISION_N8N1_ENGINE)
	: path.join(env.cacheDir(), 'n8n1-engine');
const MARKER = path.join(ENGINE_DIR, '.vision-n8n1-complete');

const results = [];
function check(name, fn) {
	try {
		const detail = fn();
		results.push({ name, ok: true });
		console.log(`ok - ${name}${detail ? ` (${detail})` : ''}`);
	} catch (error) {
		results.push({ name, ok: false });
		console.log(`not ok - ${name}\n    ${String(error && error.message ? error.message : error).split('\n').join('\n    ')}`);
	}
}
function assert(condition, message) {
	if (!condition) throw new Error(message);
}
function assertEqual(actual, expected, what) {
	if (JSON.stringify(actual) !== JSON.stringify(expected)) {
		throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
	}
}

/** npm i n8n-core@1.x n8n-workflow@1.x --ignore-scripts into ENGINE_DIR, once. */
function ensureEngine() {
	const marker = fs.existsSync(MARKER) ? JSON.parse(fs.readFileSync(MARKER, 'utf8')) : null;
	if (marker && marker.core === CORE_VERSION && marker.workflow === WORKFLOW_VERSION && fs.existsSync(path.join(ENGINE_DIR, 'node_modules', 'n8n-core'))) return;
	fs.mkdirSync(ENGINE_DIR, { recursive: true });
	const pj = path.join(ENGINE_DIR, 'package.json');
	if (!fs.existsSync(pj)) fs.writeFileSync(pj, JSON.stringify({ name: 'vision-stream-n8n1-engine', private: true }, null, 2) + '\n');
	const t0 = Date.now();
	console.log(`# installing n8n-core@${CORE_VERSION} n8n-workflow@${WORKFLOW_VERSION} into ${ENGINE_DIR} (about 20 s, once)`);
	// --ignore-scripts: isolated-vm has no Node 20 build and is not needed to load the engine.
	const r = spawnSync('npm', ['install', `n8n-core@${CORE_VERSION}`, `n8n-workflow@${WORKFLOW_VERSION}`, '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], {
		cwd: ENGINE_DIR,
		stdio: 'inherit',
		env: process.env,
	});
	if (r.status !== 0) throw new Error(`npm install of the n8n 1.x engine failed (exit ${r.status})`);
	fs.writeFileSync(MARKER, JSON.stringify({ core: CORE_VERSION, workflow: WORKFLOW_VERSION, node: process.version, at: new Date().toISOString() }, null, 2) + '\n');
	console.log(`# engine installed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

async function main() {
	const tStart = performance.now();
	console.log(`# n8n 1.x compatibility: Node ${process.version} (${process.execPath})`);
	check('runs on the system Node 20', () => {
		assert(/^v20\./.test(process.version), `this check must run on Node 20, not ${process.version} (${process.execPath}); run it as \`node test/n8n-live-streaming/n8n1-compat.js\` with Node 20 first on PATH`);
		return process.version;
	});
	if (!fs.existsSync(path.join(ROOT, 'dist', 'nodes', 'VisionChat', 'VisionChat.node.js'))) throw new Error('dist/ is not built: run `npm run build` first');
	ensureEngine();

	// Lay the package out as n8n installs it: dist/ + package.json, runtime dependencies beside
	// it, n8n-workflow resolved from the engine (the package's peer dependency), not from the repo.
	const { packageDir } = env.stageExtension(ROOT, path.join(ENGINE_DIR, 'stage'));
	const pkg = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
	const nodeFile = path.join(packageDir, pkg.n8n.nodes.find((f) => /VisionChat\.node\.js$/.test(f)));
	const credFile = path.join(packageDir, pkg.n8n.credentials[0]);

	process.env.N8N_USER_FOLDER = fs.mkdtempSync(path.join(os.tmpdir(), 'vision-n8n1-'));
	process.env.N8N_LOG_LEVEL = process.env.N8N_LOG_LEVEL || 'silent';
	process.env.N8N_DIAGNOSTICS_ENABLED = 'false';
	process.env.N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS = 'false';
	process.on('exit', () => fs.rmSync(process.env.N8N_USER_FOLDER, { recursive: true, force: true }));

	const harness = loadTs(path.join(ROOT, 'test', 'support', 'engine', 'index.ts'));
	const engine = harness.n8n1Engine(ENGINE_DIR);
	const coreVersion = engine.versionOf('n8n-core');
	const wfVersion = engine.versionOf('n8n-workflow');

	let VisionChat;
	let VisionChatApi;
	check(`the built node loads with n8n-core ${coreVersion} / n8n-workflow ${wfVersion}`, () => {
		const resolved = require.resolve('n8n-workflow', { paths: [path.dirname(nodeFile)] });
		assert(resolved.startsWith(ENGINE_DIR) && !resolved.startsWith(path.join(ENGINE_DIR, 'stage')), `the node would load n8n-workflow from ${resolved}, not from the 1.x engine`);
		VisionChat = require(nodeFile).VisionChat;
		VisionChatApi = require(credFile).VisionChatApi;
		const node = new VisionChat();
		assertEqual(node.description.name, 'visionChat', 'node name');
		assertEqual(new VisionChatApi().name, 'visionChatApi', 'credential name');
		return `n8n-workflow from ${path.relative(ENGINE_DIR, resolved)}`;
	});
	if (!VisionChat) return finish(tStart);

	const server = await startStreamingServer({ delayMs: 20 });
	try {
		const credentials = { apiKey: 'sk-n8n1-compat', baseUrl: server.baseUrl, customHeaders: '' };

		const seenApi = [];
		const visionChat = new VisionChat();
		const execute = visionChat.execute;
		visionChat.execute = async function () {
			seenApi.push({
				isStreaming: typeof this.isStreaming,
				sendChunk: typeof this.sendChunk,
				getExecutionCancelSignal: typeof this.getExecutionCancelSignal,
				streaming: typeof this.isStreaming === 'function' ? this.isStreaming() : undefined,
			});
			return await execute.call(this);
		};

		// The start node hands on what "Manual Trigger -> Read File" does: an item with a PNG as
		// binary "data" (through prepareBinaryData, in the in-memory "default" binary mode).
		async function runWorkflow({ streaming }) {
			const chunks = [];
			const started = performance.now();
			const out = await harness.runNode({
				engine,
				nodeType: visionChat,
				nodeTypeName: 'CUSTOM.visionChat',
				parameters: {
					model: { __rl: true, mode: 'id', value: 'llava:13b' },
					prompt: '={{ $json.question }}',
					imageInput: 'binary',
					binaryPropertyName: 'data',
					options: {},
				},
				inputItems: [{ json: { question: 'What is in this image?' }, binary: { data: { buffer: PNG_RED_8x8, mimeType: 'image/png', fileName: 'red.png' } } }],
				credentials: { visionChatApi: credentials },
				credentialTypes: [new VisionChatApi()],
				streaming: streaming ? { chunks: [], onChunk: (chunk) => chunks.push({ ...chunk, at: performance.now() }) } : undefined,
			});
			return {
				run: out.run,
				chunks,
				ms: performance.now() - started,
				error: out.error,
				result: out.outputs[0] && out.outputs[0][0] && out.outputs[0][0].json,
				chunkItems: out.outputs[1] || [],
			};
		}

		const expectRun = (out, label) => {
			assert(!out.error, `${label}: the run failed: ${out.error && (out.error.message || JSON.stringify(out.error))}`);
			assertEqual(out.run.status || out.run.finished, out.run.status ? 'success' : true, `${label}: run status`);
			assert(out.result, `${label}: no Result item`);
			assertEqual(out.result.text, server.answer, `${label}: Result text`);
			assertEqual(out.result.finishReason, 'stop', `${label}: finishReason`);
			assertEqual(out.chunkItems.length, server.pieces.length + 2, `${label}: Chunks output items (role + ${server.pieces.length} text + finish)`);
		};

		// 1. A plain n8n 1.x run: the context has isStreaming(), but nothing listens.
		server.requests.length = 0;
		const plain = await runWorkflow({ streaming: false });
		check('n8n 1.x WorkflowExecute: Manual -> Vision Chat returns the whole answer as Result text', () => {
			expectRun(plain, 'plain run');
			return `${JSON.stringify(plain.result.text)}, ${plain.ms.toFixed(0)} ms`;
		});
		check('the image binary reached the server as a PNG data URL, with the prompt from the expression', () => {
			const [request] = server.chatRequests();
			assert(request, 'the server received no chat request');
			const images = imagesOf(request);
			assertEqual(images.length, 1, 'images sent');
			assertEqual(images[0].mimeType, 'image/png', 'image type');
			assert(images[0].bytes && images[0].bytes.equals(PNG_RED_8x8), 'the image bytes differ from the PNG given');
			assertEqual(promptOf(request), 'What is in this image?', 'prompt');
			assertEqual(request.json.stream, true, 'stream flag');
			assertEqual(request.headers.authorization, 'Bearer sk-n8n1-compat', 'Authorization header');
		});
		check('without a sendChunk hook isStreaming() is false and nothing is streamed', () => {
			assertEqual(seenApi[0], { isStreaming: 'function', sendChunk: 'function', getExecutionCancelSignal: 'function', streaming: false }, 'context API seen by the node');
			assertEqual(plain.chunks.length, 0, 'chunks');
		});

		// 2. The same run with a sendChunk hook, as n8n 1.x's Webhook "Streaming" response registers one.
		const streamed = await runWorkflow({ streaming: true });
		check('with a sendChunk hook (n8n 1.x streaming) the node streams begin, one item per piece, end', () => {
			expectRun(streamed, 'streaming run');
			assertEqual(seenApi[1].streaming, true, 'isStreaming()');
			const types = streamed.chunks.map((c) => c.type);
			assertEqual(types, ['begin', ...server.pieces.map(() => 'item'), 'end'], 'chunk types');
			const joined = streamed.chunks.filter((c) => c.type === 'item').map((c) => c.content).join('');
			assertEqual(joined, streamed.result.text, 'joined item contents vs Result text');
			for (const c of streamed.chunks) assertEqual([c.metadata.nodeName, c.metadata.itemIndex], ['Vision Chat', 0], 'chunk metadata');
			const items = streamed.chunks.filter((c) => c.type === 'item');
			const spread = items[items.length - 1].at - items[0].at;
			assert(spread > (server.pieces.length - 1) * 20 * 0.6, `items arrived within ${spread.toFixed(0)} ms: not streamed live`);
			return `${items.length} items over ${spread.toFixed(0)} ms`;
		});

		// 3. The n8n 1.x releases before streaming: the execute context has neither method.
		const proto = engine.core.ExecuteContext.prototype;
		const baseProto = Object.getPrototypeOf(proto);
		const saved = {};
		for (const target of [proto, baseProto]) {
			for (const name of ['isStreaming', 'sendChunk', 'getExecutionCancelSignal']) {
				if (Object.prototype.hasOwnProperty.call(target, name)) {
					saved[name] = { target, fn: target[name] };
					delete target[name];
				}
			}
		}
		let old;
		try {
			old = await runWorkflow({ streaming: true });
		} finally {
			for (const [name, { target, fn }] of Object.entries(saved)) target[name] = fn;
		}
		check('an execute context without isStreaming/sendChunk/getExecutionCancelSignal (older n8n 1.x) still runs the node', () => {
			assertEqual(seenApi[2], { isStreaming: 'undefined', sendChunk: 'undefined', getExecutionCancelSignal: 'undefined', streaming: undefined }, 'context API seen by the node');
			expectRun(old, 'old-API run');
			assertEqual(old.chunks.length, 0, 'chunks sent without sendChunk');
		});
	} finally {
		await server.close();
	}
	return finish(tStart);
}

function finish(tStart) {
	const passed = results.filter((r) => r.ok).length;
	const failed = results.length - passed;
	console.log(`# n8n 1.x compatibility took ${((performance.now() - tStart) / 1000).toFixed(1)} s`);
	console.log(`${passed} passed, ${failed} failed`);
	// n8n-core's SSHClientsManager (created with the execute context's helpers) keeps a 60 s
	// cleanup interval alive: in n8n that lives as long as the process, here we are done.
	process.exit(failed ? 1 : 0);
}

main().catch((error) => {
	console.log(`not ok - n8n 1.x compatibility run crashed\n    ${String(error && error.stack ? error.stack : error).split('\n').join('\n    ')}`);
	results.push({ name: 'crash', ok: false });
	finish(performance.now());
});
