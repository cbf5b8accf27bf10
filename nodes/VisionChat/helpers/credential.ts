import type { KeyAuth, KeyPlacement } from '../stream/request/auth';
import { keyHeaders } from '../stream/request/auth';
import { normaliseApiKey } from '../stream/request/endpoint';
import { parseHeaderLines } from './customHeaders';

/** The visionChatApi credential as stored; fields added later are optional so older credentials keep working. */
export interface VisionChatCredential {
	apiKey?: string;
	baseUrl: string;
	customHeaders?: string;
	sendKeyAs?: KeyPlacement;
	keyHeaderName?: string;
	ignoreSslIssues?: boolean;
}

/** What every request made with the credential needs: key, how to send it, extra headers, TLS trust. */
export interface Connection {
	baseUrl: string;
	apiKey: string;
	auth: KeyAuth;
	headers: Record<string, string>;
	allowUnauthorizedCerts: boolean;
}

/** Reads the credential once; throws an Error whose message says which field to fix. */
export function connectionOf(credential: VisionChatCredential): Connection {
	const auth: KeyAuth = { placement: credential.sendKeyAs ?? 'bearer', headerName: credential.keyHeaderName };
	const apiKey = auth.placement === 'none' ? '' : normaliseApiKey(credential.apiKey ?? '');
	const headers = parseHeaderLines(credential.customHeaders ?? '');
	keyHeaders(apiKey, auth); // validates the header name before any request
	return { baseUrl: credential.baseUrl, apiKey, auth, headers, allowUnauthorizedCerts: credential.ignoreSslIssues === true };
}
