/**
 * Runs a real n8n node class inside n8n's own execution engine (n8n-core `WorkflowExecute`),
 * the way n8n runs it in a workflow, for jest tests.
 *
 * The workflow has two nodes: a source node (defined here) that emits `inputItems` — binary
 * written through `this.helpers.prepareBinaryData`, so in `filesystem` mode it really lands on
 * disk through n8n's BinaryDataService and items carry only references — connected to the node
 * under test. What the node under test outputs, or the error it fails with, is read back from
 * the run data n8n recorded.
 *
 * Real pieces: WorkflowExecute and its lifecycle hooks, the execute context (`getNodeParameter`
 * with parameter defaults and expressions, `continueOnFail`, `getExecutionCancelSignal`,
 * `isStreaming`/`sendChunk`, the binary helpers, `httpRequestWithAuthentication`), n8n's
 * BinaryDataService, error-output routing (`onError`) and paired items.
 * Stand-ins: the credentials store (a credentials helper that hands out the decrypted objects
 * given in the options and applies the credential type's `authenticate`, generic or function),
 * and the server-side parts of `IWorkflowExecuteAdditionalData` (URLs, sub-workflows, runners).
 */
import { Container } from '@n8n/di';
import { Logger } from '@n8n/backend-common';
import { BinaryDataConfig, BinaryDataService, ErrorReporter, ExecutionLifecycleHooks, WorkflowExecute } from 'n8n-core';
import {
	createRunExecutionData,
	ICredentialsHelper,
	isExpression,
	NodeHelpers,
	Workflow,
} from 'n8n-workflow';
import type {
	IBinaryData,
	IConnections,
	ICredentialDataDecryptedObject,
	ICredentials,
	ICredentialType,
	IDataObject,
	ExecutionError,
	IExecuteFunctions,
	IHttpRequestOptions,
	INode,
	INodeExecutionData,
	INodeParameters,
	INodeProperties,
	INodeType,
	INodeTypeDescription,
	INodeTypes,
	IRequestOptionsSimplified,
	IRun,
	IRunData,
	IVersionedNodeType,
	IWorkflowExecuteAdditionalData,
	StructuredChunk,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface EngineRunOptions {
	/** The node under test, e.g. `new VisionChat()`. */
	nodeType: INodeType | IVersionedNodeType;
	/** Type name the workflow refers to it by. Default `'CUSTOM.visionChat'`. */
	nodeTypeName?: string;
	/** Name of the node in the workflow (what errors and chunk metadata carry). Default: the type's `defaults.name`, as n8n names a new node. */
	nodeName?: string;
	/** Default: the highest version the type declares (its defaultVersion when versioned). */
	typeVersion?: number;
	/** Parameters of the node under test; the engine fills in the defaults of the rest, as n8n does. */
	parameters: INodeParameters;
	/** Items fed into the node. Binary may be given inline: `binary: { data: { data: base64, mimeType, fileName } }`. */
	inputItems: INodeExecutionData[];
	/** Decrypted credentials by credential type name, e.g. `{ visionChatApi: { apiKey: 'k', baseUrl: '…' } }`. */
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	/**
	 * Credential types the credentials helper knows (needed for `authenticate`, i.e. for
	 * `httpRequestWithAuthentication`). Types not given here are looked up in `<root>/credentials/*.credentials.ts`.
	 */
	credentialTypes?: ICredentialType[];
	/** Shorthand for `onError: 'continueRegularOutput'` (ignored when `onError` is given). */
	continueOnFail?: boolean;
	onError?: 'stopWorkflow' | 'continueRegularOutput' | 'continueErrorOutput';
	/** `filesystem`: binary data is stored on disk (a temp dir) by n8n's BinaryDataService; items carry references. Default `default` (in memory, base64). */
	binaryMode?: 'default' | 'filesystem';
	/** Cancel the execution (as the n8n UI's stop button does) this many ms after it started. */
	abortAfterMs?: number;
	/** After a cancel, how long to wait for the node to return before giving up on it. Default 5000. */
	cancelGraceMs?: number;
	/**
	 * Makes `isStreaming()` true (a `sendChunk` hook is registered and streaming is enabled) and
	 * collects every chunk the node sends into `chunks` (also returned as `result.chunks`).
	 */
	streaming?: { chunks: Array<{ type: string; content?: string; metadata: any }> };
	/** Default `'manual'` (one of the modes in which n8n streams). */
	executionMode?: WorkflowExecuteMode;
}

export interface EngineRunResult {
	/** The node-under-test's outputs as n8n recorded them in runData (index 0, 1, …); `[]` when it failed. */
	outputs: INodeExecutionData[][];
	/**
	 * The node's error if the execution failed: the very instance the node threw (so `instanceof
	 * NodeApiError` works), after n8n's engine handled it; when the failure did not come out of the
	 * node's execute (e.g. the engine itself), n8n's record given an Error prototype.
	 */
	error?: Error;
	/** The error exactly as n8n stored it in runData (a plain-object copy of `error`), or resultData.error. */
	recordedError?: ExecutionError;
	/** Whole run data. */
	runData: IRunData;
	/** The full run as n8n's `workflowExecuteAfter` hook delivered it (status, resultData.error, …). */
	run: IRun;
	/** Chunks sent through `sendChunk` (only with `streaming`). */
	chunks: StructuredChunk[];
	/** Name the node under test had in the workflow. */
	nodeName: string;
	/** True when the execution was cancelled via `abortAfterMs`. */
	cancelled: boolean;
	/** True when, after a cancel, the node did not return within `cancelGraceMs` (result is the snapshot taken at cancel time). */
	hungAfterCancel: boolean;
	/** Milliseconds from the start of the execution to its end. */
	durationMs: number;
}

export const SOURCE_NODE_NAME = 'Harness Input';
const SOURCE_NODE_TYPE = 'harness.input';
const DEFAULT_NODE_TYPE = 'CUSTOM.visionChat';
const ROOT_DIR = path.resolve(__dirname, '..', '..');

/* ------------------------------------------------------------------------------------------ */
/* One-time process setup: n8n's user folder and binary storage in a temp dir                 */
/* ------------------------------------------------------------------------------------------ */

let tempRoot: string | undefined;
function getTempRoot(): string {
	if (tempRoot) return tempRoot;
	tempRoot = mkdtempSync(path.join(tmpdir(), 'n8n-engine-harness-'));
	const dir = tempRoot;
	process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
	return dir;
}

let envPrepared = false;
function prepareEnvironment(): void {
	if (envPrepared) return;
	envPrepared = true;
	// InstanceSettings (created on first use inside n8n-core) writes `<N8N_USER_FOLDER>/.n8n/config`.
	// Keep that out of the real home directory unless the caller chose a folder.
	if (!process.env.N8N_USER_FOLDER) process.env.N8N_USER_FOLDER = path.join(getTempRoot(), 'user');
	process.env.N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS ??= 'false';
	// n8n logs every node error through winston straight to stdout; set N8N_LOG_LEVEL to see it.
	process.env.N8N_LOG_LEVEL ??= 'silent';
	process.env.N8N_DIAGNOSTICS_ENABLED ??= 'false';
}

let binaryServices: Partial<Record<'default' | 'filesystem', BinaryDataService>> = {};
/** The BinaryDataService for a mode, initialised once, registered in the @n8n/di Container. */
async function useBinaryDataService(mode: 'default' | 'filesystem'): Promise<BinaryDataService> {
	let service = binaryServices[mode];
	if (!service) {
		const storagePath = path.join(getTempRoot(), `binary-${mode}`);
		mkdirSync(storagePath, { recursive: true });
		const config = Object.assign(Object.create(BinaryDataConfig.prototype) as BinaryDataConfig, {
			mode,
			availableModes: ['filesystem'],
			localStoragePath: storagePath,
			signingSecret: 'engine-harness-signing-secret',
			dbMaxFileSize: 512,
		});
		service = new BinaryDataService(config, Container.get(ErrorReporter), Container.get(Logger));
		await service.init();
		binaryServices[mode] = service;
	}
	Container.set(BinaryDataService, service);
	return service;
}

/** Reads a binary entry from the node's output, whether it is inline (base64) or a filesystem reference. */
export async function readBinary(binary: IBinaryData): Promise<Buffer> {
	return await Container.get(BinaryDataService).getAsBuffer(binary);
}

/* ------------------------------------------------------------------------------------------ */
/* Node types                                                                                  */
/* ------------------------------------------------------------------------------------------ */

/** The source node: emits the given items; inline binary goes through prepareBinaryData. */
function makeSourceNodeType(items: INodeExecutionData[]): INodeType {
	const description: INodeTypeDescription = {
		displayName: 'Harness Input',
		name: SOURCE_NODE_TYPE,
		group: ['transform'],
		version: 1,
		description: 'Emits the test input items',
		defaults: { name: SOURCE_NODE_NAME },
		inputs: ['main'],
		outputs: ['main'],
		properties: [],
	} as unknown as INodeTypeDescription;
	return {
		description,
		async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
			const out: INodeExecutionData[] = [];
			for (const item of items) {
				const copy: INodeExecutionData = { json: structuredClone(item.json ?? {}), pairedItem: { item: 0 } };
				if (item.binary) {
					copy.binary = {};
					for (const [key, value] of Object.entries(item.binary)) {
						if (value.id) {
							copy.binary[key] = { ...value }; // already a stored reference
							continue;
						}
						const buffer = Buffer.from(value.data ?? '', 'base64');
						const prepared = await this.helpers.prepareBinaryData(buffer, value.fileName, value.mimeType);
						// prepareBinaryData guesses the mime type from the name when none is given; keep an explicit one as is.
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

function isVersioned(type: INodeType | IVersionedNodeType): type is IVersionedNodeType {
	return 'nodeVersions' in type;
}

function defaultVersionOf(type: INodeType | IVersionedNodeType): number {
	if (isVersioned(type)) return type.currentVersion ?? type.description.defaultVersion ?? Math.max(...Object.keys(type.nodeVersions).map(Number));
	const { version } = type.description;
	return Array.isArray(version) ? Math.max(...version) : version;
}

/**
 * Wraps a node type so that the error its `execute` throws is kept as the very instance (n8n
 * records a plain-object copy of it in the run data). Everything else goes to the original.
 */
function catchingErrors(type: INodeType, onError: (error: unknown) => void): INodeType {
	const { execute } = type;
	if (!execute) return type;
	const wrapped = Object.create(type) as INodeType;
	wrapped.execute = async function (this: IExecuteFunctions) {
		try {
			return await execute.call(this);
		} catch (error) {
			onError(error);
			throw error;
		}
	} as INodeType['execute'];
	return wrapped;
}

class HarnessNodeTypes implements INodeTypes {
	private readonly wrapped = new Map<string, INodeType>();

	constructor(
		private readonly types: Record<string, INodeType | IVersionedNodeType>,
		private readonly watched: string,
		private readonly onError: (error: unknown) => void,
	) {}

	getByName(nodeType: string): INodeType | IVersionedNodeType {
		const type = this.types[nodeType];
		if (!type) throw new Error(`engine harness: unknown node type "${nodeType}"`);
		return type;
	}

	getByNameAndVersion(nodeType: string, version?: number): INodeType {
		const type = NodeHelpers.getVersionedNodeType(this.getByName(nodeType), version);
		if (nodeType !== this.watched) return type;
		const key = `${nodeType}@${version}`;
		let wrapped = this.wrapped.get(key);
		if (!wrapped) {
			wrapped = catchingErrors(type, this.onError);
			this.wrapped.set(key, wrapped);
		}
		return wrapped;
	}

	getKnownTypes(): IDataObject {
		return {};
	}
}

/* ------------------------------------------------------------------------------------------ */
/* Credentials                                                                                 */
/* ------------------------------------------------------------------------------------------ */

let discoveredCredentialTypes: Map<string, ICredentialType> | undefined;
/** Credential types exported by `<root>/credentials/*.credentials.ts`, by name (loaded once, lazily). */
function discoverCredentialTypes(): Map<string, ICredentialType> {
	if (discoveredCredentialTypes) return discoveredCredentialTypes;
	const found = new Map<string, ICredentialType>();
	const dir = path.join(ROOT_DIR, 'credentials');
	if (existsSync(dir)) {
		for (const file of readdirSync(dir)) {
			if (!/\.credentials\.ts$/.test(file)) continue;
			const mod = require(path.join(dir, file)) as Record<string, unknown>;
			for (const exported of Object.values(mod)) {
				if (typeof exported !== 'function') continue;
				try {
					const instance = new (exported as new () => ICredentialType)();
					if (instance && typeof instance.name === 'string' && Array.isArray(instance.properties)) {
						found.set(instance.name, instance);
					}
				} catch {
					// not a credential class
				}
			}
		}
	}
	discoveredCredentialTypes = found;
	return found;
}

/** Hands out the decrypted credentials given to runNode; applies the credential type's `authenticate`. */
class HarnessCredentialsHelper extends ICredentialsHelper {
	constructor(
		private readonly credentials: Record<string, ICredentialDataDecryptedObject>,
		private readonly types: Map<string, ICredentialType>,
	) {
		super();
	}

	private getType(name: string): ICredentialType {
		const type = this.types.get(name) ?? discoverCredentialTypes().get(name);
		if (!type) {
			throw new Error(
				`engine harness: credential type "${name}" is unknown; pass it in credentialTypes or export it from credentials/*.credentials.ts`,
			);
		}
		return type;
	}

	getParentTypes(name: string): string[] {
		const type = this.types.get(name) ?? discoverCredentialTypes().get(name);
		return type?.extends ?? [];
	}

	isCredentialUsableByNode(): boolean {
		return true;
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		incoming: IHttpRequestOptions | IRequestOptionsSimplified,
		workflow?: Workflow,
		node?: INode,
	): Promise<IHttpRequestOptions> {
		const requestOptions = incoming as IHttpRequestOptions;
		const { authenticate } = this.getType(typeName);
		if (!authenticate) return requestOptions;
		if (typeof authenticate === 'function') return await authenticate(credentials, requestOptions);
		if (authenticate.type !== 'generic') return requestOptions;
		if (!workflow || !node) throw new Error('engine harness: generic authentication needs the workflow and node');
		// The same as n8n's CredentialsHelper: every key and value may be an expression over $credentials.
		const resolve = (value: unknown): string => {
			if (typeof value !== 'string' || !isExpression(value)) return String(value);
			const resolved = workflow.expression.getSimpleParameterValue(node, value, 'internal', { $credentials: credentials }, undefined, '');
			return resolved ? String(resolved) : '';
		};
		requestOptions.headers ??= {};
		const target = requestOptions as unknown as Record<string, Record<string, unknown>>;
		for (const [outerKey, inner] of Object.entries(authenticate.properties)) {
			target[outerKey] ??= {};
			for (const [key, value] of Object.entries(inner as Record<string, unknown>)) {
				target[outerKey][resolve(key)] = resolve(value);
			}
		}
		return requestOptions;
	}

	async preAuthentication(): Promise<ICredentialDataDecryptedObject | undefined> {
		return undefined;
	}

	async runPreAuthentication(): Promise<ICredentialDataDecryptedObject | undefined> {
		return undefined;
	}

	async getCredentials(): Promise<ICredentials> {
		throw new Error('engine harness: getCredentials (encrypted credentials) is not supported');
	}

	async getDecrypted(_additionalData: IWorkflowExecuteAdditionalData, _nodeCredentials: unknown, type: string): Promise<ICredentialDataDecryptedObject> {
		const found = this.credentials[type];
		if (!found) throw new Error(`engine harness: no credentials of type "${type}" were given to runNode`);
		return structuredClone(found);
	}

	async updateCredentials(): Promise<void> {}

	async updateCredentialsOauthTokenData(): Promise<void> {}

	getCredentialsProperties(type: string): INodeProperties[] {
		return this.getType(type).properties;
	}
}

/* ------------------------------------------------------------------------------------------ */
/* Additional data                                                                             */
/* ------------------------------------------------------------------------------------------ */

function notAvailable(what: string) {
	return () => {
		throw new Error(`engine harness: ${what} is not available`);
	};
}

function makeAdditionalData(
	executionId: string,
	workflowId: string,
	hooks: ExecutionLifecycleHooks,
	credentialsHelper: ICredentialsHelper,
	streaming: boolean,
): IWorkflowExecuteAdditionalData {
	const base = 'http://localhost:5678';
	const data: Partial<IWorkflowExecuteAdditionalData> = {
		credentialsHelper,
		hooks,
		executionId,
		workflowId,
		userId: 'engine-harness-user',
		currentNodeExecutionIndex: 0,
		currentNodeParameters: undefined,
		streamingEnabled: streaming,
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
		executeWorkflow: notAvailable('executeWorkflow (sub-workflows)') as IWorkflowExecuteAdditionalData['executeWorkflow'],
		getRunExecutionData: async () => undefined,
		getRuntimeCredential: async () => undefined,
		startRunnerTask: notAvailable('startRunnerTask (code runners)') as IWorkflowExecuteAdditionalData['startRunnerTask'],
	};
	return data as IWorkflowExecuteAdditionalData;
}

/* ------------------------------------------------------------------------------------------ */
/* runNode                                                                                     */
/* ------------------------------------------------------------------------------------------ */

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
	let resolve!: (value: T) => void;
	const promise = new Promise<T>((r) => (resolve = r));
	return { promise, resolve };
}

function settleWithin<T>(promise: Promise<T>, ms: number): Promise<{ settled: true; value: T } | { settled: false }> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => resolve({ settled: false }), ms);
		promise.then(
			(value) => {
				clearTimeout(timer);
				resolve({ settled: true, value });
			},
			(error) => {
				clearTimeout(timer);
				reject(error);
			},
		);
	});
}

/**
 * Runs `opts.nodeType` once, in n8n's engine, on `opts.inputItems`. Runs may follow one another
 * freely; concurrent runs must share one `binaryMode` (the BinaryDataService is process-wide).
 */
export async function runNode(opts: EngineRunOptions): Promise<EngineRunResult> {
	prepareEnvironment();
	await useBinaryDataService(opts.binaryMode ?? 'default');

	const nodeTypeName = opts.nodeTypeName ?? DEFAULT_NODE_TYPE;
	const typeVersion = opts.typeVersion ?? defaultVersionOf(opts.nodeType);
	const { description } = NodeHelpers.getVersionedNodeType(opts.nodeType, typeVersion);
	const nodeName = opts.nodeName ?? description.defaults?.name ?? description.displayName;
	if (nodeName === SOURCE_NODE_NAME) throw new Error(`engine harness: "${SOURCE_NODE_NAME}" is reserved`);
	const mode = opts.executionMode ?? 'manual';
	const executionId = `harness-${randomUUID()}`;
	const workflowId = `harness-wf-${randomUUID().slice(0, 8)}`;

	let thrown: unknown;
	const nodeTypes = new HarnessNodeTypes(
		{
			[SOURCE_NODE_TYPE]: makeSourceNodeType(opts.inputItems),
			[nodeTypeName]: opts.nodeType,
		},
		nodeTypeName,
		(error) => (thrown = error),
	);

	const onError = opts.onError ?? (opts.continueOnFail ? 'continueRegularOutput' : undefined);
	const nodeUnderTest: INode = {
		id: randomUUID(),
		name: nodeName,
		type: nodeTypeName,
		typeVersion,
		position: [200, 0],
		parameters: structuredClone(opts.parameters),
		...(onError ? { onError } : {}),
	};
	if (opts.credentials && Object.keys(opts.credentials).length > 0) {
		nodeUnderTest.credentials = Object.fromEntries(
			Object.keys(opts.credentials).map((type) => [type, { id: `cred-${type}`, name: `${type} (test)` }]),
		);
	}
	const sourceNode: INode = {
		id: randomUUID(),
		name: SOURCE_NODE_NAME,
		type: SOURCE_NODE_TYPE,
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
	};

	const connections: IConnections = {
		[SOURCE_NODE_NAME]: { main: [[{ node: nodeName, type: 'main', index: 0 }]] },
	};
	const workflow = new Workflow({
		id: workflowId,
		name: 'engine harness',
		nodes: [sourceNode, nodeUnderTest],
		connections,
		active: false,
		nodeTypes,
		settings: { executionOrder: 'v1' },
	});

	const hooks = new ExecutionLifecycleHooks(mode, executionId, {
		id: workflowId,
		name: 'engine harness',
		active: false,
		isArchived: false,
		nodes: [sourceNode, nodeUnderTest],
		connections,
		createdAt: new Date(),
		updatedAt: new Date(),
		activeVersionId: null,
	} as unknown as ConstructorParameters<typeof ExecutionLifecycleHooks>[2]);
	const chunks: StructuredChunk[] = [];
	const { streaming } = opts;
	if (streaming) {
		hooks.addHandler('sendChunk', (chunk) => {
			chunks.push(chunk);
			streaming.chunks.push(chunk);
		});
	}
	const finished = deferred<IRun>();
	let lastRun: IRun | undefined;
	hooks.addHandler('workflowExecuteAfter', (run) => {
		lastRun = run;
		finished.resolve(run);
	});

	const credentialsHelper = new HarnessCredentialsHelper(
		opts.credentials ?? {},
		new Map((opts.credentialTypes ?? []).map((t) => [t.name, t])),
	);
	const additionalData = makeAdditionalData(executionId, workflowId, hooks, credentialsHelper, !!opts.streaming);

	const runExecutionData = createRunExecutionData({
		executionData: {
			nodeExecutionStack: [{ node: sourceNode, data: { main: [[{ json: {} }]] }, source: null }],
		},
	});

	const startedAt = Date.now();
	const workflowExecute = new WorkflowExecute(additionalData, mode, runExecutionData);
	const execution = workflowExecute.processRunExecutionData(workflow);

	let cancelled = false;
	let hungAfterCancel = false;
	let cancelTimer: NodeJS.Timeout | undefined;
	const cancelledSignal = deferred<void>();
	if (opts.abortAfterMs !== undefined) {
		cancelTimer = setTimeout(() => {
			cancelled = true;
			execution.cancel();
			cancelledSignal.resolve();
		}, opts.abortAfterMs);
	}

	let run: IRun;
	try {
		const first = await Promise.race([
			execution.then((r) => ({ kind: 'done' as const, run: r })),
			cancelledSignal.promise.then(() => ({ kind: 'cancelled' as const })),
		]);
		if (first.kind === 'done') {
			run = first.run;
		} else {
			// n8n reports the cancelled run right away (workflowExecuteAfter); the node keeps running
			// until it honours the signal. Wait for it to return so its reaction is in the run data.
			const settled = await settleWithin(execution, opts.cancelGraceMs ?? 5000);
			if (settled.settled) {
				run = settled.value;
			} else {
				hungAfterCancel = true;
				run = lastRun ?? (await finished.promise);
			}
		}
	} finally {
		if (cancelTimer) clearTimeout(cancelTimer);
	}
	const durationMs = Date.now() - startedAt;

	const runData = run.data.resultData.runData;
	const tasks = runData[nodeName] ?? [];
	const task = tasks[tasks.length - 1];
	const outputs = (task?.data?.main ?? []).map((items) => items ?? []);
	const recordedError = (task?.error ?? run.data.resultData.error) || undefined;
	let error: Error | undefined;
	if (recordedError) {
		// The instance the node threw is the one n8n recorded (the run data holds `{ ...error }`);
		// hand that out so `instanceof NodeApiError` works. Otherwise give the record an Error face.
		error =
			thrown instanceof Error && thrown.message === recordedError.message
				? thrown
				: Object.assign(Object.create(Error.prototype) as Error, recordedError);
	}

	return {
		outputs,
		error,
		recordedError,
		runData,
		run,
		chunks,
		nodeName,
		cancelled,
		hungAfterCancel,
		durationMs,
	};
}
