'use strict';
/**
 * Ports and health checks on 127.0.0.1.
 *
 *   portInUse(port) -> Promise<boolean>
 *   freePorts(count, from[, envPort]) -> Promise<number[]>
 *       `count` ports free right now, the first at or after `from` (or exactly from `envPort` on,
 *       when a VISION_*_PORT variable names one), skipping busy ones: several suites and several
 *       checkouts run side by side on one machine
 *   waitForHealth(port, timeoutMs, { child, path }) -> Promise<void>
 *       polls GET <path> (default /healthz; /healthz/readiness answers 200 only once n8n is
 *       migrated and up) until 200; rejects at once when `child` exits, or after timeoutMs
 */
const net = require('net');
const http = require('http');

function portInUse(port) {
	return new Promise((resolve) => {
		const sock = net.connect({ host: '127.0.0.1', port: Number(port) });
		sock.setTimeout(1000);
		sock.once('connect', () => {
			sock.destroy();
			resolve(true);
		});
		sock.once('timeout', () => {
			sock.destroy();
			resolve(false);
		});
		sock.once('error', () => resolve(false));
	});
}

/** True when this process can listen on the port (nothing else holds it, on any address). */
function canListen(port) {
	return new Promise((resolve) => {
		const server = net.createServer();
		server.once('error', () => resolve(false));
		server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolve(true)));
	});
}

async function freePorts(count, from, envPort) {
	const start = envPort ? Number(envPort) : from;
	const ports = [];
	for (let port = start; ports.length < count; port++) {
		if (port > 65535) throw new Error(`no ${count} free ports from ${start}`);
		if (envPort) {
			if (await portInUse(port)) throw new Error(`port ${port} is in use (from the environment: ${envPort} on)`);
			ports.push(port);
		} else if (!(await portInUse(port)) && (await canListen(port))) ports.push(port);
	}
	return ports;
}

function waitForHealth(port, timeoutMs = 120000, { child = null, path: urlPath = '/healthz' } = {}) {
	const deadline = Date.now() + timeoutMs;
	return new Promise((resolve, reject) => {
		let exited = null;
		const onExit = (code, signal) => {
			exited = `n8n exited (${signal || `code ${code}`}) before ${urlPath} answered`;
		};
		if (child) {
			if (child.exitCode !== null || child.signalCode !== null) onExit(child.exitCode, child.signalCode);
			else child.once('exit', onExit);
		}
		const finish = (error) => {
			if (child) child.removeListener('exit', onExit);
			if (error) reject(error);
			else resolve();
		};
		const attempt = () => {
			if (exited) return finish(new Error(exited));
			if (Date.now() > deadline) return finish(new Error(`GET http://127.0.0.1:${port}${urlPath}: no 200 within ${timeoutMs} ms`));
			const req = http.get({ host: '127.0.0.1', port: Number(port), path: urlPath, timeout: 2000 }, (res) => {
				res.resume();
				if (res.statusCode === 200) finish();
				else setTimeout(attempt, 250);
			});
			req.on('timeout', () => req.destroy());
			req.on('error', () => setTimeout(attempt, 250));
		};
		attempt();
	});
}

module.exports = { portInUse, freePorts, waitForHealth };
