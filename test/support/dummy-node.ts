/**
 * Test doubles for the engine harness's own tests (test/node/engine.selftest.test.ts): a node
 * with two outputs that reports what it sees of its input, its binary data and its context
 * (credentials, cancel signal, streaming), a credential type with generic authentication, and
 * image items to feed it.
 */
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type { ICredentialType, IDataObject, IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription, JsonObject } from 'n8n-workflow';

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

export class DummyTwoOutputs implements INodeType {
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

export const harnessTestApi: ICredentialType = {
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

export const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
export const JPEG = Buffer.alloc(1234, 0xff);

export function imageItem(json: IDataObject, buffer: Buffer, mimeType: string, fileName: string): INodeExecutionData {
	return { json, binary: { data: { data: buffer.toString('base64'), mimeType, fileName } } };
}
