/**
 * Proves test/node/engine.ts: a dummy node with two outputs runs inside n8n's real engine
 * (WorkflowExecute) and the harness reports what n8n recorded.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { Container } from '@n8n/di';
import { BinaryDataService } from 'n8n-core';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type {
	ICredentialType,
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	JsonObject,
} from 'n8n-workflow';
import { readBinary, runNode, SOURCE_NODE_NAME } from './engine';

/* ---------------------------------- the dummy node under test ---------------------------------- */

const dummyDescription = {
	displayName: 'Dummy Two Outputs',
	name: 'dummyTwoOutputs',
	group: ['transform'],
	version: 1,
	description: 'Test double: binary facts on output 0, the item json on output 1',
	defaults: { name: 'Dummy Two Outputs' },
	inputs: ['main'],
	outputs: ['main', 'main'],
	outputNames: ['Binary', 'Json'],
	credentials: [{ name: 'harnessTestApi', required: false }],
	properties: [
		{ displayName: 'Binary Property', name: 'binaryPropertyName', type: 'string', default: 'data' },
		{ displayName: 'Label', name: 'label', type: 'string', default: 'default-label' },
		{ displayName: 'Call API', name: 'callApi', type: 'boolean', default: false },
	],
} as unknown as INodeTypeDescription;

/** Waits for the execution's cancel signal (or gives up after `ms`). */
function waitForAbort(signal: AbortSignal | undefined, ms: number): Promise<boolean> {
	return new Promise((resolve) => {
		if (signal?.aborted) return resolve(true);
		const timer = setTimeout(() => resolve(false), ms);
		signal?.addEventListener('abort', () => {
			clearTimeout(timer);
			resolve(true);
		});
	});
}

class DummyTwoOutputs implements INodeType {
	description = dummyDescription;

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const binaryOut: INodeExecutionData[] = [];
		const jsonOut: INodeExecutionData[] = [];
		for (let i = 0; i < items.length; i++) {
			try {
				const json = items[i].json;
				if (json.fail) throw new NodeOperationError(this.getNode(), `item ${i} refused`, { itemIndex: i, description: 'asked to fail' });
				if (json.apiFail) throw new NodeApiError(this.getNode(), { message: 'upstream said no' } as JsonObject, { httpCode: '429', itemIndex: i });
				if (json.ignoreAbortMs) {
					await new Promise((resolve) => setTimeout(resolve, json.ignoreAbortMs as number));
					binaryOut.push({ json: { ignored: true }, pairedItem: { item: i } });
					continue;
				}
				if (json.waitForAbort) {
					const signal = this.getExecutionCancelSignal();
					const aborted = await waitForAbort(signal, 10_000);
					binaryOut.push({ json: { aborted, signalAborted: signal?.aborted ?? null }, pairedItem: { item: i } });
					continue;
				}
				if (this.isStreaming()) {
					this.sendChunk('begin', i);
					this.sendChunk('item', i, `chunk for ${i}`);
					this.sendChunk('end', i);
				}
				const extra: IDataObject = {};
				if (this.getNodeParameter('callApi', i) as boolean) {
					const creds = await this.getCredentials('harnessTestApi', i);
					extra.api = await this.helpers.httpRequestWithAuthentication.call(this, 'harnessTestApi', {
						method: 'GET',
						url: `${creds.baseUrl as string}/models`,
						json: true,
					});
				}
				const property = this.getNodeParameter('binaryPropertyName', i) as string;
				const binary = this.helpers.assertBinaryData(i, property);
				const buffer = await this.helpers.getBinaryDataBuffer(i, property);
				binaryOut.push({
					json: {
						size: buffer.length,
						mimeType: binary.mimeType,
						fileName: binary.fileName ?? null,
						stored: binary.id ?? null,
						label: this.getNodeParameter('label', i) as string,
						...extra,
					},
					pairedItem: { item: i },
				});
				jsonOut.push({ json: { ...items[i].json }, pairedItem: { item: i } });
			} catch (error) {
				if (this.continueOnFail()) {
					binaryOut.push({ json: { error: (error as Error).message }, pairedItem: { item: i } });
					continue;
				}
				throw error;
			}
		}
		return [binaryOut, jsonOut];
	}
}

const harnessTestApi: ICredentialType = {
	name: 'harnessTestApi',
	displayName: 'Harness Test API',
	properties: [
		{ displayName: 'API Key', name: 'apiKey', type: 'string', typeOptions: { password: true }, default: '' },
		{ displayName: 'Base URL', name: 'baseUrl', type: 'string', default: '' },
	],
	authenticate: {
		type: 'generic',
		properties: { headers: { Authorization: '=Bearer {{$credentials.apiKey}}' } },
	},
};

/* ---------------------------------------- fixtures ---------------------------------------- */

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
const JPEG = Buffer.alloc(1234, 0xff);

function imageItem(json: IDataObject, buffer: Buffer, mimeType: string, fileName: string): INodeExecutionData {
	return { json, binary: { data: { data: buffer.toString('base64'), mimeType, fileName } } };
}

const timings: Array<[string, number]> = [];
afterAll(() => {
	console.log(`engine harness run times (ms):\n${timings.map(([name, ms]) => `  ${ms.toString().padStart(5)}  ${name}`).join('\n')}`);
});
function timed(name: string, ms: number) {
	timings.push([name, ms]);
}

/* ------------------------------------------ tests ------------------------------------------ */

describe('engine harness', () => {
	for (const binaryMode of ['default', 'filesystem'] as const) {
		test(`${binaryMode} binary mode: several items, two outputs, paired`, async () => {
			const result = await runNode({
				nodeType: new DummyTwoOutputs(),
				parameters: { label: 'hello' },
				binaryMode,
				inputItems: [
					imageItem({ n: 0 }, PNG, 'image/png', 'a.png'),
					imageItem({ n: 1 }, JPEG, 'image/jpeg', 'b.jpg'),
					imageItem({ n: 2, nested: { x: [1, 2] } }, PNG, 'image/png', 'c.png'),
				],
			});
			timed(`${binaryMode} binary mode`, result.durationMs);

			expect(result.error).toBeUndefined();
			expect(result.run.status).toBe('success');
			expect(result.outputs).toHaveLength(2);
			expect(result.outputs[0].map((i) => [i.json.size, i.json.mimeType, i.json.fileName, i.json.label])).toEqual([
				[PNG.length, 'image/png', 'a.png', 'hello'],
				[JPEG.length, 'image/jpeg', 'b.jpg', 'hello'],
				[PNG.length, 'image/png', 'c.png', 'hello'],
			]);
			expect(result.outputs[1].map((i) => i.json)).toEqual([{ n: 0 }, { n: 1 }, { n: 2, nested: { x: [1, 2] } }]);
			for (const output of result.outputs) {
				expect(output.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
			}

			// What the node saw as input is what the source node put into the engine.
			const inputTask = result.runData[SOURCE_NODE_NAME][0];
			const fed = inputTask.data!.main[0]!;
			if (binaryMode === 'filesystem') {
				for (const item of result.outputs[0]) expect(item.json.stored).toMatch(/^filesystem-v2:/);
				for (const item of fed) {
					expect(item.binary!.data.data).toBe('filesystem-v2');
					expect(existsSync(Container.get(BinaryDataService).getPath(item.binary!.data.id!))).toBe(true);
				}
			} else {
				for (const item of result.outputs[0]) expect(item.json.stored).toBeNull();
				expect(fed[0].binary!.data.data).toBe(PNG.toString('base64'));
			}
			expect((await readBinary(fed[1].binary!.data)).equals(JPEG)).toBe(true);
		});
	}

	test('parameter defaults are filled in by the engine', async () => {
		const result = await runNode({
			nodeType: new DummyTwoOutputs(),
			parameters: {},
			inputItems: [imageItem({}, PNG, 'image/png', 'a.png')],
		});
		expect(result.outputs[0][0].json.label).toBe('default-label');
		expect(result.nodeName).toBe('Dummy Two Outputs');
	});

	test('an item without the binary property fails the node with n8n’s own NodeOperationError', async () => {
		const result = await runNode({
			nodeType: new DummyTwoOutputs(),
			parameters: {},
			inputItems: [imageItem({}, PNG, 'image/png', 'a.png'), { json: { plain: true } }],
		});
		expect(result.error).toBeInstanceOf(NodeOperationError);
		expect(result.error!.message).toMatch(/expects the node's input data to contain a binary file 'data'/);
	});

	test('a NodeOperationError with itemIndex is surfaced as result.error', async () => {
		const result = await runNode({
			nodeType: new DummyTwoOutputs(),
			parameters: {},
			inputItems: [imageItem({}, PNG, 'image/png', 'a.png'), imageItem({ fail: true }, PNG, 'image/png', 'b.png')],
		});
		timed('NodeOperationError', result.durationMs);

		expect(result.run.status).toBe('error');
		expect(result.outputs).toEqual([]);
		expect(result.error).toBeInstanceOf(NodeOperationError);
		const error = result.error as NodeOperationError;
		expect(error.message).toBe('item 1 refused');
		expect(error.description).toBe('asked to fail');
		expect(error.context.itemIndex).toBe(1);
		expect(error.node?.name).toBe('Dummy Two Outputs');
		// n8n's own record in the run data is a plain copy of the same error
		expect(result.recordedError).toMatchObject({ name: 'NodeOperationError', message: 'item 1 refused' });
		expect(result.runData['Dummy Two Outputs'][0].error?.message).toBe('item 1 refused');
	});

	test('a NodeApiError keeps its class and http code', async () => {
		const result = await runNode({
			nodeType: new DummyTwoOutputs(),
			parameters: {},
			inputItems: [imageItem({ apiFail: true }, PNG, 'image/png', 'a.png')],
		});
		expect(result.error).toBeInstanceOf(NodeApiError);
		expect((result.error as NodeApiError).httpCode).toBe('429');
	});

	test('continueOnFail: the node’s this.continueOnFail() path keeps the other items', async () => {
		const result = await runNode({
			nodeType: new DummyTwoOutputs(),
			parameters: {},
			continueOnFail: true,
			inputItems: [
				imageItem({ n: 0 }, PNG, 'image/png', 'a.png'),
				imageItem({ n: 1, fail: true }, PNG, 'image/png', 'b.png'),
				imageItem({ n: 2 }, JPEG, 'image/jpeg', 'c.jpg'),
			],
		});
		timed('continueOnFail', result.durationMs);

		expect(result.error).toBeUndefined();
		expect(result.run.status).toBe('success');
		expect(result.outputs[0].map((i) => i.json.error ?? i.json.size)).toEqual([PNG.length, 'item 1 refused', JPEG.length]);
		expect(result.outputs[0].map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(result.outputs[1].map((i) => i.json.n)).toEqual([0, 2]);
	});

	test('onError continueErrorOutput: n8n moves the error items to the extra error output', async () => {
		const result = await runNode({
			nodeType: new DummyTwoOutputs(),
			parameters: {},
			onError: 'continueErrorOutput',
			inputItems: [imageItem({ n: 0 }, PNG, 'image/png', 'a.png'), imageItem({ n: 1, fail: true }, PNG, 'image/png', 'b.png')],
		});
		expect(result.error).toBeUndefined();
		expect(result.outputs).toHaveLength(3);
		expect(result.outputs[0].map((i) => i.json.size)).toEqual([PNG.length]);
		expect(result.outputs[2].map((i) => i.json.error)).toEqual(['item 1 refused']);
	});

	test('abortAfterMs: getExecutionCancelSignal() aborts and the execution ends cancelled', async () => {
		const started = Date.now();
		const result = await runNode({
			nodeType: new DummyTwoOutputs(),
			parameters: {},
			abortAfterMs: 150,
			inputItems: [{ json: { waitForAbort: true } }],
		});
		timed('abortAfterMs 150', result.durationMs);

		expect(Date.now() - started).toBeLessThan(5000);
		expect(result.cancelled).toBe(true);
		expect(result.hungAfterCancel).toBe(false);
		expect(result.run.status).toBe('canceled');
		expect(result.outputs[0]).toEqual([{ json: { aborted: true, signalAborted: true }, pairedItem: { item: 0 } }]);
	});

	test('abortAfterMs with a node that ignores the signal: the cancel-time snapshot, flagged hungAfterCancel', async () => {
		const result = await runNode({
			nodeType: new DummyTwoOutputs(),
			parameters: {},
			abortAfterMs: 50,
			cancelGraceMs: 100,
			inputItems: [{ json: { ignoreAbortMs: 600 } }],
		});
		expect(result.cancelled).toBe(true);
		expect(result.hungAfterCancel).toBe(true);
		expect(result.run.status).toBe('canceled');
		expect(result.outputs).toEqual([]);
		await new Promise((resolve) => setTimeout(resolve, 700)); // let the ignored execution finish
	});

	test('streaming: isStreaming() is true and sendChunk calls are collected', async () => {
		const chunks: Array<{ type: string; content?: string; metadata: any }> = [];
		const result = await runNode({
			nodeType: new DummyTwoOutputs(),
			parameters: {},
			streaming: { chunks },
			inputItems: [imageItem({}, PNG, 'image/png', 'a.png'), imageItem({}, PNG, 'image/png', 'b.png')],
		});
		timed('streaming', result.durationMs);
		expect(result.error).toBeUndefined();
		expect(chunks.map((c) => [c.type, c.metadata.itemIndex, c.content])).toEqual([
			['begin', 0, undefined],
			['item', 0, 'chunk for 0'],
			['end', 0, undefined],
			['begin', 1, undefined],
			['item', 1, 'chunk for 1'],
			['end', 1, undefined],
		]);
		expect(chunks[0].metadata.nodeName).toBe('Dummy Two Outputs');
		expect(result.chunks).toEqual(chunks);
	});

	test('without streaming options isStreaming() is false', async () => {
		const result = await runNode({
			nodeType: new DummyTwoOutputs(),
			parameters: {},
			inputItems: [imageItem({}, PNG, 'image/png', 'a.png')],
		});
		expect(result.chunks).toEqual([]);
	});

	test('credentials: getCredentials and httpRequestWithAuthentication apply the generic auth header', async () => {
		const seen: http.IncomingHttpHeaders[] = [];
		const server = http.createServer((req, res) => {
			seen.push(req.headers);
			res.setHeader('content-type', 'application/json');
			res.end(JSON.stringify({ data: [{ id: 'm1' }] }));
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		try {
			const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
			const result = await runNode({
				nodeType: new DummyTwoOutputs(),
				parameters: { callApi: true },
				credentials: { harnessTestApi: { apiKey: 'sk-harness', baseUrl } },
				credentialTypes: [harnessTestApi],
				inputItems: [imageItem({}, PNG, 'image/png', 'a.png')],
			});
			timed('credentials + http', result.durationMs);
			expect(result.error).toBeUndefined();
			expect(result.outputs[0][0].json.api).toEqual({ data: [{ id: 'm1' }] });
			expect(seen).toHaveLength(1);
			expect(seen[0].authorization).toBe('Bearer sk-harness');
		} finally {
			server.close();
		}
	});

	test('a credential the test did not give fails like a missing credential', async () => {
		const result = await runNode({
			nodeType: new DummyTwoOutputs(),
			parameters: { callApi: true },
			inputItems: [imageItem({}, PNG, 'image/png', 'a.png')],
		});
		expect(result.error).toBeDefined();
		expect(result.error).toBeInstanceOf(NodeOperationError);
		expect(result.error!.message).toMatch(/credentials/i);
	});
});
