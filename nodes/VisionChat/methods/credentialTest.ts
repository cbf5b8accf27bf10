import type { ICredentialTestFunctions, ICredentialsDecrypted, INodeCredentialTestResult } from 'n8n-workflow';
import { listModels } from '../stream/transport/models';
import { connectionOf, type VisionChatCredential } from '../helpers/credential';

/** Credential test: shows the server's own message when the key or URL is wrong. */
export async function testVisionChatCredential(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const data = (credential.data ?? {}) as unknown as VisionChatCredential;
	try {
		const models = await listModels(connectionOf(data));
		return { status: 'OK', message: `Connection successful: ${models.length} models available` };
	} catch (error) {
		return { status: 'Error', message: (error as Error).message };
	}
}
