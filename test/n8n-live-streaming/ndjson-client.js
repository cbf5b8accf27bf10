'use strict';
/**
 * HTTP clients for n8n's streamed responses (newline-delimited JSON, one chunk per line), which
 * time-stamp every line as it arrives (performance.now(), the clock the loopback model server
 * uses too):
 *
 *   postMultipart(url, { fields, files })   raw node:http, a multipart/form-data body
 *   postChatWidget(url, { ... })            fetch + FormData, exactly as n8n's chat widget
 *                                           (@n8n/chat sendMessageStreaming) sends a message with files
 *   postJson(url, body)                     raw node:http, application/json
 *
 * Each resolves to { status, headers, sentAt, headersAt, endedAt, raw, lines: [{ text, at, json?, parseError? }] }.
 */
const http = require('http');
const { performance } = require('perf_hooks');
const { multipart } = require('../support/n8n/http');

function lineCollector() {
	const lines = [];
	let buffer = '';
	let raw = '';
	const decoder = new TextDecoder();
	const push = (text, at) => {
		if (!text.trim()) return;
		const line = { text, at };
		try {
			line.json = JSON.parse(text);
		} catch (error) {
			line.parseError = error.message;
		}
		lines.push(line);
	};
	return {
		lines,
		get raw() {
			return raw;
		},
		feed(bytes) {
			const at = performance.now();
			const text = decoder.decode(bytes, { stream: true });
			raw += text;
			buffer += text;
			const parts = buffer.split('\n');
			buffer = parts.pop();
			for (const part of parts) push(part, at);
		},
		end() {
			const text = decoder.decode();
			raw += text;
			buffer += text;
			if (buffer) push(buffer, performance.now());
			buffer = '';
		},
	};
}

/** options.hangUpAfterItems: close the connection once that many `item` lines arrived (a caller leaving). */
function request(url, { method = 'POST', headers = {}, body, timeoutMs = 60000, hangUpAfterItems }) {
	return new Promise((resolve, reject) => {
		const collector = lineCollector();
		const out = { status: 0, headers: {}, sentAt: performance.now(), headersAt: 0, endedAt: 0, lines: collector.lines, raw: '', hungUp: false };
		const req = http.request(url, { method, headers: { ...headers, 'content-length': body ? body.length : 0 } }, (res) => {
			out.status = res.statusCode;
			out.headers = res.headers;
			out.headersAt = performance.now();
			res.on('data', (bytes) => {
				collector.feed(bytes);
				if (hangUpAfterItems && !out.hungUp && collector.lines.filter((l) => l.json && l.json.type === 'item').length >= hangUpAfterItems) {
					out.hungUp = true;
					out.endedAt = performance.now();
					out.raw = collector.raw;
					clearTimeout(timer);
					req.destroy();
					resolve(out);
				}
			});
			res.on('end', () => {
				collector.end();
				out.endedAt = performance.now();
				out.raw = collector.raw;
				clearTimeout(timer);
				resolve(out);
			});
			res.on('error', reject);
		});
		const timer = setTimeout(() => req.destroy(new Error(`no complete response from ${url} within ${timeoutMs} ms`)), timeoutMs);
		req.on('error', (error) => {
			clearTimeout(timer);
			if (!out.hungUp) reject(error);
		});
		req.setNoDelay(true);
		out.sentAt = performance.now();
		req.end(body);
	});
}

function postMultipart(url, { fields, files, headers = {}, timeoutMs, hangUpAfterItems }) {
	const { body, contentType } = multipart(fields, files);
	return request(url, { headers: { ...headers, 'content-type': contentType }, body, timeoutMs, hangUpAfterItems });
}

function postJson(url, payload, { headers = {}, timeoutMs } = {}) {
	return request(url, { headers: { ...headers, 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(payload)), timeoutMs });
}

/** As @n8n/chat's sendWithFiles: FormData with action, session key, input key, then every file as "files". */
async function postChatWidget(url, { sessionId, chatInput, files = [], timeoutMs = 60000 }) {
	const form = new FormData();
	form.append('action', 'sendMessage');
	form.append('sessionId', sessionId);
	form.append('chatInput', chatInput);
	for (const file of files) form.append('files', new Blob([file.bytes], { type: file.mimeType }), file.fileName);
	const collector = lineCollector();
	const out = { status: 0, headers: {}, sentAt: performance.now(), headersAt: 0, endedAt: 0, lines: collector.lines, raw: '' };
	const response = await fetch(url, { method: 'POST', headers: { Accept: 'text/plain' }, body: form, signal: AbortSignal.timeout(timeoutMs) });
	out.status = response.status;
	out.headers = Object.fromEntries(response.headers.entries());
	out.headersAt = performance.now();
	const reader = response.body.getReader();
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		collector.feed(value);
	}
	collector.end();
	out.endedAt = performance.now();
	out.raw = collector.raw;
	return out;
}

/** A text-only chat message, as the widget sends it without files (JSON). */
function postChatText(url, { sessionId, chatInput, timeoutMs }) {
	return request(url, {
		headers: { 'content-type': 'application/json', accept: 'text/plain' },
		body: Buffer.from(JSON.stringify({ action: 'sendMessage', sessionId, chatInput })),
		timeoutMs,
	});
}

module.exports = { postMultipart, postJson, postChatWidget, postChatText };
