'use strict';
/**
 * HTTP helpers for talking to n8n like its callers and its editor do.
 *
 *   multipart(fields, files) -> { body, contentType }   files: [{ field, fileName, mimeType, bytes }]
 *   request(url, { method, headers, body, timeoutMs }) -> { status, headers, body, ms, error? }
 *       one request on a fresh connection; never rejects (status 0 and `error` when it failed)
 *   restClient(baseUrl) -> { call(method, path, json), setupOwner(owner), cookie(), hasSession() }
 *       n8n's REST API with the session cookie and the browser-id header it is bound to;
 *       call resolves { status, data, headers, ms, error? }; setupOwner creates the owner
 *       account on a fresh n8n (POST /rest/owner/setup) and keeps its session, rejecting on failure
 *   OWNER                                   a default owner account
 */
const http = require('http');
const crypto = require('crypto');

const OWNER = { email: 'owner@example.com', firstName: 'Ada', lastName: 'Lovelace', password: 'VisionUi-2041' };

function multipart(fields = {}, files = []) {
	const boundary = `----vision-stream-${crypto.randomBytes(8).toString('hex')}`;
	const parts = [];
	for (const [name, value] of Object.entries(fields)) {
		parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
	}
	for (const file of files) {
		const head = `--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${file.fileName}"\r\nContent-Type: ${file.mimeType}\r\n\r\n`;
		parts.push(Buffer.from(head), file.bytes, Buffer.from('\r\n'));
	}
	parts.push(Buffer.from(`--${boundary}--\r\n`));
	return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

function request(url, { method = 'GET', headers = {}, body, timeoutMs = 60000 } = {}) {
	return new Promise((resolve) => {
		const t0 = performance.now();
		const failed = (error) => resolve({ status: 0, error: error.message, ms: performance.now() - t0 });
		const req = http.request(url, { method, headers: { ...headers, ...(body ? { 'content-length': body.length } : {}) }, agent: false }, (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - t0 }));
			res.on('error', failed);
		});
		req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
		req.on('error', failed);
		req.end(body);
	});
}

function restClient(baseUrl) {
	const browserId = crypto.randomUUID();
	let cookie = '';
	const call = async (method, path, json) => {
		const body = json === undefined ? undefined : Buffer.from(JSON.stringify(json));
		const headers = { 'browser-id': browserId, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}), ...(cookie ? { cookie } : {}) };
		const res = await request(`${baseUrl}${path}`, { method, body, headers });
		const auth = ((res.headers && res.headers['set-cookie']) || []).map((c) => c.split(';')[0]).find((c) => c.startsWith('n8n-auth='));
		if (auth) cookie = auth;
		let data;
		try {
			data = JSON.parse(res.body);
		} catch {
			data = res.body;
		}
		return { status: res.status, data, headers: res.headers, ms: res.ms, error: res.error };
	};
	const setupOwner = async (owner = OWNER) => {
		const res = await call('POST', '/rest/owner/setup', owner);
		if (res.status !== 200) throw new Error(`POST /rest/owner/setup: HTTP ${res.status} ${res.error || JSON.stringify(res.data).slice(0, 300)}`);
		if (!cookie) throw new Error('POST /rest/owner/setup set no n8n-auth cookie');
		return res;
	};
	return { call, setupOwner, cookie: () => cookie, hasSession: () => Boolean(cookie) };
}

module.exports = { multipart, request, restClient, OWNER };
