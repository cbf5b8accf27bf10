'use strict';
/**
 * HTTP client side of the queue-mode suite that the support module does not have: a streaming
 * (NDJSON) webhook call that timestamps every line (streamPhoto: of a multipart photo upload),
 * percentiles, and a pool of concurrent tasks.
 * (Images, multipart bodies, single requests and n8n's REST API: test/support/n8n.)
 *
 * Node built-ins only; CommonJS.
 */
const http = require('node:http');
const { multipart } = require('../support/n8n');

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

/** streamRequest of a multipart upload: the rid field and a PNG as `photo`, as the suite's webhooks take them. */
function streamPhoto(url, { rid, image, fileName, ...options }) {
	const { body, contentType } = multipart({ rid }, [{ field: 'photo', bytes: image.bytes, fileName, mimeType: 'image/png' }]);
	return streamRequest(url, { body, headers: { 'content-type': contentType }, ...options });
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

module.exports = { streamRequest, streamPhoto, percentile, pool };
