/**
 * A small OpenAI-compatible server on loopback for tests and benchmarks: POST
 * /chat/completions answers with whatever the current route says (SSE, JSON, errors, faults),
 * GET /models lists models. Every request is recorded, body included, with when it arrived,
 * when its answer was completely written and when its connection closed.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
	method: string;
	path: string;
	headers: http.IncomingHttpHeaders;
	body: string;
	json?: any;
	receivedAt: number;
	/** When the answer was completely written (Date.now()); unset while it streams or if it never ended. */
	answeredAt?: number;
	/** When the connection of this request closed (Date.now()), after the answer or not. */
	closedAt?: number;
	/** True if the connection closed before the answer was completely written (the client left). */
	closedByClient?: boolean;
}

export type Handler = (req: RecordedRequest, res: http.ServerResponse) => void | Promise<void>;

export interface TestServer {
	baseUrl: string;
	port: number;
	requests: RecordedRequest[];
	/** Any other GET path answered with this handler (image downloads, redirects, login pages). */
	serve(path: string, handler: Handler): void;
	/** Answer chat requests whose model is `model` (or any, with '*') with this handler. */
	route(model: string, handler: Handler): void;
	reset(): void;
	models: string[];
	close(): Promise<void>;
}

export async function startTestServer(): Promise<TestServer> {
	const routes = new Map<string, Handler>();
	const files = new Map<string, Handler>();
	const requests: RecordedRequest[] = [];
	const sockets = new Set<import('node:net').Socket>();
	const state = { models: ['gpt-4o', 'claude-sonnet-4-20250514', 'llava:13b', 'qwen-vl-max'] };

	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			const body = Buffer.concat(chunks).toString('utf8');
			const recorded: RecordedRequest = {
				method: req.method ?? 'GET',
				path: req.url ?? '/',
				headers: req.headers,
				body,
				receivedAt: Date.now(),
			};
			try {
				recorded.json = body ? JSON.parse(body) : undefined;
			} catch {
				// keep the raw body only
			}
			requests.push(recorded);
			res.on('finish', () => {
				recorded.answeredAt = Date.now();
			});
			res.on('close', () => {
				recorded.closedAt = Date.now();
				recorded.closedByClient = !res.writableFinished;
			});
			res.socket?.setNoDelay(true);
			Promise.resolve(dispatch(recorded, res)).catch((error) => {
				if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
				res.end(String(error));
			});
		});
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});

	function dispatch(req: RecordedRequest, res: http.ServerResponse): void | Promise<void> {
		if (req.method === 'GET' && /\/models$/.test(req.path.split('?')[0])) {
			const auth = req.headers.authorization ?? '';
			if (auth === 'Bearer refused-key') {
				res.writeHead(401, { 'content-type': 'application/json' });
				res.end(JSON.stringify({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } }));
				return;
			}
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ object: 'list', data: state.models.map((id) => ({ id, object: 'model', owned_by: 'test' })) }));
			return;
		}
		const file = files.get(req.path);
		if (req.method === 'GET' && file) return file(req, res);
		if (req.method === 'POST' && /\/chat\/completions$/.test(req.path.split('?')[0])) {
			const handler = routes.get(req.json?.model) ?? routes.get('*') ?? streamText(['Hello', ' from', ' the test server.']);
			return handler(req, res);
		}
		res.writeHead(404, { 'content-type': 'application/json' });
		res.end(JSON.stringify({ error: { message: `Invalid URL (${req.method} ${req.path})`, type: 'invalid_request_error' } }));
	}

	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const port = (server.address() as AddressInfo).port;
	return {
		baseUrl: `http://127.0.0.1:${port}/v1`,
		port,
		requests,
		get models() {
			return state.models;
		},
		set models(value: string[]) {
			state.models = value;
		},
		route(model, handler) {
			routes.set(model, handler);
		},
		serve(path, handler) {
			files.set(path, handler);
		},
		reset() {
			routes.clear();
			files.clear();
			requests.length = 0;
		},
		close: () =>
			new Promise<void>((resolve) => {
				for (const socket of sockets) socket.destroy();
				server.close(() => resolve());
			}),
	};
}

// ---------------------------------------------------------------- answer builders

// Unref'd so a scripted stall never keeps the test process alive after the client left.
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** A step of a scripted answer: raw bytes to write, a pause in ms, or a socket reset. */
export type Step = string | Buffer | number | { reset: true };

export function chunk(delta: object, extra: { finish?: string | null; index?: number; id?: string; model?: string } = {}): string {
	return JSON.stringify({
		id: extra.id ?? 'chatcmpl-test',
		object: 'chat.completion.chunk',
		created: 1694268190,
		model: extra.model ?? 'test-model',
		system_fingerprint: 'fp_test',
		choices: [{ index: extra.index ?? 0, delta, finish_reason: extra.finish ?? null }],
	});
}

/** The usual answer: a role chunk, one chunk per piece, a finish chunk and [DONE]. */
export function textEvents(pieces: string[], finish = 'stop'): string[] {
	return [
		`data: ${chunk({ role: 'assistant', content: '' })}\n\n`,
		...pieces.map((piece) => `data: ${chunk({ content: piece })}\n\n`),
		`data: ${chunk({}, { finish })}\n\n`,
		'data: [DONE]\n\n',
	];
}

export function script(steps: Step[], status = 200, headers: http.OutgoingHttpHeaders = { 'content-type': 'text/event-stream' }): Handler {
	return async (_req, res) => {
		res.writeHead(status, { 'cache-control': 'no-cache', ...headers });
		res.flushHeaders();
		for (const step of steps) {
			if (res.destroyed) return;
			if (typeof step === 'number') await sleep(step);
			else if (typeof step === 'object' && !Buffer.isBuffer(step)) {
				res.socket?.resetAndDestroy?.() ?? res.socket?.destroy();
				return;
			} else res.write(step);
		}
		res.end();
	};
}

export function streamText(pieces: string[], delayMs = 0): Handler {
	const steps: Step[] = [];
	for (const event of textEvents(pieces)) {
		steps.push(event);
		if (delayMs) steps.push(delayMs);
	}
	return script(steps);
}

export function jsonAnswer(status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): Handler {
	return (_req, res) => {
		res.writeHead(status, { 'content-type': 'application/json', ...headers });
		res.end(typeof body === 'string' ? body : JSON.stringify(body));
	};
}

/** Answers with each handler in turn, the last one for every later request. */
export function sequence(...handlers: Handler[]): Handler {
	let call = 0;
	return (req, res) => handlers[Math.min(call++, handlers.length - 1)](req, res);
}
