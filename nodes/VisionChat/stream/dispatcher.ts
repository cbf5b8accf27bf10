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
	const key = `${settings.connectTimeoutMs}|${settings.allowUnauthorizedCerts}`;
	let agent = agents.get(key);
	if (!agent) {
		const connect = { timeout: settings.connectTimeoutMs, rejectUnauthorized: !settings.allowUnauthorizedCerts };
		agent = new EnvHttpProxyAgent({ connect, requestTls: connect, proxyTls: connect } as ConstructorParameters<typeof EnvHttpProxyAgent>[0]);
		agents.set(key, agent);
	}
	return agent;
}
