/** Proxies and TLS, over loopback: a CONNECT proxy and an https server with a self-signed certificate. */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { streamChatCompletion } from '../../../nodes/VisionChat/stream/transport/client';
import { listModels } from '../../../nodes/VisionChat/stream/transport/models';
import { downloadImage } from '../../../nodes/VisionChat/stream/transport/download';
import { VisionStreamError } from '../../../nodes/VisionChat/stream/errors/streamError';
import { startTestServer, textEvents, type TestServer } from '../../server';

let server: TestServer;
beforeAll(async () => {
	server = await startTestServer();
});
afterAll(() => server.close());

const body = { model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true };
const PROXY_VARS = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'];

function withEnv(vars: Record<string, string>, run: () => Promise<void>): Promise<void> {
	const saved = Object.fromEntries(PROXY_VARS.map((name) => [name, process.env[name]]));
	for (const name of PROXY_VARS) delete process.env[name];
	Object.assign(process.env, vars);
	return run().finally(() => {
		for (const name of PROXY_VARS) {
			if (saved[name] === undefined) delete process.env[name];
			else process.env[name] = saved[name];
		}
	});
}

/** A minimal forward proxy that tunnels CONNECT, recording each target. */
async function startProxy(): Promise<{ url: string; targets: string[]; close(): Promise<void> }> {
	const targets: string[] = [];
	const tunnels = new Set<net.Socket>();
	const proxy = http.createServer((_req, res) => res.writeHead(405).end());
	proxy.on('connect', (req, client: net.Socket, head) => {
		targets.push(req.url ?? '');
		tunnels.add(client);
		const [host, port] = (req.url ?? '').split(':');
		const upstream = net.connect(Number(port), host, () => {
			client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
			upstream.write(head);
			upstream.pipe(client);
			client.pipe(upstream);
		});
		upstream.on('error', () => client.destroy());
		client.on('error', () => upstream.destroy());
	});
	await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
		targets,
		close: () =>
			new Promise<void>((resolve) => {
				for (const socket of tunnels) socket.destroy();
				proxy.close(() => resolve());
			}),
	};
}

describe('proxies, like n8n\'s own requests', () => {
	beforeAll(() => {
		server.route('*', (_req, res) => {
			res.writeHead(200, { 'content-type': 'text/event-stream' });
			res.end(textEvents(['via proxy']).join(''));
		});
	});

	it('goes through HTTP_PROXY', async () => {
		const proxy = await startProxy();
		await withEnv({ HTTP_PROXY: proxy.url }, async () => {
			const result = await streamChatCompletion({ url: `${server.baseUrl}/chat/completions`, apiKey: 'k', body });
			expect(result.choices[0].text).toBe('via proxy');
		});
		await proxy.close();
		expect(proxy.targets).toEqual([`127.0.0.1:${server.port}`]);
	});

	it('skips the proxy for hosts in NO_PROXY', async () => {
		const proxy = await startProxy();
		await withEnv({ HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' }, async () => {
			const result = await streamChatCompletion({ url: `${server.baseUrl}/chat/completions`, apiKey: 'k', body });
			expect(result.choices[0].text).toBe('via proxy');
		});
		await proxy.close();
		expect(proxy.targets).toEqual([]);
	});
});

describe('self-signed certificates', () => {
	let httpsServer: https.Server;
	let url: string;
	beforeAll(async () => {
		const dir = mkdtempSync(path.join(tmpdir(), 'vision-tls-'));
		const key = path.join(dir, 'key.pem');
		const cert = path.join(dir, 'cert.pem');
		execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
		httpsServer = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
			if (req.url === '/v1/models') {
				res.writeHead(200, { 'content-type': 'application/json' });
				res.end(JSON.stringify({ data: [{ id: 'private-model' }] }));
				return;
			}
			if (req.url === '/img.png') {
				res.writeHead(200, { 'content-type': 'image/png' });
				res.end(Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'));
				return;
			}
			res.writeHead(200, { 'content-type': 'text/event-stream' });
			res.end(textEvents(['private gateway']).join(''));
		});
		await new Promise<void>((resolve) => httpsServer.listen(0, '127.0.0.1', resolve));
		url = `https://127.0.0.1:${(httpsServer.address() as AddressInfo).port}/v1/chat/completions`;
	});
	afterAll(() => new Promise<void>((resolve) => httpsServer.close(() => resolve())));

	it('are refused by default, with a message that names the option', async () => {
		const error = await streamChatCompletion({ url, apiKey: 'k', body, maxRetries: 0 }).catch((e: VisionStreamError) => e);
		expect(error).toBeInstanceOf(VisionStreamError);
		expect((error as VisionStreamError).message).toMatch(/self-signed certificate/i);
		expect((error as VisionStreamError).hint).toMatch(/Allow Self-Signed Certificates/);
	});

	it('are accepted with allowUnauthorizedCerts', async () => {
		const result = await streamChatCompletion({ url, apiKey: 'k', body, allowUnauthorizedCerts: true });
		expect(result.choices[0].text).toBe('private gateway');
	});

	it('reach the model list (credential test, model picker) and image downloads too', async () => {
		const baseUrl = url.replace(/\/chat\/completions$/, '');
		await expect(listModels({ baseUrl, apiKey: 'k' })).rejects.toThrow(/self-signed certificate/i);
		expect(await listModels({ baseUrl, apiKey: 'k', allowUnauthorizedCerts: true })).toEqual([{ id: 'private-model' }]);
		const image = url.replace(/\/v1\/chat\/completions$/, '/img.png');
		const download = { maxBytes: 1000, timeoutMs: 5000, maxRedirects: 0 };
		await expect(downloadImage(image, download)).rejects.toThrow(/self-signed certificate/i);
		expect((await downloadImage(image, { ...download, allowUnauthorizedCerts: true })).contentType).toBe('image/png');
	});
});
