'use strict';
/**
 * The chat example's conversation (Simple Memory) through the Chat Trigger's endpoint, as n8n's
 * chat widget posts it, in one session (test/support/n8n/conversation.js has the turns and what
 * the model server must receive in each):
 *
 *   sendTurn(ctx, n, sessionId) -> { response, stream, request }
 *       turn n (0-based) posted (a turn with a picture as FormData with `files`, one without as
 *       JSON); the model server's stream and the chat request it got for it
 *   followUpChecks(ctx, sessionId, answers)
 *       turn 2 (no file) and turn 3 (a new picture): each streams live (begin, one item per model
 *       chunk, end) and its request carries the conversation and the right picture
 *
 * ctx: as in ./checks.js
 */
const { TURNS, expectTurn } = require('../support/n8n/conversation');
const { postChatWidget, postChatText } = require('./ndjson-client');
const { analyseStream, expectLiveStream, assert } = require('./live');

async function sendTurn({ server, base, chatId }, n, sessionId) {
	const streamIndex = server.streams.length;
	const requestIndex = server.chatRequests().length;
	const { chatInput, picture } = TURNS[n];
	const url = `${base}/webhook/${chatId}/chat`;
	const response = picture ? await postChatWidget(url, { sessionId, chatInput, files: [picture] }) : await postChatText(url, { sessionId, chatInput });
	return { response, stream: server.streams[streamIndex], request: server.chatRequests()[requestIndex] };
}

const NAMES = [
	null,
	'(b) a follow-up without a file (Simple Memory): it streams, and the request carries the first turn and its picture (the downscaled copy)',
	'(b) a new picture in the same session: it streams, and the request carries the conversation and the new picture, not the old one',
];

async function followUpChecks(ctx, sessionId, answers) {
	for (const n of [1, 2]) {
		const { response, stream, request } = await sendTurn(ctx, n, sessionId);
		const answer = response.lines.filter((l) => l.json && l.json.type === 'item').map((l) => l.json.content).join('');
		await ctx.check(NAMES[n], () => {
			const live = expectLiveStream(response, stream, ctx.server, `turn ${n + 1}`);
			assert(request, `turn ${n + 1}: no request reached the model server`);
			const seen = expectTurn(n, request.json, answers);
			answers.push(answer);
			return `${live.types.length} lines (begin, ${live.items.length} items, end), first text ${live.firstMs.toFixed(0)} ms after the model began; request: ${seen}`;
		});
	}
}

module.exports = { sendTurn, followUpChecks };
