'use strict';
/**
 * HTTP client side of the queue-mode suite: distinct PNG images, multipart bodies, a webhook
 * call that measures latency, a streaming (NDJSON) call that timestamps every line, a small
 * REST client for n8n's owner/login/executions API, and percentiles.
 *
 * Node built-ins only; CommonJS.
 */
const http = require('node:http');
const zlib = require('node:zlib');
const crypto = require('node:crypto');

// ---------------------------------------------------------------- images

const CRC_TABLE = (() => {
	const table = new Int32Array(256);
	for (let n = 0; n < 256; n++) {
		let c = n;
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		table[n] = c;
	}
	return table;
})();

function crc32(buf) {
	let c = -1;
	for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
	return (c ^ -1) >>> 0;
}

function pngChunk(type, data) {
	const len = Buffer.alloc(4);
	len.writeUInt32BE(data.length);
	const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
	const crc = Buffer.alloc(4);
	crc.writeUInt32BE(crc32(body));
	return Buffer.concat([len, body, crc]);
}

/** A valid 24x24 RGB PNG, different for every seed (its pixels and a tEXt chunk). */
function pngFor(seed) {
	const size = 24;
	const rnd = crypto.createHash('sha256').update(`queue-image-${seed}`).digest();
	const raw = Buffer.alloc(size * (1 + size * 3));
	for (let y = 0; y < size; y++) {
		const row = y * (1 + size * 3);
		raw[row] = 0; // filter: none
		for (let x = 0; x < size; x++) {
			const o = row + 1 + x * 3;
			raw[o] = (rnd[0] + x * rnd[1]) & 0xff;
			raw[o + 1] = (rnd[2] + y * rnd[3]) & 0xff;
			raw[o + 2] = (rnd[4] + (x ^ y) * rnd[5]) & 0xff;
		}
	}
	const ihdr = Buffer.alloc(13);
	ihdr.writeUInt32BE(size, 0);
	ihdr.writeUInt32BE(size, 4);
	ihdr[8] = 8; // bit depth
	ihdr[9] = 2; // RGB
	const bytes = Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		pngChunk('IHDR', ihdr),
		pngChunk('tEXt', Buffer.from(`Comment\0queue test image ${seed}`, 'latin1')),
		pngChunk('IDAT', zlib.deflateSync(raw)),
		pngChunk('IEND', Buffer.alloc(0)),
	]);
	return { bytes, sha: crypto.createHash('sha256').update(bytes).digest('hex').slice(0, 16), mime: 'image/png' };
}

// ---------------------------------------------------------------- multipart

function multipart(fields, files) {
	const boundary = `----vision-queue-${crypto.randomBytes(8).toString('hex')}`;
	const parts = [];
	for (const [name, value] of Object.entries(fields)) {
		parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
	}
	for (const [name, file] of Object.entries(files)) {
		parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${file.fileName}"\r\nContent-Type: ${file.mimeType}\r\n\r\n`));
		parts.push(file.bytes, Buffer.from('\r\n'));
	}
	parts.push(Buffer.from(`--${boundary}--\r\n`));
	return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

// ---------------------------------------------------------------- requests

/** One HTTP request on a fresh connection; resolves { status, headers, body, ms } (never rejects on HTTP errors). */
function request(url, { method = 'GET', headers = {}, body, timeoutMs = 60000 } = {}) {
	return new Promise((resolve) => {
		const t0 = performance.now();
		const req = http.request(url, { method, headers: { ...headers, ...(body ? { 'content-length': body.length } : {}) }, agent: false }, (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - t0 }));
			res.on('error', (error) => resolve({ status: 0, error: error.message, ms: performance.now() - t0 }));
		});
		req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
		req.on('error', (error) => resolve({ status: 0, error: error.message, ms: performance.now() - t0 }));
		req.end(body);
	});
}

/**
 * A streaming webhook call. Resolves once the response ends: { status, lines: [{ at, json, raw }],
 * ms, error? }. `onLine(line)` sees each NDJSON line as it arrives (`at` is Date.now()).
 * Returns { done, abort } so the caller can act while the stream is open.
 */
function streamRequest(url, { headers = {}, body, timeoutMs = 120000, onLine } = {}) {
	let req;
	const done = new Promise((resolve) => {
		const t0 = performance.now();
		const lines = [];
		let status = 0;
		let pending = '';
		req = http.request(url, { method: 'POST', headers: { ...headers, 'content-length': body.length }, agent: false }, (res) => {
			status = res.statusCode;
			res.setEncoding('utf8');
			res.on('data', (text) => {
				pending += text;
				let nl;
				while ((nl = pending.indexOf('\n')) >= 0) {
					const raw = pending.slice(0, nl).trim();
					pending = pending.slice(nl + 1);
					if (!raw) continue;
					let json;
					try {
						json = JSON.parse(raw);
					} catch {
						json = undefined;
					}
					const line = { at: Date.now(), json, raw };
					lines.push(line);
					if (onLine) onLine(line);
				}
			});
			res.on('end', () => {
				if (pending.trim()) lines.push({ at: Date.now(), raw: pending.trim(), json: undefined });
				resolve({ status, headers: res.headers, lines, ms: performance.now() - t0, endedAt: Date.now() });
			});
			res.on('error', (error) => resolve({ status, lines, ms: performance.now() - t0, endedAt: Date.now(), error: error.message }));
		});
		req.setTimeout(timeoutMs, () => req.destroy(new Error(`stream not finished within ${timeoutMs} ms`)));
		req.on('error', (error) => resolve({ status, lines, ms: performance.now() - t0, endedAt: Date.now(), error: error.message }));
		req.end(body);
	});
	return { done, abort: () => req.destroy() };
}

/** n8n's REST API with a session cookie (and the browser-id header the cookie is bound to). */
function restClient(baseUrl) {
	const browserId = crypto.randomUUID();
	let cookie = '';
	const call = async (method, path, json) => {
		const body = json === undefined ? undefined : Buffer.from(JSON.stringify(json));
		const res = await request(`${baseUrl}${path}`, {
			method,
			body,
			headers: { 'browser-id': browserId, ...(body ? { 'content-type': 'application/json' } : {}), ...(cookie ? { cookie } : {}) },
		});
		const set = res.headers && res.headers['set-cookie'];
		if (set) {
			const auth = set.map((c) => c.split(';')[0]).find((c) => c.startsWith('n8n-auth='));
			if (auth) cookie = auth;
		}
		let data;
		try {
			data = JSON.parse(res.body);
		} catch {
			data = res.body;
		}
		return { status: res.status, data, ms: res.ms, error: res.error };
	};
	return { call, hasSession: () => Boolean(cookie) };
}

// ---------------------------------------------------------------- figures

function percentile(sorted, p) {
	if (!sorted.length) return NaN;
	const rank = (p / 100) * (sorted.length - 1);
	const lo = Math.floor(rank);
	const hi = Math.ceil(rank);
	return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

/** Runs `count` tasks with at most `limit` at once; resolves their results in index order. */
async function pool(count, limit, task) {
	const results = new Array(count);
	let next = 0;
	await Promise.all(
		Array.from({ length: Math.min(limit, count) }, async () => {
			while (next < count) {
				const i = next++;
				results[i] = await task(i);
			}
		}),
	);
	return results;
}

module.exports = { pngFor, multipart, request, streamRequest, restClient, percentile, pool };
