import { EnvHttpProxyAgent, type Dispatcher } from 'undici';

export interface TransportSettings {
	connectTimeoutMs: number;
	/** Accept self-signed or otherwise untrusted certificates (private gateways only). */
	allowUnauthorizedCerts: boolean;
}

const agents = new Map<string, Dispatcher>();

/**
 * One keep-alive agent per setting combination, shared by all requests. EnvHttpProxyAgent
 * honours HTTP_PROXY / HTTPS_PROXY / NO_PROXY like n8n's own requests, and is a plain
 * agent when none is set. Its body and headers timeouts are set per request instead.
 */
export function dispatcherFor(settings: TransportSettings): Dispatcher {
	// The proxy variables are part of the key: a changed environment gets a fresh agent.
	const env = process.env;
	const proxies = [env.HTTP_PROXY ?? env.http_proxy, env.HTTPS_PROXY ?? env.https_proxy, env.NO_PROXY ?? env.no_proxy].join('|');
	const key = `${settings.connectTimeoutMs}|${settings.allowUnauthorizedCerts}|${proxies}`;
	let agent = agents.get(key);
	if (!agent) {
		const connect = { timeout: settings.connectTimeoutMs, rejectUnauthorized: !settings.allowUnauthorizedCerts };
		agent = new EnvHttpProxyAgent({ connect, requestTls: connect, proxyTls: connect } as ConstructorParameters<typeof EnvHttpProxyAgent>[0]);
		agents.set(key, agent);
	}
	return agent;
}
