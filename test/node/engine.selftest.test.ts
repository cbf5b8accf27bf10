/**
 * Proves the engine harness (test/support/engine): a dummy node with two outputs runs inside
 * n8n's real engine (WorkflowExecute) and the harness reports what n8n recorded; the same
 * runner in the installed n8n 2.41.1's engine; the prerequisite rule of the suites that need it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Container } from '@n8n/di';
import { BinaryDataService } from 'n8n-core';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type { IBinaryData } from 'n8n-workflow';
import { DummyTwoOutputs, harnessTestApi, imageItem, JPEG, PNG } from '../support/dummy-node';
import { installedN8n, installedN8nMissing, readBinary, runNode, SOURCE_NODE_NAME } from '../support/engine';
import { describeWhenAvailable, prerequisiteOutcome } from '../support/prerequisites';

/* ---------------------------------------- fixtures ---------------------------------------- */

const timings: Array<[string, number]> = [];
afterAll(() => {
	console.log(`engine harness run times (ms):\n${timings.map(([name, ms]) => `  ${ms.toFixed(0).padStart(5)}  ${name}`).join('\n')}`);
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

describe('engine harness: what the benchmark and the n8n 1.x check use', () => {
	test('input binary given as a Buffer (no base64 round trip); chunks handed to onChunk as they come', async () => {
		const chunks: Array<{ type: string; content?: string; metadata: any }> = [];
		const seen: string[] = [];
		const buffered = { buffer: JPEG, mimeType: 'image/jpeg', fileName: 'b.jpg' } as unknown as IBinaryData;
		const result = await runNode({
			nodeType: new DummyTwoOutputs(),
			parameters: {},
			streaming: { chunks, onChunk: (chunk) => seen.push(`${chunk.type}@${chunks.length}`) },
			inputItems: [{ json: {}, binary: { data: buffered } }],
		});
		expect(result.error).toBeUndefined();
		expect(result.outputs[0][0].json).toMatchObject({ size: JPEG.length, mimeType: 'image/jpeg', fileName: 'b.jpg' });
		expect(seen).toEqual(['begin@1', 'item@2', 'end@3']);
	});

	test('prerequisites: a suite runs when they are there; when missing it fails on CI and is skipped elsewhere', () => {
		expect(prerequisiteOutcome(undefined, { CI: 'true' })).toBe('run');
		expect(prerequisiteOutcome('n8n is not installed', { CI: 'true' })).toBe('fail');
		expect(prerequisiteOutcome('n8n is not installed', { CI: '1' })).toBe('fail');
		expect(prerequisiteOutcome('n8n is not installed', { CI: 'false' })).toBe('skip');
		expect(prerequisiteOutcome('n8n is not installed', {})).toBe('skip');
	});
});

const describeWithN8n = describeWhenAvailable(installedN8nMissing(), '`npm test` installs it before jest runs (or run `npm run test:e2e` once)');

describeWithN8n('engine harness in the installed n8n 2.41.1 (engine: installedN8n())', () => {
	test("runs the node in that install's own n8n-core, its BinaryDataService storing the files", async () => {
		const engine = installedN8n();
		expect(engine.core).not.toBe(require('n8n-core'));
		expect(require.resolve('n8n-core', { paths: [engine.dir] }).startsWith(path.join(engine.dir, 'node_modules'))).toBe(true);
		expect(engine.versionOf('n8n-core')).toBe('2.41.1');
		const result = await runNode({
			engine,
			nodeType: new DummyTwoOutputs(),
			parameters: { label: 'installed' },
			binaryMode: 'filesystem',
			inputItems: [imageItem({ n: 0 }, PNG, 'image/png', 'a.png'), imageItem({ n: 1 }, JPEG, 'image/jpeg', 'b.jpg')],
		});
		expect(result.error).toBeUndefined();
		expect(result.run.status).toBe('success');
		expect(result.outputs[0].map((i) => [i.json.size, i.json.label, i.pairedItem])).toEqual([
			[PNG.length, 'installed', { item: 0 }],
			[JPEG.length, 'installed', { item: 1 }],
		]);
		const fed = result.runData[SOURCE_NODE_NAME][0].data!.main[0]!;
		expect(fed[1].binary!.data.id).toMatch(/^filesystem-v2:/);
		expect((await readBinary(fed[1].binary!.data, engine)).equals(JPEG)).toBe(true);
	});
});
