'use strict';
/**
 * The checks of the live-streaming suite, against a running n8n with the three workflows published:
 *
 *   webhookChecks(ctx)  (a) Webhook "Streaming" -> Vision Chat: a multipart upload streams the
 *                       answer line by line; streamToCaller off streams nothing; a request
 *                       without an image gets the failure as JSON lines; a caller hanging up
 *                       mid-stream leaves n8n healthy
 *   chatChecks(ctx)     (b) Chat Trigger (public, embedded, streaming) -> Vision Chat with Simple
 *                       Memory, posted as n8n's chat widget posts: a three-turn conversation in one
 *                       session (a picture, a follow-up without a file, a new picture; ./conversation.js)
 *
 * ctx: { check, server, api (./n8n-api executions), base, webhookPath, chatId, IDS, QUIET_PATH, measured }
 */
const crypto = require('crypto');
const { imagesOf, promptOf, PNG_RED_8x8 } = require('./answers');
const { postMultipart, postJson } = require('./ndjson-client');
const { expectTurn } = require('../support/n8n/conversation');
const { sendTurn, followUpChecks } = require('./conversation');
const { resultOf } = require('./n8n-api');
const { analyseStream, expectLiveStream, assert, assertEqual } = require('./live');

const secs = (ms) => `${(ms / 1000).toFixed(2)} s`;
const png = { field: 'data', fileName: 'red.png', mimeType: 'image/png', bytes: PNG_RED_8x8 };

async function webhookChecks({ check, server, api, base, webhookPath, IDS, QUIET_PATH, measured }) {
	// (a) Webhook "Streaming" -> Vision Chat
	let before = await api.ids(IDS.webhook);
	let streamIndex = server.streams.length;
	let requestIndex = server.chatRequests().length;
	const webhookResponse = await postMultipart(`${base}/webhook/${webhookPath}`, { fields: { prompt: 'Describe this picture.' }, files: [png] });
	const webhookStream = server.streams[streamIndex];
	let live;
	await check('(a) Webhook "Streaming" -> Vision Chat: the answer streams to the HTTP caller chunk by chunk', () => {
		live = expectLiveStream(webhookResponse, webhookStream, server, 'webhook');
		measured.webhook = live;
		measured.webhookHeaders = webhookResponse.headers;
		return `first text ${live.firstMs.toFixed(0)} ms after the model started streaming, last ${live.lastMs.toFixed(0)} ms, max lag ${live.maxLagMs.toFixed(0)} ms`;
	});
	await check('(a) every line is JSON: begin, one item per model chunk, end, with n8n metadata', () => {
		const a = analyseStream(webhookResponse);
		assert(a.ours.length === server.pieces.length + 2, `${a.ours.length} lines from Vision Chat`);
		assertEqual(webhookResponse.lines.length, a.ours.length, 'lines in the response');
		return `${webhookResponse.lines.length} lines`;
	});
	await check('(a) the multipart image and the prompt reached the model server', () => {
		const request = server.chatRequests()[requestIndex];
		assert(request, 'no chat request reached the model server');
		const images = imagesOf(request);
		assertEqual(images.length, 1, 'images');
		assertEqual(images[0].mimeType, 'image/png', 'image type');
		assert(images[0].bytes && images[0].bytes.equals(PNG_RED_8x8), 'image bytes differ from the upload');
		assertEqual(promptOf(request), 'Describe this picture.', 'prompt');
		assertEqual(request.json.stream, true, 'stream');
	});
	await check('(a) the joined item contents equal the Result text n8n recorded', async () => {
		const execution = await api.last(IDS.webhook, before);
		const { result, chunkItems } = resultOf(execution);
		const joined = analyseStream(webhookResponse).joined;
		assertEqual(joined, result.text, 'joined items vs Result text');
		assertEqual(result.text, server.answer, 'Result text vs the model answer');
		assertEqual(result.chunkCount, chunkItems.length, 'chunkCount vs Chunks output');
		return `execution ${execution.id}, ${JSON.stringify(result.text.slice(0, 40))}…, timing ${JSON.stringify(result.timing)}`;
	});

	// (a) streamToCaller off: the same workflow streams nothing of the answer
	before = await api.ids(IDS.quiet);
	streamIndex = server.streams.length;
	const quietResponse = await postMultipart(`${base}/webhook/${QUIET_PATH}`, { fields: { prompt: 'Describe this picture.' }, files: [png] });
	await check('(a) with streamToCaller: false nothing of the answer is streamed by the node', async () => {
		assertEqual(quietResponse.status, 200, 'HTTP status');
		const bad = quietResponse.lines.filter((l) => l.parseError);
		assert(bad.length === 0, `non-JSON lines: ${bad.map((l) => l.text).join(' | ')}`);
		const ours = quietResponse.lines.filter((l) => l.json.metadata && l.json.metadata.nodeName === 'Vision Chat');
		assertEqual(ours.map((l) => l.json.type), [], 'chunks from Vision Chat');
		assert(!quietResponse.raw.includes('red square'), `the answer text appears in the response: ${quietResponse.raw.slice(0, 200)}`);
		assert(server.streams[streamIndex], 'the model server was not called');
		const execution = await api.last(IDS.quiet, before);
		const { result } = resultOf(execution);
		assertEqual(result.text, server.answer, 'Result text (the node did run)');
		return `response body ${JSON.stringify(quietResponse.raw)} after ${secs(quietResponse.endedAt - quietResponse.sentAt)}; execution ${execution.id} has the text`;
	});

	// (a) a request without a file: the node fails, the caller sees it as JSON lines
	const failing = await postJson(`${base}/webhook/${webhookPath}`, { prompt: 'No file here' });
	await check('(a) a request without an image: the failure reaches the caller as JSON lines (begin, error, end)', () => {
		const bad = failing.lines.filter((l) => l.parseError);
		assert(bad.length === 0, `non-JSON lines: ${bad.map((l) => l.text).join(' | ')}`);
		const types = failing.lines.map((l) => `${l.json.type}${l.json.metadata && l.json.metadata.nodeName === 'Vision Chat' ? '' : '(other)'}`);
		const ours = failing.lines.filter((l) => l.json.type === 'error');
		assert(ours.some((l) => /no binary data/i.test(l.json.content || '')), `no error line naming the missing binary: ${failing.raw.slice(0, 400)}`);
		assertEqual(failing.lines[0].json.type, 'begin', 'first line');
		return `status ${failing.status}, lines: ${types.join(', ')}`;
	});

	// (a) the caller hangs up after 3 chunks: n8n must stay up, the run must end
	before = await api.ids(IDS.webhook);
	streamIndex = server.streams.length;
	const leaver = await postMultipart(`${base}/webhook/${webhookPath}`, { fields: { prompt: 'Describe this picture.' }, files: [png], hangUpAfterItems: 3 });
	await check('(a) a caller that hangs up mid-stream: n8n stays healthy and the execution still ends', async () => {
		assert(leaver.hungUp, `the response ended before 3 items arrived: ${JSON.stringify(leaver.raw.slice(0, 300))}`);
		const execution = await api.last(IDS.webhook, before);
		const health = await fetch(`${base}/healthz/readiness`);
		assertEqual(health.status, 200, 'readiness after the hang-up');
		const stream = server.streams[streamIndex];
		const piecesSent = stream ? stream.pieceTimes.length : 0;
		let text = '';
		try {
			text = resultOf(execution).result.text;
		} catch (error) {
			text = `(${error.message})`;
		}
		return `execution ${execution.id} ${execution.status}; the model server sent ${piecesSent}/${server.pieces.length} pieces; Result text ${text === server.answer ? 'complete' : JSON.stringify(text.slice(0, 80))}`;
	});
}

async function chatChecks(ctx) {
	// (b) Chat Trigger (public, embedded, streaming) -> Vision Chat, as the chat widget posts it
	const { check, server, api, IDS, measured } = ctx;
	const before = await api.ids(IDS.chat);
	const sessionId = crypto.randomUUID();
	const { response: chatResponse, stream: chatStream, request } = await sendTurn(ctx, 0, sessionId);
	await check('(b) Chat Trigger -> Vision Chat: a message with a file streams the answer to the chat widget', () => {
		const chatLive = expectLiveStream(chatResponse, chatStream, server, 'chat');
		measured.chat = chatLive;
		measured.chatHeaders = chatResponse.headers;
		return `first text ${chatLive.firstMs.toFixed(0)} ms after the model started streaming, last ${chatLive.lastMs.toFixed(0)} ms, max lag ${chatLive.maxLagMs.toFixed(0)} ms`;
	});
	await check('(b) the chat message and its file reached the model server (binary data0, prompt from chatInput)', async () => {
		assert(request, 'no chat request reached the model server');
		const seen = expectTurn(0, request.json, []);
		const execution = await api.last(IDS.chat, before);
		const trigger = execution.data.resultData.runData['When chat message received'][0].data.main[0][0];
		assertEqual(Object.keys(trigger.binary || {}), ['data0'], 'binary properties from the Chat Trigger');
		assertEqual(trigger.json.sessionId, sessionId, 'sessionId');
		const { result } = resultOf(execution);
		assertEqual(analyseStream(chatResponse).joined, result.text, 'joined items vs Result text');
		return `execution ${execution.id}; ${seen}`;
	});

	// The example keeps the conversation in Simple Memory (docs/conversation.md): a message without
	// a file is a follow-up about the picture before it, a new picture starts from that one.
	await followUpChecks(ctx, sessionId, [analyseStream(chatResponse).joined]);
}

module.exports = { webhookChecks, chatChecks };
