/**
 * Runs a workflow in an engine's own WorkflowExecute, as n8n runs a manual (or webhook…)
 * execution: lifecycle hooks (a `sendChunk` handler when streaming), the execute contexts, the
 * BinaryDataService, error-output routing and paired items are n8n's; the credentials store and
 * the CLI's additional data are stand-ins (credentials-helper.ts, additional-data.ts).
 */
import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
	IConnections,
	INode,
	INodeTypes,
	IRun,
	IRunData,
	StructuredChunk,
	Workflow,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import type { ExecutionLifecycleHooks } from 'n8n-core';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { makeAdditionalData } from './additional-data';
import { useBinaryDataService, type BinaryMode } from './binary-data';
import { createCredentialsHelper } from './credentials-helper';
import { repoEngine, type EnginePackages } from './packages';

/** Where streamed chunks go: collected into `chunks`, and/or handed to `onChunk` as they come. */
export interface StreamingSink {
	chunks?: Array<{ type: string; content?: string; metadata: any }>;
	onChunk?: (chunk: StructuredChunk) => void;
}

export interface WorkflowRunOptions {
	/** Which n8n runs it (packages.ts). Default: the repository's own n8n-core / n8n-workflow. */
	engine?: EnginePackages;
	nodes: INode[];
	connections: IConnections;
	nodeTypes: INodeTypes;
	/** The node the execution starts with (it gets one empty item). Default: the first node. */
	startNode?: string;
	/** Decrypted credentials by credential type name, e.g. `{ visionChatApi: { apiKey: 'k', baseUrl: '…' } }`. */
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	/** Credential types besides those of `credentials/*.credentials.ts` (for `authenticate`). */
	credentialTypes?: ICredentialType[];
	/** Default `default` (in memory, base64); `filesystem` stores binary data on disk, items carry references. */
	binaryMode?: BinaryMode;
	/** Registers a `sendChunk` hook and enables streaming, so `isStreaming()` is true. */
	streaming?: boolean | StreamingSink;
	/** Default `'manual'` (one of the modes in which n8n streams). */
	executionMode?: WorkflowExecuteMode;
	/** Cancel the execution (as the n8n UI's stop button does) this many ms after it started. */
	abortAfterMs?: number;
	/** After a cancel, how long to wait for the nodes to return before giving up on them. Default 5000. */
	cancelGraceMs?: number;
	/** The workflow's id; default a new one per run. Give the same id to runs that share state keyed by it (Simple Memory). */
	workflowId?: string;
}

export interface WorkflowRunResult {
	/** The full run as the engine delivered it (status, resultData.error, …). */
	run: IRun;
	runData: IRunData;
	workflow: Workflow;
	/** Chunks sent through `sendChunk` (only when streaming). */
	chunks: StructuredChunk[];
	/** True when the execution was cancelled via `abortAfterMs`. */
	cancelled: boolean;
	/** True when, after a cancel, the run did not end within `cancelGraceMs` (`run` is the snapshot taken at cancel time). */
	hungAfterCancel: boolean;
	/** Milliseconds from the start of the execution to its end. */
	durationMs: number;
}

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

function makeHooks(engine: EnginePackages, opts: WorkflowRunOptions, ids: { executionId: string; workflowId: string }, mode: WorkflowExecuteMode) {
	return new engine.core.ExecutionLifecycleHooks(mode, ids.executionId, {
		id: ids.workflowId,
		name: 'engine harness',
		active: false,
		isArchived: false,
		nodes: opts.nodes,
		connections: opts.connections,
		createdAt: new Date(),
		updatedAt: new Date(),
		activeVersionId: null,
	} as unknown as ConstructorParameters<typeof ExecutionLifecycleHooks>[2]);
}

/** Runs the workflow once. Runs may follow one another freely; concurrent runs must share one `binaryMode`. */
export async function runWorkflow(opts: WorkflowRunOptions): Promise<WorkflowRunResult> {
	const engine = opts.engine ?? repoEngine();
	await useBinaryDataService(engine, opts.binaryMode ?? 'default');
	const mode = opts.executionMode ?? 'manual';
	const ids = { executionId: `harness-${randomUUID()}`, workflowId: opts.workflowId ?? `harness-wf-${randomUUID().slice(0, 8)}` };
	const workflow: Workflow = new engine.workflow.Workflow({
		id: ids.workflowId,
		name: 'engine harness',
		nodes: opts.nodes,
		connections: opts.connections,
		active: false,
		nodeTypes: opts.nodeTypes,
		settings: { executionOrder: 'v1' },
	});

	const hooks = makeHooks(engine, opts, ids, mode);
	const chunks: StructuredChunk[] = [];
	const sink = typeof opts.streaming === 'object' ? opts.streaming : {};
	if (opts.streaming) {
		hooks.addHandler('sendChunk', (chunk) => {
			chunks.push(chunk);
			sink.chunks?.push(chunk);
			sink.onChunk?.(chunk);
		});
	}
	const finished = deferred<IRun>();
	let lastRun: IRun | undefined;
	hooks.addHandler('workflowExecuteAfter', (run) => {
		lastRun = run;
		finished.resolve(run);
	});

	const credentialsHelper = createCredentialsHelper(engine, opts.credentials ?? {}, opts.credentialTypes);
	const additionalData = makeAdditionalData({ ...ids, hooks, credentialsHelper, streaming: !!opts.streaming });
	const startNode = opts.startNode ? workflow.getNode(opts.startNode) : opts.nodes[0];
	if (!startNode) throw new Error(`engine harness: no start node "${opts.startNode}"`);
	const runExecutionData = engine.workflow.createRunExecutionData({
		executionData: { nodeExecutionStack: [{ node: startNode, data: { main: [[{ json: {} }]] }, source: null }] },
	});

	const startedAt = performance.now();
	const execution = new engine.core.WorkflowExecute(additionalData, mode, runExecutionData).processRunExecutionData(workflow);

	let cancelled = false;
	let hungAfterCancel = false;
	const cancelledSignal = deferred<void>();
	const cancelTimer =
		opts.abortAfterMs === undefined
			? undefined
			: setTimeout(() => {
					cancelled = true;
					execution.cancel();
					cancelledSignal.resolve();
				}, opts.abortAfterMs);

	let run: IRun;
	try {
		const first = await Promise.race([
			execution.then((r) => ({ kind: 'done' as const, run: r })),
			cancelledSignal.promise.then(() => ({ kind: 'cancelled' as const })),
		]);
		if (first.kind === 'done') {
			run = first.run;
		} else {
			// n8n reports the cancelled run right away (workflowExecuteAfter); the nodes keep running
			// until they honour the signal. Wait for them to return so their reaction is in the run data.
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
	const durationMs = performance.now() - startedAt;
	return { run, runData: run.data.resultData.runData, workflow, chunks, cancelled, hungAfterCancel, durationMs };
}
