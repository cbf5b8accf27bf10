'use strict';
/**
 * Loopback OpenAI-compatible server for the editor suite: a plain-JS twin of test/server.ts
 * (the suite runs without ts-node). Listens on 127.0.0.1 on a free port.
 *
 *   GET  /v1/models             the model list; key `refused-key` -> 401 "Incorrect API key provided"
 *   POST /v1/chat/completions   key `refused-key` -> 401; a model not in the list -> 404
 *                               "The model `<id>` does not exist"; otherwise an SSE stream of
 *                               ANSWER_PIECES (a role chunk, one chunk per piece, a finish chunk, [DONE])
 *
 * Every request is recorded (method, path, headers, parsed JSON body).
 */
const http = require('http');

const MODELS = ['gpt-4o', 'claude-sonnet-4-20250514', 'llava:13b', 'qwen-vl-max'];
const ANSWER_PIECES = ['A red', ' square', ' on a white', ' background.'];
const REFUSED_KEY = 'refused-key';

function chunk(delta, finish = null, model = 'gpt-4o') {
	return JSON.stringify({
		id: 'chatcmpl-ui',
		object: 'chat.completion.chunk',
		created: 1694268190,
		model,
		system_fingerprint: 'fp_ui',
		choices: [{ index: 0, delta, finish_reason: finish }],
	});
}

function startServer({ delayMs = 40, onRequest = null } = {}) {
	const requests = [];
	const sockets = new Set();
	const sleep = (ms) => new Promise((r) => setTimeout(r, ms).unref());

	const server = http.createServer((req, res) => {
		const parts = [];
		req.on('data', (c) => parts.push(c));
		req.on('end', async () => {
			const body = Buffer.concat(parts).toString('utf8');
			let json;
			try {
				json = body ? JSON.parse(body) : undefined;
			} catch {}
			const rec = { method: req.method, path: req.url, headers: req.headers, json, at: Date.now() };
			requests.push(rec);
			if (onRequest) onRequest(rec);
			const p = (req.url || '/').split('?')[0];
			const refused = (req.headers.authorization || '') === `Bearer ${REFUSED_KEY}`;
			const sendJson = (status, obj) => {
				res.writeHead(status, { 'content-type': 'application/json' });
				res.end(JSON.stringify(obj));
			};
			const refuse = () =>
				sendJson(401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } });
			try {
				if (req.method === 'GET' && /\/models$/.test(p)) {
					if (refused) return refuse();
					return sendJson(200, { object: 'list', data: MODELS.map((id) => ({ id, object: 'model', owned_by: 'test' })) });
				}
				if (req.method === 'POST' && /\/chat\/completions$/.test(p)) {
					if (refused) return refuse();
					const model = json && json.model;
					if (!MODELS.includes(model)) {
						return sendJson(404, {
							error: { message: `The model \`${model}\` does not exist`, type: 'invalid_request_error', code: 'model_not_found' },
						});
					}
					res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
					res.flushHeaders();
					const events = [
						chunk({ role: 'assistant', content: '' }, null, model),
						...ANSWER_PIECES.map((piece) => chunk({ content: piece }, null, model)),
						chunk({}, 'stop', model),
					];
					for (const e of events) {
						if (res.destroyed) return;
						res.write(`data: ${e}\n\n`);
						await sleep(delayMs);
					}
					res.end('data: [DONE]\n\n');
					return;
				}
				sendJson(404, { error: { message: `Invalid URL (${req.method} ${p})`, type: 'invalid_request_error' } });
			} catch (e) {
				if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
				res.end(String(e));
			}
		});
	});
	server.on('connection', (s) => {
		sockets.add(s);
		s.on('close', () => sockets.delete(s));
	});
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const port = server.address().port;
			resolve({
				port,
				baseUrl: `http://127.0.0.1:${port}/v1`,
				requests,
				close: () =>
					new Promise((r) => {
						for (const s of sockets) s.destroy();
						server.close(() => r());
					}),
			});
		});
	});
}

module.exports = { startServer, MODELS, ANSWER_PIECES, REFUSED_KEY };

if (require.main === module) {
	startServer({ onRequest: (r) => process.stdout.write(`${r.method} ${r.path} ${r.headers.authorization || ''}\n`) }).then((s) =>
		process.stdout.write(`test server on ${s.baseUrl}\n`),
	);
}
