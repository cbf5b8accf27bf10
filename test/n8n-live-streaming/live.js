'use strict';
/**
 * What a streamed response must look like to count as live (n8n's newline-delimited JSON chunks):
 *
 *   analyseStream(response[, { nodeName }]) -> { ours, others, types, items, joined }
 *       every line JSON; the node's lines, their types, its `item` lines and their joined content
 *   expectLiveStream(response, stream, server, label) -> figures
 *       begin, one item per model chunk, end, with n8n's metadata; the first text chunk within
 *       500 ms of the model server starting its stream, the last about 2 s later, spread over at
 *       least 1.5 s (not buffered), none more than 300 ms after the model server sent it
 */
const assert = (condition, message) => {
	if (!condition) throw new Error(message);
};
const assertEqual = (actual, expected, what) => {
	if (JSON.stringify(actual) !== JSON.stringify(expected)) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
};

/** Every line JSON; per item: begin, item..., end; joined items; timings against the model server's stream. */
function analyseStream(response, { nodeName = 'Vision Chat' } = {}) {
	const bad = response.lines.filter((l) => l.parseError);
	assert(bad.length === 0, `${bad.length} line(s) are not JSON, first: ${JSON.stringify(bad[0] && bad[0].text.slice(0, 200))}`);
	const ours = response.lines.filter((l) => l.json.metadata && l.json.metadata.nodeName === nodeName);
	const others = response.lines.filter((l) => !ours.includes(l));
	const types = ours.map((l) => l.json.type);
	const items = ours.filter((l) => l.json.type === 'item');
	return { ours, others, types, items, joined: items.map((l) => l.json.content).join('') };
}

function expectLiveStream(response, stream, server, label) {
	assert(response.status === 200 && response.lines.length > 0, `${label}: HTTP ${response.status}, body ${JSON.stringify(response.raw.slice(0, 500))}`);
	const a = analyseStream(response);
	assertEqual(a.types, ['begin', ...server.pieces.map(() => 'item'), 'end'], `${label}: chunk types in order`);
	for (const l of a.ours) {
		assertEqual(l.json.metadata.itemIndex, 0, `${label}: metadata.itemIndex`);
		assert(typeof l.json.metadata.timestamp === 'number' && l.json.metadata.nodeId, `${label}: metadata lacks nodeId/timestamp: ${l.text}`);
	}
	assertEqual(a.others.map((l) => l.json.type), [], `${label}: lines from elsewhere`);
	assertEqual(a.items.map((l) => l.json.content), server.pieces, `${label}: item contents (one per model chunk)`);
	assert(stream && stream.startedAt, `${label}: the model server never streamed`);
	const first = a.items[0].at - stream.startedAt;
	const last = a.items[a.items.length - 1].at - stream.startedAt;
	const spread = a.items[a.items.length - 1].at - a.items[0].at;
	const lags = a.items.map((l, i) => l.at - stream.pieceTimes[i]);
	const maxLag = Math.max(...lags);
	assert(first <= 500, `${label}: the first text chunk reached the caller ${first.toFixed(0)} ms after the model server started streaming (limit 500 ms)`);
	assert(spread >= 1500, `${label}: first and last text chunk arrived only ${spread.toFixed(0)} ms apart: the answer was buffered, not streamed`);
	assert(last >= 1700 && last <= 3000, `${label}: the last text chunk arrived ${last.toFixed(0)} ms after the model server started streaming (expected about 2 s)`);
	assert(maxLag <= 300, `${label}: a text chunk reached the caller ${maxLag.toFixed(0)} ms after the model server sent it (limit 300 ms)`);
	return {
		...a,
		firstMs: first,
		lastMs: last,
		spreadMs: spread,
		maxLagMs: maxLag,
		fromRequestFirstMs: a.items[0].at - response.sentAt,
		fromRequestTotalMs: response.endedAt - response.sentAt,
	};
}

module.exports = { analyseStream, expectLiveStream, assert, assertEqual };
