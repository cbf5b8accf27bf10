/** Where to send requests, from what users actually paste into a "base URL" field. */

const LOCAL_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|0\.0\.0\.0|host\.docker\.internal)(:|\/|$)/i;

/**
 * Normalises a base URL: trims it, adds a scheme when missing (http for local hosts, https
 * otherwise), drops trailing slashes and a pasted `/chat/completions` or `/models` suffix.
 * A query string is kept (Azure's `?api-version=…`, gateways that take a key there).
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
	const { path, query } = splitQuery(url);
	return trimPath(path) + query;
}

export function chatCompletionsUrl(baseUrl: string): string {
	const { path, query } = splitQuery(normaliseBaseUrl(baseUrl));
	return `${path}/chat/completions${query}`;
}

export function modelsUrl(baseUrl: string): string {
	const { path, query } = splitQuery(normaliseBaseUrl(baseUrl));
	// Azure's classic URL names one deployment; its model list lives at the resource's /openai/models.
	const azureDeployment = /^(.*\/openai)\/deployments\/[^/]+$/i.exec(path);
	if (azureDeployment) return `${azureDeployment[1]}/models${query}`;
	return `${path}/models${query}`;
}

/** The URL as it may appear in messages: values of query parameters that may be secrets are masked. */
export function displayUrl(url: string): string {
	const { path, query } = splitQuery(url);
	if (!query) return url;
	const masked = query.replace(/([?&])([^=&#]+)=([^&#]*)/g, (whole, sep: string, name: string) =>
		/key|token|secret|sig|auth|pass|code|credential/i.test(name) ? `${sep}${name}=…` : whole,
	);
	return path + masked;
}

function splitQuery(url: string): { path: string; query: string } {
	const at = url.search(/[?#]/);
	if (at < 0) return { path: url, query: '' };
	// A fragment is never sent to a server.
	return { path: url.slice(0, at), query: url.slice(at).replace(/#.*$/, '') };
}

function trimPath(path: string): string {
	return path.replace(/\/+$/, '').replace(/\/(chat\/completions|models)$/i, '').replace(/\/+$/, '');
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
