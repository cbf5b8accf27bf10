import type { ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { listModels } from '../stream/transport/models';
import { VisionStreamError } from '../stream/errors/streamError';
import { connectionOf, type VisionChatCredential } from '../helpers/credential';

/** Model picker: GET {baseUrl}/models, filtered by what the user types. */
export async function searchModels(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
	const credentials = (await this.getCredentials('visionChatApi')) as unknown as VisionChatCredential;
	// The node's own "Allow Self-Signed Certificates" counts here too: the list must load where the chat works.
	const nodeOptions = (this.getCurrentNodeParameter('options') ?? {}) as { allowUnauthorizedCerts?: boolean };
	let models;
	try {
		const connection = connectionOf(credentials);
		models = await listModels({
			...connection,
			allowUnauthorizedCerts: connection.allowUnauthorizedCerts || nodeOptions.allowUnauthorizedCerts === true,
		});
	} catch (error) {
		throw new NodeOperationError(this.getNode(), (error as Error).message, {
			description: (error as VisionStreamError).hint,
		});
	}
	const needle = (filter ?? '').toLowerCase();
	const results = models
		.filter((model) => !needle || model.id.toLowerCase().includes(needle))
		.sort((a, b) => a.id.localeCompare(b.id))
		.map((model) => ({ name: model.id, value: model.id }));
	return { results };
}
