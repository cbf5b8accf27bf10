/**
 * Node types for the harness's workflows: the source node that feeds the test items in, a plain
 * map of node types (optionally keeping the very error one of them throws), and n8n's own CLI
 * NodeTypes (with its `…Tool` conversion) for an installed n8n.
 */
import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	INodeTypes,
	IVersionedNodeType,
} from 'n8n-workflow';
import type { EnginePackages } from './packages';

export const SOURCE_NODE_NAME = 'Harness Input';
export const SOURCE_NODE_TYPE = 'harness.input';

/**
 * Emits the given items. Inline binary (`{ data: base64 }`, or `{ buffer: Buffer }` to skip a
 * base64 round trip) goes through `prepareBinaryData`, so in `filesystem` mode it really lands on
 * disk through n8n's BinaryDataService; an entry with an `id` is a stored reference, kept as is.
 */
export function sourceNodeType(items: INodeExecutionData[]): INodeType {
	const description = {
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
						const { buffer } = value as { buffer?: unknown };
						const bytes = Buffer.isBuffer(buffer) ? buffer : Buffer.from(value.data ?? '', 'base64');
						const prepared = await this.helpers.prepareBinaryData(bytes, value.fileName, value.mimeType);
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

/** The version n8n gives a new node of this type: the highest it declares (its defaultVersion when versioned). */
export function defaultVersionOf(type: INodeType | IVersionedNodeType): number {
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

/** The node types of a workflow by name; `watch` reports what the execute of one of them throws. */
export class MapNodeTypes implements INodeTypes {
	private readonly wrapped = new Map<string, INodeType>();

	constructor(
		private readonly engine: EnginePackages,
		private readonly types: Record<string, INodeType | IVersionedNodeType>,
		private readonly watch?: { type: string; onError: (error: unknown) => void },
	) {}

	getByName(nodeType: string): INodeType | IVersionedNodeType {
		const type = this.types[nodeType];
		if (!type) throw new Error(`engine harness: unknown node type "${nodeType}"`);
		return type;
	}

	getByNameAndVersion(nodeType: string, version?: number): INodeType {
		const type = this.engine.workflow.NodeHelpers.getVersionedNodeType(this.getByName(nodeType), version);
		if (nodeType !== this.watch?.type) return type;
		const key = `${nodeType}@${version}`;
		let wrapped = this.wrapped.get(key);
		if (!wrapped) {
			wrapped = catchingErrors(type, this.watch.onError);
			this.wrapped.set(key, wrapped);
		}
		return wrapped;
	}

	getKnownTypes(): IDataObject {
		return {};
	}
}

/**
 * n8n's own NodeTypes (packages/cli `node-types.ts`) of an installed n8n, over a loader stub that
 * knows the given types: a name ending in `Tool` that the loader does not know becomes the
 * base type converted with `convertNodeToAiTool`, as in n8n.
 */
export function n8nCliNodeTypes(engine: EnginePackages, known: Record<string, INodeType | object>): INodeTypes {
	engine.load('reflect-metadata');
	const { NodeTypes } = engine.file('n8n/dist/node-types.js');
	const loader = {
		loadedNodes: {} as Record<string, unknown>,
		knownNodes: {},
		recognizesNode: (type: string) => type in known,
		getNode: (type: string) => {
			if (!(type in known)) throw new Error(`engine harness loader: unknown node type ${type}`);
			return { type: known[type], sourcePath: '' };
		},
		resolveNodeSourcePath: (_type: string, sourcePath: string) => sourcePath,
	};
	const logger = { warn() {}, debug() {}, info() {}, error() {} };
	return new NodeTypes(logger, loader) as INodeTypes;
}
