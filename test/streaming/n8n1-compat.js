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
 * Run with the SYSTEM Node 20:  node test/streaming/n8n1-compat.js
 * (scripts/test-streaming.js runs it that way). Ends with `N passed, N failed`; exit 1 on failure.
 *
 * Environment: VISION_N8N1_ENGINE  engine folder (default <cache>/n8n1-engine)
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { performance } = require('perf_hooks');

const ROOT = path.resolve(__dirname, '..', '..');
const env = require(path.join(ROOT, 'scripts', 'n8n-env.js'));
const { startStreamingServer, imagesOf, promptOf, PNG_RED_8x8 } = require('./answers');

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

function fromEngine(id) {
	return require(require.resolve(id, { paths: [ENGINE_DIR] }));
}

async function main() {
	const tStart = performance.now();
	console.log(`# n8n 1.x compatibility: Node ${process.version} (${process.execPath})`);
	check('runs on the system Node 20', () => {
		assert(/^v20\./.test(process.version), `this check must run on Node 20, not ${process.version} (${process.execPath}); run it as \`node test/streaming/n8n1-compat.js\` with Node 20 first on PATH`);
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

	const core = fromEngine('n8n-core');
	const workflowLib = fromEngine('n8n-workflow');
	const { Container } = fromEngine('@n8n/di');
	const { Logger } = fromEngine('@n8n/backend-common');
	const coreVersion = fromEngine('n8n-core/package.json').version;
	const wfVersion = fromEngine('n8n-workflow/package.json').version;

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

	// BinaryDataService in memory ("default") mode: prepareBinaryData inlines base64, as n8n 1.x does by default.
	const config = Object.assign(Object.create(core.BinaryDataConfig.prototype), {
		mode: 'default',
		availableModes: ['default'],
		localStoragePath: path.join(process.env.N8N_USER_FOLDER, 'binaryData'),
		signingSecret: 'n8n1-compat',
		dbMaxFileSize: 512,
	});
	const binaryService = new core.BinaryDataService(config, Container.get(core.ErrorReporter), Container.get(Logger));
	await binaryService.init();
	Container.set(core.BinaryDataService, binaryService);

	const server = await startStreamingServer({ delayMs: 20 });
	try {
		const credentials = { apiKey: 'sk-n8n1-compat', baseUrl: server.baseUrl, customHeaders: '' };

		class CredentialsHelper extends workflowLib.ICredentialsHelper {
			getParentTypes() {
				return [];
			}
			async authenticate(_c, _t, requestOptions) {
				return requestOptions;
			}
			async preAuthentication() {
				return undefined;
			}
			async runPreAuthentication() {
				return undefined;
			}
			async getCredentials() {
				throw new Error('not used');
			}
			async getDecrypted(_additionalData, _nodeCredentials, type) {
				if (type !== 'visionChatApi') throw new Error(`unexpected credential type ${type}`);
				return { ...credentials };
			}
			async updateCredentials() {}
			async updateCredentialsOauthTokenData() {}
			getCredentialsProperties() {
				return new VisionChatApi().properties;
			}
		}

		// The start node: what "Manual Trigger -> Read File" hands on, an item with a PNG as binary "data".
		const manualImage = {
			description: {
				displayName: 'Manual Trigger (image)',
				name: 'manualImage',
				group: ['trigger'],
				version: 1,
				description: 'Starts the run with an image',
				defaults: { name: 'Manual Trigger' },
				inputs: ['main'],
				outputs: ['main'],
				properties: [],
			},
			async execute() {
				const binary = await this.helpers.prepareBinaryData(PNG_RED_8x8, 'red.png', 'image/png');
				return [[{ json: { question: 'What is in this image?' }, binary: { data: binary } }]];
			},
		};

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
		const nodeTypes = {
			getByName: (type) => ({ 'compat.manualImage': manualImage, 'CUSTOM.visionChat': visionChat })[type],
			getByNameAndVersion(type, version) {
				return workflowLib.NodeHelpers.getVersionedNodeType(this.getByName(type), version);
			},
			getKnownTypes: () => ({}),
		};

		async function runWorkflow({ streaming, label }) {
			const nodes = [
				{ id: 'a1', name: 'Manual Trigger', type: 'compat.manualImage', typeVersion: 1, position: [0, 0], parameters: {} },
				{
					id: 'b2',
					name: 'Vision Chat',
					type: 'CUSTOM.visionChat',
					typeVersion: 1,
					position: [220, 0],
					parameters: {
						model: { __rl: true, mode: 'id', value: 'llava:13b' },
						prompt: '={{ $json.question }}',
						imageInput: 'binary',
						binaryPropertyName: 'data',
						options: {},
					},
					credentials: { visionChatApi: { id: '1', name: 'Vision Chat API' } },
				},
			];
			const connections = { 'Manual Trigger': { main: [[{ node: 'Vision Chat', type: 'main', index: 0 }]] } };
			const workflow = new workflowLib.Workflow({ id: `compat-${label}`, name: 'n8n1 compat', nodes, connections, active: false, nodeTypes, settings: { executionOrder: 'v1' } });
			const hooks = new core.ExecutionLifecycleHooks('manual', `exec-${label}`, { id: `compat-${label}`, name: 'n8n1 compat', active: false, nodes, connections, createdAt: new Date(), updatedAt: new Date() });
			const chunks = [];
			if (streaming) hooks.addHandler('sendChunk', (chunk) => chunks.push({ ...chunk, at: performance.now() }));
			const base = 'http://localhost:5678';
			const additionalData = {
				credentialsHelper: new CredentialsHelper(),
				hooks,
				executionId: `exec-${label}`,
				userId: 'n8n1-compat',
				currentNodeExecutionIndex: 0,
				streamingEnabled: !!streaming,
				restApiUrl: `${base}/rest`,
				instanceBaseUrl: base,
				formWaitingBaseUrl: `${base}/form-waiting`,
				webhookBaseUrl: `${base}/webhook`,
				webhookWaitingBaseUrl: `${base}/webhook-waiting`,
				webhookTestBaseUrl: `${base}/webhook-test`,
				variables: {},
				logAiEvent: () => {},
				executeWorkflow: async () => {
					throw new Error('not used');
				},
				getRunExecutionData: async () => undefined,
				startRunnerTask: async () => {
					throw new Error('not used');
				},
			};
			const started = performance.now();
			const run = await new core.WorkflowExecute(additionalData, 'manual').run(workflow, workflow.getNode('Manual Trigger'));
			const task = (run.data.resultData.runData['Vision Chat'] || [])[0];
			return {
				run,
				chunks,
				ms: performance.now() - started,
				error: run.data.resultData.error || (task && task.error),
				result: task && task.data && task.data.main[0] && task.data.main[0][0] && task.data.main[0][0].json,
				chunkItems: (task && task.data && task.data.main[1]) || [],
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
		const plain = await runWorkflow({ streaming: false, label: 'plain' });
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
		const streamed = await runWorkflow({ streaming: true, label: 'streaming' });
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
		const proto = core.ExecuteContext.prototype;
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
			old = await runWorkflow({ streaming: true, label: 'old-api' });
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
