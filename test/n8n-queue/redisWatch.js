'use strict';
/**
 * Listens to what n8n's processes tell each other through Redis, without touching it: a RESP
 * client that PSUBSCRIBEs to Bull's job progress channel (`bull:<queue>:progress`, where a
 * worker's `job.progress()` messages go: `send-chunk`, `respond-to-webhook`, `job-finished`,
 * and the main's `abort-job`) and to n8n's command channel (`<N8N_REDIS_KEY_PREFIX, default n8n>:n8n.commands`, e.g. `stop-execution`).
 *
 *   watchRedis({ port }) -> { messages: [{ at, channel, data }], close() }
 *   data is the parsed JSON payload; for Bull progress: { jobId, progress: { kind, executionId, … } }
 *
 * Node built-ins only; CommonJS.
 */
const net = require('node:net');

/** Parses one RESP value at `offset`; returns [value, nextOffset] or null when incomplete. */
function parse(buf, offset) {
	if (offset >= buf.length) return null;
	const type = String.fromCharCode(buf[offset]);
	const eol = buf.indexOf('\r\n', offset);
	if (eol < 0) return null;
	const head = buf.toString('utf8', offset + 1, eol);
	if (type === '+' || type === '-' || type === ':') return [head, eol + 2];
	if (type === '$') {
		const len = Number(head);
		if (len < 0) return [null, eol + 2];
		if (buf.length < eol + 2 + len + 2) return null;
		return [buf.toString('utf8', eol + 2, eol + 2 + len), eol + 2 + len + 2];
	}
	if (type === '*') {
		const count = Number(head);
		const out = [];
		let at = eol + 2;
		for (let i = 0; i < count; i++) {
			const r = parse(buf, at);
			if (!r) return null;
			out.push(r[0]);
			at = r[1];
		}
		return [out, at];
	}
	throw new Error(`unexpected RESP type ${JSON.stringify(type)}`);
}

function command(args) {
	return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

function watchRedis({ port, host = '127.0.0.1', patterns = ['bull:*:progress', '*n8n.commands'] }) {
	return new Promise((resolve, reject) => {
		const messages = [];
		let buf = Buffer.alloc(0);
		let subscribed = 0;
		const sock = net.connect({ host, port });
		sock.on('connect', () => sock.write(command(['PSUBSCRIBE', ...patterns])));
		sock.on('error', (error) => {
			if (subscribed < patterns.length) reject(error);
		});
		sock.on('data', (data) => {
			buf = buf.length ? Buffer.concat([buf, data]) : data;
			let at = 0;
			for (;;) {
				const r = parse(buf, at);
				if (!r) break;
				at = r[1];
				const value = r[0];
				if (!Array.isArray(value)) continue;
				if (value[0] === 'psubscribe') {
					if (++subscribed === patterns.length) resolve(api);
				} else if (value[0] === 'pmessage') {
					let data;
					try {
						data = JSON.parse(value[3]);
					} catch {
						data = value[3];
					}
					messages.push({ at: Date.now(), channel: value[2], data });
				}
			}
			buf = buf.subarray(at);
		});
		const api = {
			messages,
			close: () => sock.destroy(),
			/** Bull progress messages of one execution, optionally of one kind. */
			progressOf(executionId, kind) {
				return messages.filter((m) => m.data && m.data.progress && String(m.data.progress.executionId) === String(executionId) && (!kind || m.data.progress.kind === kind));
			},
		};
	});
}

module.exports = { watchRedis };
