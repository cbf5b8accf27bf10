'use strict';
/**
 * The three-turn conversation about pictures (docs/conversation.md) that the real-n8n suites
 * hold through the Chat Trigger of examples/chat-streaming.json (live streaming with Simple
 * Memory, queue mode with Postgres Chat Memory), and what the model server must have received in
 * each turn:
 *
 *   TURNS                  [{ chatInput, picture? }]: a picture + question, a follow-up without a
 *                          file, a new picture (picture: { bytes, mimeType, fileName, width, height })
 *   chatForm(turn, sessionId) -> { fields, files }   the turn as n8n's chat widget posts it
 *                          (action=sendMessage, sessionId, chatInput, the file as `files`)
 *   messagesOf(json)       a chat request's messages: [{ role, text, images: [{ mime, bytes, width, height }] }]
 *   expectTurn(n, json, answers[, { downscaled = true }]) -> summary
 *                          throws, naming what differs, unless the request of turn n (0-based)
 *                          carried the system prompt, the turns before it (answers: their answers'
 *                          text, the user's text as the memory keeps it, "[image attached]" after a
 *                          picture), the new message, and only the most recent picture: as uploaded
 *                          when it came with this message, else the memory's copy in the message it
 *                          came with: downscaled to a 768 px JPEG (with sharp), or without sharp
 *                          (downscaled: false) the upload as it is
 */
const path = require('path');
const { ROOT } = require('./base');
const { makePng } = require('./png');
const { loadTs } = require('../load-ts');

const { readImageHeader } = loadTs(path.join(ROOT, 'nodes', 'VisionChat', 'sources', 'resize', 'imageHeader.ts'), ROOT);
const KEPT_LONG_EDGE = 768;

const picture = (fileName, width, height, rgb) => ({ bytes: makePng(width, height, rgb), mimeType: 'image/png', fileName, width, height });
const TURNS = [
	{ chatInput: 'What is in this picture?', picture: picture('bike.png', 1200, 900, [200, 30, 30]) },
	{ chatInput: 'And what colour is it?' },
	{ chatInput: 'And what is in this one?', picture: picture('boat.png', 320, 200, [30, 40, 210]) },
];

const chatForm = (turn, sessionId) => ({
	fields: { action: 'sendMessage', sessionId, chatInput: turn.chatInput },
	files: turn.picture ? [{ field: 'files', ...turn.picture }] : [],
});

function messagesOf(json) {
	return ((json && json.messages) || []).map((m) => {
		const parts = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content || [];
		const images = parts
			.filter((p) => p.type === 'image_url')
			.map((p) => {
				const url = typeof p.image_url === 'string' ? p.image_url : p.image_url.url;
				const match = /^data:([^;,]+);base64,(.*)$/s.exec(url) || [];
				const bytes = Buffer.from(match[2] || '', 'base64');
				const header = readImageHeader(bytes) || {};
				return { mime: match[1] || url, bytes, width: header.width, height: header.height };
			});
		return { role: m.role, text: parts.filter((p) => p.type === 'text').map((p) => p.text).join('\n'), images };
	});
}

const fail = (n, what, actual, expected) => {
	throw new Error(`turn ${n + 1}: ${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
};

function expectTurn(n, json, answers, { downscaled = true } = {}) {
	const got = messagesOf(json);
	const expected = [{ role: 'system' }];
	for (let i = 0; i < n; i++) expected.push({ role: 'user', text: `${TURNS[i].chatInput}${TURNS[i].picture ? '\n[image attached]' : ''}` }, { role: 'assistant', text: answers[i] });
	expected.push({ role: 'user', text: TURNS[n].chatInput });
	const roles = got.map((m) => m.role).join(',');
	if (roles !== expected.map((m) => m.role).join(',')) fail(n, 'roles', roles, expected.map((m) => m.role).join(','));
	expected.forEach((m, i) => m.text !== undefined && got[i].text !== m.text && fail(n, `text of message ${i}`, got[i].text, m.text));
	// Only the most recent picture, in the message it came with.
	let source = n;
	while (!TURNS[source].picture) source--;
	const where = 1 + 2 * source;
	const placed = got.map((m, i) => (m.images.length ? `${i}:${m.images.length}` : '')).filter(Boolean).join(' ');
	if (placed !== `${where}:1`) fail(n, 'images (message:count)', placed, `${where}:1`);
	const image = got[where].images[0];
	const sent = TURNS[source].picture;
	const size = `${image.mime} ${image.width}x${image.height}, ${image.bytes.length} bytes`;
	if (source === n || !downscaled) {
		if (!image.bytes.equals(sent.bytes)) fail(n, 'the new picture as uploaded', size, `${sent.mimeType} ${sent.width}x${sent.height}, ${sent.bytes.length} bytes`);
		return `${got.length} messages, ${source === n ? 'the new picture' : `the picture of turn ${source + 1} (kept as it is, no sharp)`} as uploaded (${size})`;
	}
	const scale = KEPT_LONG_EDGE / Math.max(sent.width, sent.height);
	const small = `image/jpeg ${Math.round(sent.width * scale)}x${Math.round(sent.height * scale)}`;
	if (`${image.mime} ${image.width}x${image.height}` !== small) fail(n, `the picture of turn ${source + 1} (the memory's downscaled copy)`, size, small);
	return `${got.length} messages, the picture of turn ${source + 1} re-sent from the memory in message ${where} (${size}; uploaded ${sent.width}x${sent.height} PNG)`;
}

module.exports = { TURNS, chatForm, messagesOf, expectTurn, KEPT_LONG_EDGE };
