'use strict';
/**
 * The other `n8n execute` runs and the checks across every n8n run of the suite:
 *
 *   stopChecks          a broken stream without continue-on-fail stops the execution
 *   examplesRunChecks   examples/image-urls-to-json.json runs as shipped
 *   combinedModeChecks  n8n 2.x "combined" binary mode: the image under json._files.data
 *   acrossRunsChecks    the API key never printed; no unknown node type or failed package load
 */
const assert = require('assert/strict');

const wf = require('./workflows');
const { imagesOf, expectedText } = require('./answers');
const { PARTIAL, safeParse, outputOf, tail, section } = require('./execution');

async function stopChecks(ctx) {
	const { check } = ctx;
	section('Broken stream without continue on fail: the execution stops with the partial text');
	const stopsRun = await ctx.n8nRun('n8n execute stopping workflow', ['execute', `--id=${wf.IDS.stops}`, '--rawOutput']);
	const stops = safeParse(stopsRun);
	await check('n8n execute exits non-zero and prints the failed execution', () => {
		assert.notEqual(stopsRun.code, 0);
		assert.ok(stops, 'no execution JSON in the output');
		assert.equal(stops.status, 'error');
		assert.equal(stops.data.resultData.lastNodeExecuted, 'Vision Chat');
	});
	if (!stops) return; // the check above fails; the two below have nothing to look at
	const error = stops.data.resultData.error || {};
	await check('the error says the stream ended early and carries the text received', () => {
		assert.match(error.message, /stream ended before the answer was complete/i);
		assert.match(error.description || '', new RegExp(`Text received before the failure \\(${PARTIAL.length} characters, 3 chunks\\): ${PARTIAL}`));
		assert.equal(error.context && error.context.partialText, PARTIAL);
		assert.equal(error.node && error.node.name, 'Vision Chat');
	});
	await check('the node run is recorded as failed, with no output items', () => {
		const run = stops.data.resultData.runData['Vision Chat'][0];
		assert.equal(run.executionStatus, 'error');
		assert.ok(run.error);
		assert.equal(run.data, undefined);
	});
}

async function examplesRunChecks(ctx) {
	const { check } = ctx;
	section('Example "image URLs to structured JSON" runs as shipped (loopback model server)');
	const urlsExample = ctx.examples.find((e) => e.file === 'image-urls-to-json.json');
	if (!urlsExample) return check('examples/image-urls-to-json.json exists', () => assert.fail('missing'));
	const exRun = await ctx.n8nRun('n8n execute example image-urls-to-json', ['execute', `--id=${urlsExample.workflow.id}`, '--rawOutput']);
	const ex = safeParse(exRun);
	await check('the example runs to the end', () => {
		assert.equal(exRun.code, 0, tail(exRun.stdout + exRun.stderr));
		assert.equal(ex && ex.status, 'success');
	});
	if (ex) await checkUrlsExample(check, { ex, server: ctx.server, workflow: urlsExample.workflow });
}

async function combinedModeChecks(ctx) {
	section('n8n 2.x "combined" binary mode (workflow setting binaryMode: combined)');
	const combRun = await ctx.n8nRun('n8n execute combined-binary-mode workflow', ['execute', `--id=${wf.IDS.combined}`, '--rawOutput']);
	const comb = safeParse(combRun);
	await ctx.check('Vision Chat reads the image a Read Files node put under json._files.data', () => {
		assert.ok(comb, `no execution JSON:\n${tail(combRun.stdout + combRun.stderr, 10)}`);
		const error = comb.data.resultData.error;
		if (comb.status !== 'success') throw new Error(`the run failed: ${error && error.message}${error && error.description ? ` (${error.description})` : ''}`);
		const [item] = outputOf(comb, 'Vision Chat', 0);
		assert.equal(item.json.text, expectedText([{ mimeType: 'image/png', bytes: ctx.fixtureBytes['a.png'] }]));
	});
}

async function acrossRunsChecks(ctx) {
	const { check, n8nOutputs, apiKey, env } = ctx;
	section('Across all n8n runs');
	await check('the API key never appears in anything n8n printed', () => {
		for (const out of n8nOutputs) assert.ok(!(out.stdout + out.stderr).includes(apiKey), `the key appears in the output of ${out.label}`);
	});
	await check('no n8n run reported an unknown node type or a package that failed to load', () => {
		const text = n8nOutputs.map((o) => o.stdout + o.stderr).join('\n');
		assert.doesNotMatch(text, /Unrecognized node type|is not known|Failed to load package/i);
		assert.ok(!env.N8N_CUSTOM_EXTENSIONS);
	});
}

async function checkUrlsExample(check, { ex, server, workflow }) {
	const listNode = workflow.nodes.find((n) => n.name === 'Image List');
	const images = JSON.parse(listNode.parameters.jsonOutput).images;
	await check('Tag Image: one request per URL, with json_schema "image_tags" and the URL as given', () => {
		const requests = server.requests.filter((q) => q.json && q.json.model === 'gpt-4o');
		assert.equal(requests.length, images.length);
		for (const q of requests) {
			assert.equal(q.json.response_format.type, 'json_schema');
			assert.equal(q.json.response_format.json_schema.name, 'image_tags');
		}
		assert.deepEqual(requests.map((q) => imagesOf(q.json)[0].url).sort(), images.map((i) => i.imageUrl).sort());
	});
	await check('Parse Tags: the JSON fields of each answer, paired back to its own image', () => {
		const out = outputOf(ex, 'Parse Tags');
		assert.equal(out.length, images.length);
		out.forEach((item, i) => {
			assert.equal(item.json.ref, images[i].ref);
			assert.equal(item.json.imageUrl, images[i].imageUrl);
			assert.equal(item.json.caption, `A test picture named ${images[i].imageUrl.split('/').pop()}`);
			assert.ok(Array.isArray(item.json.objects) && item.json.objects.length > 0);
			assert.deepEqual(item.json.dominantColors, ['red', 'green']);
			assert.equal(item.json.containsText, false);
		});
	});
}

module.exports = { stopChecks, examplesRunChecks, combinedModeChecks, acrossRunsChecks };
