'use strict';
/**
 * The chat example's conversation in queue mode, with Postgres Chat Memory on the suite's own
 * PostgreSQL (Simple Memory keeps a session in one process): the three turns of
 * test/support/n8n/conversation.js through the Chat Trigger's endpoint, streamed, in one session,
 * each on a worker, turn two on another worker than turn one.
 *
 * Which worker takes a job is Bull's choice, so turn two is forced off turn one's worker: chat
 * messages whose answer the model server holds back (prompt "hold=<key>", ./answers.js) are sent
 * one at a time, each waited for until a worker started it, until every slot of turn one's
 * worker is taken; the holds that landed elsewhere are released and finished. Turn two can then
 * only start on another worker. Then turn one's worker is released too.
 *
 *   prepareConversation(q)   sharp beside the package in the workers' user folders (community
 *                            install), so the memory keeps downscaled copies (the README's step)
 *   conversationPhase(q)     the turns and their checks; puts its figures into q.figures.conversation
 */
const crypto = require('node:crypto');
const { multipart, waitFor, installSharp } = require('../support/n8n');
const { TURNS, chatForm, expectTurn } = require('../support/n8n/conversation');
const { waitForWebhooks } = require('../n8n-live-streaming/n8n-api');
const { streamRequest } = require('./client');
const wf = require('./workflows');

function prepareConversation(q) {
	if (q.installer.mode !== 'community') return;
	const t0 = Date.now();
	for (const name of q.names.filter((n) => n !== 'main')) installSharp({ userFolder: q.installs[name].userFolder, root: q.root });
	q.withSharp = true;
	q.log(`sharp installed beside the package for the workers in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/** A chat message as the widget posts it: FormData with the file as `files`, or JSON without one. */
function post(q, url, turn, sessionId) {
	const { fields, files } = chatForm(turn, sessionId);
	if (files.length) {
		const { body, contentType } = multipart(fields, files);
		return streamRequest(url, { body, headers: { 'content-type': contentType, accept: 'text/plain' }, timeoutMs: 60000 });
	}
	return streamRequest(url, { body: Buffer.from(JSON.stringify(fields)), headers: { 'content-type': 'application/json', accept: 'text/plain' }, timeoutMs: 130000 });
}

function tracker(q) {
	const known = new Set();
	const ids = async () => (await q.pg.psql(`SELECT id FROM execution_entity WHERE "workflowId" = '${wf.IDS.chat}' ORDER BY id`)).split('\n').filter(Boolean);
	return {
		init: async () => (await ids()).forEach((id) => known.add(id)),
		/** The chat execution created since the last call, and the worker that started it. */
		next: async () => {
			const id = await waitFor('a new chat execution', async () => (await ids()).find((e) => !known.has(e)) || null, 20000, 50);
			known.add(id);
			const worker = await waitFor(`a worker starting execution ${id}`, () => (q.execByWorker.get(id) || {}).worker, 20000, 20);
			return { id, worker };
		},
	};
}

async function conversationPhase(q) {
	const { check, server, pg, runTag } = q;
	const chat = wf.workflows(q.installer.nodeType).find((w) => w.id === wf.IDS.chat);
	const base = `http://127.0.0.1:${q.ports.mainPort}`;
	const chatPath = `/webhook/${chat.nodes.find((n) => n.webhookId).webhookId}/chat`;
	const url = `${base}${chatPath}`;
	console.log(`\nConversation: the chat example with Postgres Chat Memory, three turns in one session, turn two on another worker`);
	const t0 = Date.now();
	await waitForWebhooks(base, [chatPath], 30000);
	const executions = tracker(q);
	await executions.init();
	const holds = [];
	const hold = async () => {
		const key = `h${holds.length}${runTag}`;
		const h = { key, done: post(q, url, { chatInput: `hold=${key}` }, `hold-${key}`).done, ...(await executions.next()) };
		holds.push(h);
		return h;
	};
	const release = async (list) => {
		for (const h of list) {
			h.released = true;
			server.release(h.key);
		}
		await Promise.all(list.map((h) => h.done));
		await waitFor('the released executions to finish', () => list.every((h) => q.execByWorker.get(h.id).finishedAt), 20000, 20);
	};
	const slots = (worker) => q.workers.find((w) => w.name === worker).concurrency;

	const sessionId = `conversation-${runTag}-${crypto.randomBytes(4).toString('hex')}`;
	const answers = [];
	const turns = [];
	for (let n = 0; n < TURNS.length; n++) {
		if (n === 1) {
			const target = turns[0].worker;
			while (holds.filter((h) => h.worker === target).length < slots(target)) await hold();
			await release(holds.filter((h) => h.worker !== target));
		}
		if (n === 2) await release(holds.filter((h) => !h.released));
		const from = server.requests.length;
		const res = await post(q, url, TURNS[n], sessionId).done;
		const turn = { ...(await executions.next()), res, request: server.requests.slice(from).find((r) => r.prompt === TURNS[n].chatInput) };
		turns.push(turn);
		const lines = res.lines.filter((l) => l.json && l.json.type !== 'keepalive');
		const types = lines.map((l) => l.json.type);
		const text = lines.filter((l) => l.json.type === 'item').map((l) => l.json.content).join('');
		await check(`conversation turn ${n + 1} (${['a picture', 'a follow-up without a file', 'a new picture'][n]}): streamed from ${turn.worker}, and the model server got the conversation and the right picture`, () => {
			const shape = `${types[0]},${types.filter((t) => t === 'item').length} items,${types[types.length - 1]}`;
			if (res.status !== 200 || types.includes('error') || shape !== `begin,${types.length - 2} items,end` || types.length < 3) throw new Error(`HTTP ${res.status} ${res.error || ''}: ${types.join(',')} ${JSON.stringify(text.slice(0, 200))}`);
			if (!turn.request || text !== turn.request.text || !turn.request.answeredFully) throw new Error(`the streamed text ${JSON.stringify(text)} is not the model server's whole answer ${JSON.stringify(turn.request && turn.request.text)}`);
			const seen = expectTurn(n, turn.request.json, answers, { downscaled: Boolean(q.withSharp) });
			return `execution ${turn.id} on ${turn.worker}: ${shape}; ${seen}`;
		});
		answers.push(text);
	}
	const [w1, w2, w3] = turns.map((t) => t.worker);
	await check.that('conversation turn two ran on another worker than turn one (its worker\'s slots held by other chat messages)', w1 !== w2, `turns on ${w1}, ${w2}, ${w3}; ${holds.length} held message(s) on ${holds.map((h) => h.worker).join(', ')}`);
	await checkMemory(q, sessionId, answers);
	q.figures.conversation = { workers: turns.map((t) => t.worker), executions: turns.map((t) => t.id), holds: holds.length, ms: Date.now() - t0 };
	q.log(`conversation phase took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/** What Postgres Chat Memory holds for the session: the three turns, the pictures as image blocks. */
async function checkMemory(q, sessionId, answers) {
	const rows = (await q.pg.psql(`SELECT message::text FROM ${wf.CHAT_TABLE} WHERE session_id = '${sessionId}' ORDER BY id`)).split('\n').filter(Boolean).map((r) => JSON.parse(r));
	// LangChain's PostgresChatMessageHistory stores { ...data, type }: the content at the top.
	const blocks = (m) => (typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content || []);
	const texts = rows.map((m) => blocks(m).filter((b) => b.type === 'text').map((b) => b.text).join('\n'));
	const images = rows.map((m) => blocks(m).filter((b) => b.type === 'image').map((b) => `${b.mimeType} ${Math.round((b.data || '').length / 1024)} KB base64`));
	const expected = TURNS.flatMap((t, i) => [`human:${t.chatInput}${t.picture ? '\n[image attached]' : ''}`, `ai:${answers[i]}`]);
	const got = rows.map((m, i) => `${m.type}:${texts[i]}`);
	const imageCounts = images.map((list) => list.length).join(',');
	await q.check(`Postgres Chat Memory (table ${wf.CHAT_TABLE}) holds the three turns of the session, with a copy of each picture`, () => {
		if (JSON.stringify(got) !== JSON.stringify(expected)) throw new Error(`messages: expected ${JSON.stringify(expected)}, got ${JSON.stringify(got)}`);
		if (imageCounts !== '1,0,0,0,1,0') throw new Error(`image blocks per message: expected 1,0,0,0,1,0, got ${imageCounts}`);
		return `${got.length} messages; pictures: ${images.flat().join(', ')}`;
	});
}

module.exports = { prepareConversation, conversationPhase };
