'use strict';
/**
 * A plain-JS cut of test/node/engine.ts for the benchmark: runs a node class inside n8n's own
 * execution engine (n8n-core WorkflowExecute) behind a source node that emits the input items
 * (binary through `prepareBinaryData`, so in `filesystem` mode it lands on disk through n8n's
 * BinaryDataService), and reads the node's outputs back from the run data n8n recorded.
 * Stand-ins, as in the jest harness: the credentials store and the server-side parts of
 * IWorkflowExecuteAdditionalData. No cancel, no streaming hooks: the benchmark needs neither.
 */
const path = require('node:path');
const { randomUUID } = require('node:crypto');
const { mkdirSync, mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');

let tempRoot;
function getTempRoot() {
	if (tempRoot) return tempRoot;
	tempRoot = mkdtempSync(path.join(tmpdir(), 'n8n-bench-engine-'));
	const dir = tempRoot;
	process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
	return dir;
}

// InstanceSettings (created on first use inside n8n-core) writes <N8N_USER_FOLDER>/.n8n/config.
if (!process.env.N8N_USER_FOLDER) process.env.N8N_USER_FOLDER = path.join(getTempRoot(), 'user');
process.env.N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS ??= 'false';
process.env.N8N_LOG_LEVEL ??= 'error';
process.env.N8N_DIAGNOSTICS_ENABLED ??= 'false';

const { Container } = require('@n8n/di');
const { Logger } = require('@n8n/backend-common');
const { BinaryDataConfig, BinaryDataService, ErrorReporter, ExecutionLifecycleHooks, WorkflowExecute } = require('n8n-core');
const { createRunExecutionData, ICredentialsHelper, NodeHelpers, Workflow } = require('n8n-workflow');

const SOURCE_NODE_NAME = 'Harness Input';
const SOURCE_NODE_TYPE = 'harness.input';

const binaryServices = {};
async function useBinaryDataService(mode) {
	let service = binaryServices[mode];
	if (!service) {
		const storagePath = path.join(getTempRoot(), `binary-${mode}`);
		mkdirSync(storagePath, { recursive: true });
		const config = Object.assign(Object.create(BinaryDataConfig.prototype), {
			mode,
			availableModes: ['filesystem'],
			localStoragePath: storagePath,
			signingSecret: 'bench-signing-secret',
			dbMaxFileSize: 512,
		});
		service = new BinaryDataService(config, Container.get(ErrorReporter), Container.get(Logger));
		await service.init();
		binaryServices[mode] = service;
	}
	Container.set(BinaryDataService, service);
	return service;
}

function makeSourceNodeType(items) {
	return {
		description: {
			displayName: 'Harness Input',
			name: SOURCE_NODE_TYPE,
			group: ['transform'],
			version: 1,
			description: 'Emits the benchmark input items',
			defaults: { name: SOURCE_NODE_NAME },
			inputs: ['main'],
			outputs: ['main'],
			properties: [],
		},
		async execute() {
			const out = [];
			for (const item of items) {
				const copy = { json: structuredClone(item.json ?? {}), pairedItem: { item: 0 } };
				if (item.binary) {
					copy.binary = {};
					for (const [key, value] of Object.entries(item.binary)) {
						const buffer = Buffer.isBuffer(value.buffer) ? value.buffer : Buffer.from(value.data ?? '', 'base64');
						const prepared = await this.helpers.prepareBinaryData(buffer, value.fileName, value.mimeType);
						if (value.mimeType) prepared.mimeType = value.mimeType;
						copy.binary[key] = prepared;
					}
				}
				out.push(copy);
			}
			return [out];
		},
	};
}

class BenchNodeTypes {
	constructor(types) {
		this.types = types;
	}
	getByName(name) {
		const type = this.types[name];
		if (!type) throw new Error(`bench engine: unknown node type "${name}"`);
		return type;
	}
	getByNameAndVersion(name, version) {
		return NodeHelpers.getVersionedNodeType(this.getByName(name), version);
	}
	getKnownTypes() {
		return {};
	}
}

class BenchCredentialsHelper extends ICredentialsHelper {
	constructor(credentials, types) {
		super();
		this.credentials = credentials;
		this.types = types;
	}
	getParentTypes() {
		return [];
	}
	isCredentialUsableByNode() {
		return true;
	}
	async authenticate(_credentials, _type, requestOptions) {
		return requestOptions;
	}
	async preAuthentication() {
		return undefined;
	}
	async runPreAuthentication() {
		return undefined;
	}
	async getCredentials() {
		throw new Error('bench engine: encrypted credentials are not supported');
	}
	async getDecrypted(_additionalData, _nodeCredentials, type) {
		const found = this.credentials[type];
		if (!found) throw new Error(`bench engine: no credentials of type "${type}"`);
		return structuredClone(found);
	}
	async updateCredentials() {}
	async updateCredentialsOauthTokenData() {}
	getCredentialsProperties(type) {
		return this.types.get(type)?.properties ?? [];
	}
}

function notAvailable(what) {
	return () => {
		throw new Error(`bench engine: ${what} is not available`);
	};
}

function makeAdditionalData(executionId, workflowId, hooks, credentialsHelper) {
	const base = 'http://localhost:5678';
	return {
		credentialsHelper,
		hooks,
		executionId,
		workflowId,
		userId: 'bench-user',
		currentNodeExecutionIndex: 0,
		currentNodeParameters: undefined,
		streamingEnabled: false,
		restApiUrl: `${base}/rest`,
		instanceBaseUrl: base,
		formBaseUrl: `${base}/form`,
		formWaitingBaseUrl: `${base}/form-waiting`,
		formTestBaseUrl: `${base}/form-test`,
		webhookBaseUrl: `${base}/webhook`,
		webhookWaitingBaseUrl: `${base}/webhook-waiting`,
		webhookTestBaseUrl: `${base}/webhook-test`,
		mcpBaseUrl: `${base}/mcp`,
		mcpTestBaseUrl: `${base}/mcp-test`,
		variables: {},
		logAiEvent: () => {},
		executeWorkflow: notAvailable('executeWorkflow'),
		getRunExecutionData: async () => undefined,
		getRuntimeCredential: async () => undefined,
		startRunnerTask: notAvailable('startRunnerTask'),
	};
}

/**
 * @param {{ nodeType: object, parameters: object, inputItems: object[], credentials?: object,
 *   credentialTypes?: object[], binaryMode?: 'default'|'filesystem', nodeTypeName?: string }} opts
 *   Input binary may be `{ data: base64 }` or, to skip a base64 round trip, `{ buffer: Buffer }`.
 */
async function runNode(opts) {
	await useBinaryDataService(opts.binaryMode ?? 'default');
	const nodeTypeName = opts.nodeTypeName ?? 'CUSTOM.visionChat';
	const nodeName = opts.nodeType.description.displayName;
	const mode = 'manual';
	const executionId = `bench-${randomUUID()}`;
	const workflowId = `bench-wf-${randomUUID().slice(0, 8)}`;
	const nodeTypes = new BenchNodeTypes({ [SOURCE_NODE_TYPE]: makeSourceNodeType(opts.inputItems), [nodeTypeName]: opts.nodeType });

	const version = opts.nodeType.description.version;
	const nodeUnderTest = {
		id: randomUUID(),
		name: nodeName,
		type: nodeTypeName,
		typeVersion: Array.isArray(version) ? Math.max(...version) : version,
		position: [200, 0],
		parameters: structuredClone(opts.parameters),
	};
	if (opts.credentials) {
		nodeUnderTest.credentials = Object.fromEntries(Object.keys(opts.credentials).map((type) => [type, { id: `cred-${type}`, name: type }]));
	}
	const sourceNode = { id: randomUUID(), name: SOURCE_NODE_NAME, type: SOURCE_NODE_TYPE, typeVersion: 1, position: [0, 0], parameters: {} };
	const connections = { [SOURCE_NODE_NAME]: { main: [[{ node: nodeName, type: 'main', index: 0 }]] } };
	const workflow = new Workflow({
		id: workflowId,
		name: 'bench',
		nodes: [sourceNode, nodeUnderTest],
		connections,
		active: false,
		nodeTypes,
		settings: { executionOrder: 'v1' },
	});
	const hooks = new ExecutionLifecycleHooks(mode, executionId, {
		id: workflowId,
		name: 'bench',
		active: false,
		isArchived: false,
		nodes: [sourceNode, nodeUnderTest],
		connections,
		createdAt: new Date(),
		updatedAt: new Date(),
		activeVersionId: null,
	});
	const credentialsHelper = new BenchCredentialsHelper(opts.credentials ?? {}, new Map((opts.credentialTypes ?? []).map((t) => [t.name, t])));
	const additionalData = makeAdditionalData(executionId, workflowId, hooks, credentialsHelper);
	const runExecutionData = createRunExecutionData({
		executionData: { nodeExecutionStack: [{ node: sourceNode, data: { main: [[{ json: {} }]] }, source: null }] },
	});

	const startedAt = performance.now();
	const run = await new WorkflowExecute(additionalData, mode, runExecutionData).processRunExecutionData(workflow);
	const durationMs = performance.now() - startedAt;

	const runData = run.data.resultData.runData;
	const tasks = runData[nodeName] ?? [];
	const task = tasks[tasks.length - 1];
	const outputs = (task?.data?.main ?? []).map((items) => items ?? []);
	const error = task?.error ?? run.data.resultData.error ?? undefined;
	return { outputs, error, run, durationMs, nodeName };
}

module.exports = { runNode, useBinaryDataService };
