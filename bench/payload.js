'use strict';
/**
 * The SSE answers the benchmark server sends, shared with the workers so that they can
 * check what they assembled (chunk count and text length) against what was sent.
 */

const WORDS = ['The', ' image', ' shows', ' a', ' red', ' barn', ',', ' two', ' cows', ' and', ' a', ' tractor', ' in', ' the', ' field', '.', '\n'];

function chunkJson(delta, finish = null) {
	return JSON.stringify({
		id: 'chatcmpl-bench',
		object: 'chat.completion.chunk',
		created: 1694268190,
		model: 'bench-model',
		system_fingerprint: 'fp_bench',
		choices: [{ index: 0, delta, finish_reason: finish }],
	});
}

const event = (json) => `data: ${json}\n\n`;

/** `total` chunk events: a role chunk, total-2 content chunks, a finish chunk; then [DONE]. */
function streamEvents(total) {
	const events = [event(chunkJson({ role: 'assistant', content: '' }))];
	let textLength = 0;
	for (let i = 0; i < total - 2; i++) {
		const token = WORDS[i % WORDS.length];
		textLength += token.length;
		events.push(event(chunkJson({ content: token })));
	}
	events.push(event(chunkJson({}, 'stop')));
	events.push('data: [DONE]\n\n');
	return { events, chunks: total, textLength };
}

/** Expected shape of a `streamEvents(total)` answer, without building it. */
function expected(total) {
	let textLength = 0;
	for (let i = 0; i < total - 2; i++) textLength += WORDS[i % WORDS.length].length;
	return { chunks: total, textLength };
}

module.exports = { chunkJson, event, streamEvents, expected, BIG_CHUNKS: 100_000, WARM_CHUNKS: 2_000 };
