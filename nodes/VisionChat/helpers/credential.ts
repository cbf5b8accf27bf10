import type { KeyAuth, KeyPlacement } from '../stream/request/auth';
import { keyHeaders } from '../stream/request/auth';
import { normaliseApiKey } from '../stream/request/endpoint';
import type { AccountLimits } from '../stream/schedule/accountScheduler';

/** The visionChatApi credential as stored; fields added later are optional so older credentials keep working. */
export interface VisionChatCredential {
	apiKey?: string;
	baseUrl: string;
	customHeaders?: string;
	sendKeyAs?: KeyPlacement;
	keyHeaderName?: string;
	ignoreSslIssues?: boolean;
	maxRequestsPerMinute?: number;
	maxConcurrentRequests?: number;
}

/** What every request made with the credential needs: key, how to send it, extra headers, TLS trust. */
export interface Connection {
	baseUrl: string;
	apiKey: string;
	auth: KeyAuth;
	headers: Record<string, string>;
	allowUnauthorizedCerts: boolean;
	/** The account's limits, shared by every execution that uses the same endpoint and key. */
	limits: AccountLimits;
}

/** Reads the credential once; throws an Error whose message says which field to fix. */
export function connectionOf(credential: VisionChatCredential): Connection {
	const auth: KeyAuth = { placement: credential.sendKeyAs ?? 'bearer', headerName: credential.keyHeaderName };
	const apiKey = auth.placement === 'none' ? '' : normaliseApiKey(credential.apiKey ?? '');
	const headers = parseHeaderLines(credential.customHeaders ?? '');
	keyHeaders(apiKey, auth); // validates the header name before any request
	const limits = { maxRequestsPerMinute: countOf(credential.maxRequestsPerMinute), maxConcurrentRequests: countOf(credential.maxConcurrentRequests) };
	return { baseUrl: credential.baseUrl, apiKey, auth, headers, allowUnauthorizedCerts: credential.ignoreSslIssues === true, limits };
}

/** A limit field: a positive number, or 0 (none) for anything else, as older credentials lack it. */
function countOf(value: unknown): number {
	const number = Number(value ?? 0);
	return Number.isFinite(number) && number > 0 ? number : 0;
}

/** "Name: Value" lines from the credential; the node's own Authorization always wins. */
export function parseHeaderLines(text: string): Record<string, string> {
	const headers: Record<string, string> = {};
	for (const line of text.split(/\r?\n/)) {
		if (!line.trim()) continue;
		const colon = line.indexOf(':');
		const name = colon > 0 ? line.slice(0, colon).trim() : '';
		if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new Error(`The custom header line "${line.trim()}" is not "Name: Value"`);
		if (/^(authorization|content-type|content-length|host)$/i.test(name)) throw new Error(`The custom header "${name}" is set by the node and cannot be overridden`);
		headers[name.toLowerCase()] = line.slice(colon + 1).trim();
	}
	return headers;
}
