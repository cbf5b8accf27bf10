/**
 * Runs one node class the way n8n runs it in a workflow: a source node (node-types.ts) emits
 * the test items into the node under test, inside an engine's WorkflowExecute (run-workflow.ts);
 * what the node outputs, or the error it fails with, is read back from the run data n8n recorded.
 */
import type {
	ExecutionError,
	IConnections,
	INode,
	INodeExecutionData,
	INodeParameters,
	INodeType,
	IRun,
	IRunData,
	IVersionedNodeType,
	StructuredChunk,
} from 'n8n-workflow';
import { randomUUID } from 'node:crypto';
import { defaultVersionOf, MapNodeTypes, SOURCE_NODE_NAME, SOURCE_NODE_TYPE, sourceNodeType } from './node-types';
import { repoEngine } from './packages';
import { runWorkflow, type WorkflowRunOptions } from './run-workflow';

export interface EngineRunOptions extends Omit<WorkflowRunOptions, 'nodes' | 'connections' | 'nodeTypes' | 'startNode' | 'streaming'> {
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
	/** Shorthand for `onError: 'continueRegularOutput'` (ignored when `onError` is given). */
	continueOnFail?: boolean;
	onError?: 'stopWorkflow' | 'continueRegularOutput' | 'continueErrorOutput';
	/**
	 * Makes `isStreaming()` true (a `sendChunk` hook is registered and streaming is enabled) and
	 * collects every chunk the node sends into `chunks` (also returned as `result.chunks`).
	 */
	streaming?: { chunks: Array<{ type: string; content?: string; metadata: any }>; onChunk?: (chunk: StructuredChunk) => void };
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

const DEFAULT_NODE_TYPE = 'CUSTOM.visionChat';

function workflowOf(opts: EngineRunOptions, nodeName: string, typeVersion: number) {
	const onError = opts.onError ?? (opts.continueOnFail ? 'continueRegularOutput' : undefined);
	const nodeUnderTest: INode = {
		id: randomUUID(),
		name: nodeName,
		type: opts.nodeTypeName ?? DEFAULT_NODE_TYPE,
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
	const sourceNode: INode = { id: randomUUID(), name: SOURCE_NODE_NAME, type: SOURCE_NODE_TYPE, typeVersion: 1, position: [0, 0], parameters: {} };
	const connections: IConnections = { [SOURCE_NODE_NAME]: { main: [[{ node: nodeName, type: 'main', index: 0 }]] } };
	return { nodes: [sourceNode, nodeUnderTest], connections };
}

/**
 * Runs `opts.nodeType` once, in n8n's engine, on `opts.inputItems`. Runs may follow one another
 * freely; concurrent runs must share one `binaryMode` (the BinaryDataService is process-wide).
 */
export async function runNode(opts: EngineRunOptions): Promise<EngineRunResult> {
	const engine = opts.engine ?? repoEngine();
	const nodeTypeName = opts.nodeTypeName ?? DEFAULT_NODE_TYPE;
	const typeVersion = opts.typeVersion ?? defaultVersionOf(opts.nodeType);
	const { description } = engine.workflow.NodeHelpers.getVersionedNodeType(opts.nodeType, typeVersion);
	const nodeName = opts.nodeName ?? description.defaults?.name ?? description.displayName;
	if (nodeName === SOURCE_NODE_NAME) throw new Error(`engine harness: "${SOURCE_NODE_NAME}" is reserved`);

	let thrown: unknown;
	const nodeTypes = new MapNodeTypes(
		engine,
		{ [SOURCE_NODE_TYPE]: sourceNodeType(opts.inputItems), [nodeTypeName]: opts.nodeType },
		{ type: nodeTypeName, onError: (error) => (thrown = error) },
	);
	const result = await runWorkflow({ ...opts, engine, ...workflowOf(opts, nodeName, typeVersion), nodeTypes, startNode: SOURCE_NODE_NAME });

	const { run, runData } = result;
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
	const { chunks, cancelled, hungAfterCancel, durationMs } = result;
	return { outputs, error, recordedError, runData, run, chunks, nodeName, cancelled, hungAfterCancel, durationMs };
}
