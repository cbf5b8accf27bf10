'use strict';
/**
 * The main test workflow, run once with `n8n execute`: three PNG files read from disk
 * (filesystem binary mode) through Describe (Result and Chunks, pairing, usage, Keep Input
 * Data), Continue On Fail (an HTTP 400), Broken Stream (regular and error output), image URLs
 * from an expression, Download Images and JSON Schema; then the checks on its run data.
 */
const assert = require('assert/strict');

const wf = require('./workflows');
const { imagesOf, expectedText, describeImage } = require('./answers');
const { FIXTURES, PARTIAL, safeParse, outputOf, byItemIndex, contentOf, paired, tail, section } = require('./execution');

async function mainWorkflowChecks(ctx) {
	const { check } = ctx;
	section('Main workflow: binary items, chunks, continue on fail, broken stream, URLs, JSON schema');
	const mainRun = await ctx.n8nRun('n8n execute main workflow', ['execute', `--id=${wf.IDS.main}`, '--rawOutput']);
	const main = safeParse(mainRun);
	await check('n8n execute --rawOutput: the run succeeds and prints the run data', () => {
		assert.equal(mainRun.code, 0, tail(mainRun.stdout + mainRun.stderr));
		assert.ok(main, 'no execution JSON on stdout');
		assert.equal(main.status, 'success');
		assert.equal(main.data.resultData.error, undefined);
	});
	// Without run data the check above fails; the ones below have nothing to look at.
	if (main) await checkMain(check, { ...ctx, main });
}

async function checkMain(check, { main, server, fixtureBytes, photo, apiKey, runId, filesDir }) {
	const read = outputOf(main, 'Read Images');
	const fileOf = (i) => read[i].json.fileName;
	const expectedFor = (i) => expectedText([{ mimeType: 'image/png', bytes: fixtureBytes[fileOf(i)] }]);
	const indexOf = (name) => read.findIndex((item) => item.json.fileName === name);

	await check('Read Files from Disk reads the 3 PNG fixtures (N8N_RESTRICT_FILE_ACCESS_TO) in filesystem binary mode', () => {
		assert.deepEqual(read.map((i) => i.json.fileName).sort(), Object.keys(FIXTURES).sort());
		for (const item of read) {
			assert.match(item.binary.data.id, /^filesystem(-v2)?:/, 'binary data is not stored on the filesystem');
			assert.equal(item.binary.data.directory, filesDir);
		}
	});

	// ---- several items, Result and Chunks, pairing
	const results = outputOf(main, 'Describe', 0);
	const chunks = outputOf(main, 'Describe', 1);
	const groups = byItemIndex(chunks);
	await check('Describe: one Result item per input item, in input order, each paired to its item', () => {
		assert.equal(results.length, 3);
		results.forEach((item, i) => {
			assert.equal(paired(item), i);
			assert.equal(item.json.text, expectedFor(i), `item ${i} (${fileOf(i)}) got another image's answer`);
			assert.equal(item.json.finishReason, 'stop');
			assert.equal(item.json.choices.length, 1);
			assert.equal(item.json.choices[0].text, item.json.text);
		});
	});
	await check('Describe: the image bytes reached the server intact (sha256 of each file in its answer)', () => {
		const requests = server.requests.filter((q) => q.json && q.json.model === 'e2e-describe');
		assert.equal(requests.length, 3);
		const seen = requests.map((q) => imagesOf(q.json).map(describeImage).join()).sort();
		const want = Object.keys(FIXTURES).map((f) => describeImage({ mimeType: 'image/png', bytes: fixtureBytes[f] })).sort();
		assert.deepEqual(seen, want);
	});
	await check('Describe: request headers and body (Bearer key cleaned, custom header, stream, include_usage, prompt)', () => {
		for (const q of server.requests.filter((x) => x.json && x.json.model === 'e2e-describe')) {
			assert.equal(q.headers.authorization, `Bearer ${apiKey}`);
			assert.equal(q.headers['x-e2e-run'], runId);
			assert.equal(q.json.stream, true);
			assert.deepEqual(q.json.stream_options, { include_usage: true });
			const [message] = q.json.messages;
			assert.equal(message.role, 'user');
			assert.deepEqual(message.content[0], { type: 'text', text: 'Describe this image' });
		}
	});
	await check('Describe: Include Usage puts usage on the Result; Keep Input Data keeps fields and the filesystem binary', () => {
		results.forEach((item, i) => {
			assert.ok(item.json.usage && item.json.usage.total_tokens > 0, 'no usage');
			assert.equal(item.json.fileName, fileOf(i));
			assert.equal(item.binary && item.binary.data && item.binary.data.id, read[i].binary.data.id);
		});
	});
	await check('Describe: Chunks output has every chunk, per item in sequence, paired, joining to the text', () => {
		assert.deepEqual([...groups.keys()].sort(), [0, 1, 2]);
		for (const [i, list] of groups) {
			assert.equal(list.length, results[i].json.chunkCount, `item ${i}: ${list.length} chunk items, chunkCount ${results[i].json.chunkCount}`);
			assert.deepEqual(list.map((c) => c.json.sequence), list.map((_, k) => k));
			for (const c of list) {
				assert.equal(paired(c), i);
				assert.equal(c.json.object, 'chat.completion.chunk');
				assert.equal(typeof c.json.receivedMs, 'number');
			}
			assert.equal(contentOf(list), results[i].json.text);
			assert.ok(list.some((c) => c.json.usage), `item ${i}: the usage chunk is missing`);
		}
	});
	await check('downstream nodes resolve $(\'Read Images\').item through both outputs (paired items work in n8n)', () => {
		const after = outputOf(main, 'After Describe');
		assert.equal(after.length, 3);
		after.forEach((item, i) => {
			assert.equal(item.json.fileName, fileOf(i));
			assert.equal(item.json.shout, results[i].json.text.toUpperCase());
			assert.equal(item.json.hasBinary, true);
		});
		const afterChunks = outputOf(main, 'After Chunks');
		assert.equal(afterChunks.length, chunks.length);
		afterChunks.forEach((item, k) => assert.equal(item.json.fileName, fileOf(chunks[k].json.itemIndex)));
	});

	// ---- continue on fail, regular output
	const b = indexOf('b.png');
	const cof = outputOf(main, 'Continue On Fail', 0);
	await check('Continue On Fail: the refused item yields {error, httpCode, serverMessage}; the others their answers', () => {
		assert.equal(cof.length, 3);
		cof.forEach((item, i) => {
			assert.equal(paired(item), i);
			if (i === b) {
				assert.match(item.json.error, /HTTP 400/);
				assert.match(item.json.error, /e2e: this image is too small to analyse/);
				assert.equal(item.json.httpCode, 400);
				assert.match(item.json.serverMessage, /too small to analyse/);
				assert.equal(item.json.chunkCount, 0);
				assert.equal(item.json.text, undefined);
			} else {
				assert.equal(item.json.text, expectedFor(i));
			}
		});
	});
	await check('Continue On Fail: no retries of the 400, and Chunks only for the answered items', () => {
		assert.equal(server.requests.filter((q) => q.json && q.json.model === 'e2e-flaky').length, 3);
		const itemsWithChunks = [...byItemIndex(outputOf(main, 'Continue On Fail', 1)).keys()].sort();
		assert.deepEqual(itemsWithChunks, [0, 1, 2].filter((i) => i !== b));
	});

	// ---- broken stream, regular output
	const c = indexOf('c.png');
	await check('Broken Stream: the broken item yields {error, partialText, chunkCount}; the others their answers', () => {
		const out = outputOf(main, 'Broken Stream', 0);
		assert.equal(out.length, 3);
		out.forEach((item, i) => {
			assert.equal(paired(item), i);
			if (i === c) {
				assert.match(item.json.error, /stream ended before the answer was complete/i);
				assert.equal(item.json.partialText, PARTIAL);
				assert.equal(item.json.chunkCount, 3);
			} else assert.equal(item.json.text, expectedFor(i));
		});
	});
	await check('Broken Stream: the chunks received before the break stay on the Chunks output', () => {
		const partial = byItemIndex(outputOf(main, 'Broken Stream', 1)).get(c) || [];
		assert.equal(partial.length, 3);
		assert.equal(contentOf(partial), PARTIAL);
	});

	// ---- broken stream, error output
	await check('Broken Stream To Error Output: the failed item goes to the error output with details.partialText and the input fields', () => {
		const ok = outputOf(main, 'Broken Stream To Error Output', 0);
		const errors = outputOf(main, 'Broken Stream To Error Output', 2);
		assert.deepEqual(ok.map(paired), [0, 1, 2].filter((i) => i !== c));
		for (const item of ok) assert.equal(item.json.text, expectedFor(paired(item)));
		assert.equal(errors.length, 1);
		const [e] = errors;
		assert.equal(paired(e), c);
		assert.match(e.json.error, /stream ended before the answer was complete/i);
		assert.equal(e.json.details.partialText, PARTIAL);
		assert.equal(e.json.details.chunkCount, 3);
		assert.equal(e.json.fileName, 'c.png', 'the error item is not merged with its input item');
		const branch = outputOf(main, 'Error Branch');
		assert.deepEqual(branch.map((x) => x.json), [{ fileName: 'c.png', partialText: PARTIAL }]);
	});

	// ---- URLs from an expression
	await check('Describe URLs: an expression returning an array or a comma list; URLs sent as given with detail "low"', () => {
		const out = outputOf(main, 'Describe URLs');
		assert.equal(out.length, 3);
		assert.equal(out[0].json.text, 'URLs: https://images.example.test/cat.jpg (detail low) | https://images.example.test/dog.png (detail low)');
		assert.equal(out[1].json.text, 'URLs: https://images.example.test/one.webp (detail low) | https://images.example.test/two.gif (detail low)');
		assert.equal(out[2].json.text, `URLs: ${describeImage({ mimeType: 'image/png', bytes: Buffer.from(wf.onePixelPng(), 'base64') })}`);
		out.forEach((item, i) => assert.equal(paired(item), i));
	});
	await check('Download Images: n8n fetched the URL itself and sent the image inline', () => {
		const [item] = outputOf(main, 'Download Images');
		assert.equal(item.json.text, `URLs: ${describeImage({ mimeType: 'image/png', bytes: photo })}`);
		assert.ok(server.requests.some((q) => q.method === 'GET' && q.path === '/img/photo.png'), 'the image was not downloaded');
	});
	await check('JSON Schema: response_format json_schema sent; the answer parses in a Set node', () => {
		const q = server.requests.find((x) => x.json && x.json.model === 'e2e-json');
		assert.ok(q, 'no request');
		assert.equal(q.json.response_format.type, 'json_schema');
		assert.equal(q.json.response_format.json_schema.name, 'image_tags');
		assert.equal(q.json.response_format.json_schema.strict, true);
		assert.deepEqual(q.json.response_format.json_schema.schema.required, ['caption', 'objects']);
		const [parsed] = outputOf(main, 'Parse JSON');
		assert.equal(parsed.json.caption, 'A test picture named photo.png');
		assert.deepEqual(parsed.json.objects, ['test object', 'photo.png']);
	});
}

module.exports = { mainWorkflowChecks };
