/** Where to send requests, from what users actually paste into a "base URL" field. */

const LOCAL_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|0\.0\.0\.0|host\.docker\.internal)(:|\/|$)/i;

/**
 * Normalises a base URL: trims it, adds a scheme when missing (http for local hosts, https
 * otherwise), drops trailing slashes and a pasted `/chat/completions` or `/models` suffix.
 */
export function normaliseBaseUrl(input: string): string {
	let url = (input ?? '').trim();
	if (!url) throw new TypeError('The base URL is empty: set it in the credential (for example https://api.openai.com/v1)');
	if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) url = `${LOCAL_HOST.test(url) ? 'http' : 'https'}://${url}`;
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		throw new TypeError(`The base URL "${input}" is not a valid URL: set it in the credential (for example https://api.openai.com/v1)`);
	}
	if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
		throw new TypeError(`The base URL "${input}" must start with http:// or https://`);
	}
	return url.replace(/\/+$/, '').replace(/\/(chat\/completions|models)$/i, '').replace(/\/+$/, '');
}

export function chatCompletionsUrl(baseUrl: string): string {
	return `${normaliseBaseUrl(baseUrl)}/chat/completions`;
}

export function modelsUrl(baseUrl: string): string {
	return `${normaliseBaseUrl(baseUrl)}/models`;
}

/** Users paste keys with spaces, newlines or a "Bearer " prefix; the header needs the bare key. */
export function normaliseApiKey(key: string): string {
	return (key ?? '').trim().replace(/^bearer\s+/i, '').trim();
}

/** True when a plain-http URL leaves this machine, so the key would travel unencrypted. */
export function sendsKeyInClear(url: string): boolean {
	const parsed = new URL(url);
	return parsed.protocol === 'http:' && !LOCAL_HOST.test(parsed.host);
}
