'use strict';
/**
 * The end-to-end suite: this package installed as a community package into a fresh n8n 2.41.1
 * user folder, its workflows run headless with `n8n execute`, against the loopback
 * OpenAI-compatible server of test/server.ts. Started by scripts/test-e2e.js.
 */
const assert = require('assert/strict');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');

const { loadTs } = require('../support/load-ts');
const { makePng } = require('./png');
const { makeRoutes, imagesOf, expectedText, describeImage } = require('./answers');
const wf = require('./workflows');
const { packPackage, installCommunityPackage, runN8n, parseExecution, outputOf, killRunning } = require('./n8n');
const { loadExamples, baseCatalog, validateExample } = require('./examples');

const FIXTURES = {
	'a.png': [4, 3, [220, 40, 40]],
	'b.png': [2, 2, [40, 200, 40]], // refused by the "flaky" model
	'c.png': [3, 5, [40, 40, 220]], // gets a broken stream
};
const PARTIAL = 'Partial answer before the break';

// ---------------------------------------------------------------- tiny runner

class Runner {
	constructor() {
		this.results = [];
		this.known = [];
	}
	check(name, fn) {
		try {
			fn();
			this.results.push({ name, ok: true });
			console.log(`  ok    ${name}`);
		} catch (error) {
			this.results.push({ name, ok: false, error });
			console.log(`  FAIL  ${name}\n        ${shorten(error && error.message).split('\n').join('\n        ')}`);
		}
	}
	/** A documented gap: reported, counted apart; fails the run only with VISION_E2E_STRICT=1. */
	knownIssue(name, fn) {
		try {
			fn();
			this.results.push({ name, ok: true });
			console.log(`  ok    ${name} (listed as a known issue, but it passes now)`);
		} catch (error) {
			if (process.env.VISION_E2E_STRICT === '1') {
				this.results.push({ name, ok: false, error });
				console.log(`  FAIL  ${name}\n        ${error.message}`);
			} else {
				this.known.push({ name, error });
				console.log(`  KNOWN ${name}\n        ${shorten(error.message).split('\n').join('\n        ')}`);
			}
		}
	}
	get passed() {
		return this.results.filter((r) => r.ok).length;
	}
	get failed() {
		return this.results.filter((r) => !r.ok).length;
	}
}

const shorten = (text, max = 1200) => {
	const s = String(text);
	return s.length > max ? `${s.slice(0, max)}… (${s.length - max} more characters)` : s;
};
const section = (title) => console.log(`\n${title}`);
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;

function tail(text, lines = 25) {
	return text.split(/\r?\n/).slice(-lines).join('\n');
}

// ---------------------------------------------------------------- helpers for checks

function byItemIndex(chunks) {
	const groups = new Map();
	for (const item of chunks) {
		const i = item.json.itemIndex;
		if (!groups.has(i)) groups.set(i, []);
		groups.get(i).push(item);
	}
	return groups;
}

const contentOf = (chunks) => chunks.map((c) => (c.json.choices && c.json.choices[0] && c.json.choices[0].delta && c.json.choices[0].delta.content) || '').join('');
const paired = (item) => (Array.isArray(item.pairedItem) ? item.pairedItem[0].item : item.pairedItem && item.pairedItem.item);

// ---------------------------------------------------------------- the suite

async function runSuite({ root, n8n, env: envLib, port, brokerPort }) {
	const started = Date.now();
	const timings = [];
	const timed = async (label, fn) => {
		const t = Date.now();
		try {
			return await fn();
		} finally {
			timings.push([label, Date.now() - t]);
		}
	};
	const r = new Runner();
	const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'vision-e2e-')));
	const userFolder = path.join(tmp, 'user');
	const filesDir = path.join(tmp, 'files');
	const work = path.join(tmp, 'work');
	for (const dir of [userFolder, filesDir, work, path.join(work, 'workflows')]) fs.mkdirSync(dir, { recursive: true });
	console.log(`work folder ${tmp}; n8n ports ${port}/${brokerPort}`);

	const serverLib = loadTs(path.join(root, 'test', 'server.ts'), root);
	const server = await serverLib.startTestServer();
	const n8nOutputs = [];
	let keep = process.env.VISION_E2E_KEEP === '1';
	try {
		// ------------------------------------------------ fixtures and server
		const fixtureBytes = {};
		for (const [name, [w, h, rgb]] of Object.entries(FIXTURES)) {
			fixtureBytes[name] = makePng(w, h, rgb);
			fs.writeFileSync(path.join(filesDir, name), fixtureBytes[name]);
		}
		fs.writeFileSync(path.join(filesDir, 'notes.txt'), 'not an image, not matched by *.png\n');
		const photo = makePng(6, 4, [250, 200, 0]);
		makeRoutes(server, serverLib);
		server.serve('/img/photo.png', (_req, res) => {
			res.writeHead(200, { 'content-type': 'image/png', 'content-length': photo.length });
			res.end(photo);
		});
		const imageBaseUrl = server.baseUrl.replace(/\/v1$/, '');
		const runId = crypto.randomBytes(6).toString('hex');
		const apiKey = `sk-e2e-${crypto.randomBytes(12).toString('hex')}`;

		// ------------------------------------------------ install like a user
		section('Package installed as a community package');
		const npmEnv = { ...process.env, PATH: envLib.pathWithNode24(root) };
		const packed = await timed('npm pack + install into <userFolder>/.n8n/nodes', async () => {
			const p = packPackage(root, work, npmEnv);
			const installed = installCommunityPackage({ tarball: p.tarball, name: p.name, version: p.version, userFolder, env: npmEnv });
			return { ...p, ...installed };
		});
		r.check('the tarball holds the built node, credential and icons, and no sources or tests', () => {
			for (const file of ['package.json', 'dist/index.js', 'dist/nodes/VisionChat/VisionChat.node.js', 'dist/credentials/VisionChatApi.credentials.js', 'dist/nodes/VisionChat/visionChat.svg']) {
				assert.ok(packed.files.includes(file), `${file} missing from ${path.basename(packed.tarball)}`);
			}
			const stray = packed.files.filter((f) => /^(test|nodes|credentials|scripts|bench|examples)\//.test(f) || (/\.ts$/.test(f) && !/\.d\.ts$/.test(f)));
			assert.deepEqual(stray, [], 'sources or tests in the tarball');
		});
		r.check('installed in .n8n/nodes/node_modules with its own dependencies and without n8n-workflow', () => {
			for (const dep of packed.dependencies) assert.ok(fs.existsSync(path.join(packed.packageDir, 'node_modules', dep, 'package.json')), `dependency ${dep} not installed`);
			assert.ok(!fs.existsSync(path.join(packed.packageDir, 'node_modules', 'n8n-workflow')), 'n8n-workflow installed beside the package: it must come from n8n');
			assert.ok(!fs.existsSync(path.join(packed.nodesDir, 'node_modules', 'n8n-workflow')), 'n8n-workflow installed in .n8n/nodes');
		});
		r.check(`optional dependencies are left out, as n8n's installer does (${packed.optionalDependencies.join(', ') || 'none declared'})`, () => {
			for (const dep of packed.optionalDependencies) {
				assert.ok(!fs.existsSync(path.join(packed.packageDir, 'node_modules', dep)), `${dep} was installed`);
			}
		});

		// ------------------------------------------------ n8n: credential, workflows
		const env = envLib.n8nEnv({
			userFolder,
			port,
			brokerPort,
			extra: {
				N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem',
				// n8n 2.x reads and writes files only under ~/.n8n-files unless told otherwise.
				N8N_RESTRICT_FILE_ACCESS_TO: filesDir,
				N8N_BLOCK_FILE_ACCESS_TO_N8N_FILES: 'true',
				N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
				N8N_LOG_LEVEL: 'info',
				// Offline: n8n start would otherwise try api.n8n.io for its MCP server registry.
				N8N_DISABLED_MODULES: 'mcp-registry',
			},
		});
		delete env.N8N_CUSTOM_EXTENSIONS; // the package must load from .n8n/nodes only
		const n8nRun = async (label, args) => {
			const result = await timed(label, () => runN8n(n8n, args, env));
			n8nOutputs.push({ label, ...result });
			if (result.timedOut) throw new Error(`${label}: n8n ${args.join(' ')} timed out`);
			return result;
		};

		section('Credential and workflows imported with the n8n CLI');
		const credentialFile = path.join(work, 'credentials.json');
		fs.writeFileSync(
			credentialFile,
			JSON.stringify([
				{
					...wf.CREDENTIAL,
					type: 'visionChatApi',
					data: { apiKey: `  Bearer ${apiKey} `, baseUrl: server.baseUrl, customHeaders: `X-E2E-Run: ${runId}` },
				},
			]),
		);
		const importCred = await n8nRun('n8n import:credentials (fresh database: migrations)', ['import:credentials', `--input=${credentialFile}`]);
		r.check('n8n import:credentials accepts the plain credential', () => {
			assert.equal(importCred.code, 0, tail(importCred.stdout + importCred.stderr));
			assert.match(importCred.stdout + importCred.stderr, /Successfully imported 1 credential/);
		});

		const testWorkflows = [
			wf.mainWorkflow({ filesDir, imageBaseUrl }),
			wf.stopsWorkflow({ filesDir }),
			wf.combinedWorkflow({ filesDir }),
		];
		const examples = loadExamples(root);
		for (const w of testWorkflows) fs.writeFileSync(path.join(work, 'workflows', `${w.id}.json`), JSON.stringify(w, null, 2));
		for (const { file, workflow } of examples) fs.writeFileSync(path.join(work, 'workflows', `example-${file}`), JSON.stringify(workflow, null, 2));
		const importWf = await n8nRun('n8n import:workflow --separate (tests + examples)', ['import:workflow', '--separate', `--input=${path.join(work, 'workflows')}`]);
		const total = testWorkflows.length + examples.length;
		r.check(`n8n import:workflow imports all ${total} workflows (${examples.length} examples) without errors or skips`, () => {
			const text = importWf.stdout + importWf.stderr;
			assert.equal(importWf.code, 0, tail(text));
			assert.match(text, new RegExp(`Successfully imported ${total} workflows`));
			assert.doesNotMatch(text, /Skipped workflow|An error occurred|Failed to replace invalid credential/);
		});

		const exportFile = path.join(work, 'exported.json');
		const exported = await n8nRun('n8n export:workflow --all', ['export:workflow', '--all', `--output=${exportFile}`]);
		const stored = exported.code === 0 && fs.existsSync(exportFile) ? JSON.parse(fs.readFileSync(exportFile, 'utf8')) : [];

		section('Examples (examples/*.json)');
		const catalog = baseCatalog(n8n.home);
		const { VisionChat } = require(path.join(root, 'dist', 'nodes', 'VisionChat', 'VisionChat.node.js'));
		const visionDescription = new VisionChat().description;
		r.check(`there are at least 3 examples (found ${examples.map((e) => e.file).join(', ') || 'none'})`, () => assert.ok(examples.length >= 3));
		const ids = new Set();
		for (const { file, workflow } of examples) {
			r.check(`${file}: node types, versions, parameters and connections exist in n8n 2.41.1`, () => {
				const problems = validateExample(workflow, { catalog, visionDescription });
				assert.deepEqual(problems, []);
				assert.ok(!ids.has(workflow.id), `id ${workflow.id} used twice`);
				ids.add(workflow.id);
			});
			r.check(`${file}: stored by n8n as imported (id ${workflow.id}, nodes, connections, credential)`, () => {
				const saved = stored.find((s) => s.id === workflow.id);
				assert.ok(saved, `workflow ${workflow.id} not in n8n export:workflow --all`);
				assert.deepEqual(
					saved.nodes.map((n) => [n.name, n.type, n.typeVersion]),
					workflow.nodes.map((n) => [n.name, n.type, n.typeVersion]),
				);
				assert.deepEqual(saved.connections, workflow.connections);
				for (const n of saved.nodes.filter((x) => x.type === wf.VISION_TYPE)) assert.deepEqual(n.credentials.visionChatApi, wf.CREDENTIAL);
			});
		}

		// ------------------------------------------------ the main workflow
		section('Main workflow: binary items, chunks, continue on fail, broken stream, URLs, JSON schema');
		const mainRun = await n8nRun('n8n execute main workflow', ['execute', `--id=${wf.IDS.main}`, '--rawOutput']);
		const main = safeParse(mainRun);
		r.check('n8n execute --rawOutput: the run succeeds and prints the run data', () => {
			assert.equal(mainRun.code, 0, tail(mainRun.stdout + mainRun.stderr));
			assert.ok(main, 'no execution JSON on stdout');
			assert.equal(main.status, 'success');
			assert.equal(main.data.resultData.error, undefined);
		});
		if (main) checkMain(r, { main, server, fixtureBytes, photo, apiKey, runId, filesDir });

		// ------------------------------------------------ a broken stream that stops the workflow
		section('Broken stream without continue on fail: the execution stops with the partial text');
		const stopsRun = await n8nRun('n8n execute stopping workflow', ['execute', `--id=${wf.IDS.stops}`, '--rawOutput']);
		const stops = safeParse(stopsRun);
		r.check('n8n execute exits non-zero and prints the failed execution', () => {
			assert.notEqual(stopsRun.code, 0);
			assert.ok(stops, 'no execution JSON in the output');
			assert.equal(stops.status, 'error');
			assert.equal(stops.data.resultData.lastNodeExecuted, 'Vision Chat');
		});
		if (stops) {
			const error = stops.data.resultData.error || {};
			r.check('the error says the stream ended early and carries the text received', () => {
				assert.match(error.message, /stream ended before the answer was complete/i);
				assert.match(error.description || '', new RegExp(`Text received before the failure \\(${PARTIAL.length} characters, 3 chunks\\): ${PARTIAL}`));
				assert.equal(error.context && error.context.partialText, PARTIAL);
				assert.equal(error.node && error.node.name, 'Vision Chat');
			});
			r.check('the node run is recorded as failed, with no output items', () => {
				const run = stops.data.resultData.runData['Vision Chat'][0];
				assert.equal(run.executionStatus, 'error');
				assert.ok(run.error);
				assert.equal(run.data, undefined);
			});
		}

		// ------------------------------------------------ example (c) runs as shipped
		section('Example "image URLs to structured JSON" runs as shipped (loopback model server)');
		const urlsExample = examples.find((e) => e.file === 'image-urls-to-json.json');
		if (urlsExample) {
			const exRun = await n8nRun('n8n execute example image-urls-to-json', ['execute', `--id=${urlsExample.workflow.id}`, '--rawOutput']);
			const ex = safeParse(exRun);
			r.check('the example runs to the end', () => {
				assert.equal(exRun.code, 0, tail(exRun.stdout + exRun.stderr));
				assert.equal(ex && ex.status, 'success');
			});
			if (ex) checkUrlsExample(r, { ex, server, workflow: urlsExample.workflow });
		} else {
			r.check('examples/image-urls-to-json.json exists', () => assert.fail('missing'));
		}

		// ------------------------------------------------ combined binary mode (n8n 2.x)
		section('n8n 2.x "combined" binary mode (workflow setting binaryMode: combined)');
		const combRun = await n8nRun('n8n execute combined-binary-mode workflow', ['execute', `--id=${wf.IDS.combined}`, '--rawOutput']);
		const comb = safeParse(combRun);
		r.check('Vision Chat reads the image a Read Files node put under json._files.data', () => {
			assert.ok(comb, `no execution JSON:\n${tail(combRun.stdout + combRun.stderr, 10)}`);
			const error = comb.data.resultData.error;
			if (comb.status !== 'success') throw new Error(`the run failed: ${error && error.message}${error && error.description ? ` (${error.description})` : ''}`);
			const [item] = outputOf(comb, 'Vision Chat', 0);
			assert.equal(item.json.text, expectedText([{ mimeType: 'image/png', bytes: fixtureBytes['a.png'] }]));
		});

		// ------------------------------------------------ example (a) through a running n8n
		section('Example "ask about an uploaded photo" in a running n8n (n8n start, form upload)');
		const formExample = examples.find((e) => e.file === 'form-photo-question.json');
		if (formExample && process.env.VISION_E2E_SKIP_START !== '1') {
			const published = await n8nRun('n8n publish:workflow (form example)', ['publish:workflow', `--id=${formExample.workflow.id}`]);
			r.check('n8n publish:workflow activates the form example', () => assert.equal(published.code, 0, tail(published.stdout + published.stderr)));
			await timed('n8n start + form submissions + stop', () =>
				checkFormExample(r, { n8n, env, port, server, workflow: formExample.workflow, fixtureBytes, filesDir, n8nOutputs }),
			);
		} else if (!formExample) {
			r.check('examples/form-photo-question.json exists', () => assert.fail('missing'));
		} else console.log('  (skipped: VISION_E2E_SKIP_START=1)');

		// ------------------------------------------------ across all runs
		section('Across all n8n runs');
		r.check('the API key never appears in anything n8n printed', () => {
			for (const out of n8nOutputs) assert.ok(!(out.stdout + out.stderr).includes(apiKey), `the key appears in the output of ${out.label}`);
		});
		r.check('no n8n run reported an unknown node type or a package that failed to load', () => {
			const text = n8nOutputs.map((o) => o.stdout + o.stderr).join('\n');
			assert.doesNotMatch(text, /Unrecognized node type|is not known|Failed to load package/i);
			assert.ok(!env.N8N_CUSTOM_EXTENSIONS);
		});
	} catch (error) {
		r.results.push({ name: 'suite setup', ok: false, error });
		console.log(`  FAIL  suite could not continue: ${error.stack || error}`);
		for (const out of n8nOutputs.slice(-1)) console.log(`\nlast n8n output (${out.label}, exit ${out.code}):\n${tail(out.stdout + out.stderr, 40)}`);
	} finally {
		killRunning();
		await server.close();
		// Every n8n output, for a kept work folder.
		fs.mkdirSync(path.join(work, 'logs'), { recursive: true });
		n8nOutputs.forEach((out, i) => {
			const name = `${String(i + 1).padStart(2, '0')}-${out.label.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '')}.log`;
			fs.writeFileSync(path.join(work, 'logs', name), `exit ${out.code}\n--- stdout\n${out.stdout}\n--- stderr\n${out.stderr}\n`);
		});
	}

	const failed = r.failed;
	if (failed) keep = true;
	console.log('\nTimings');
	for (const [label, ms] of timings) console.log(`  ${secs(ms).padStart(7)}  ${label}`);
	console.log(`  ${secs(Date.now() - started).padStart(7)}  whole suite (after install/build checks)`);
	if (r.known.length) {
		console.log(`\nKnown issues (not counted; VISION_E2E_STRICT=1 makes them failures):`);
		for (const k of r.known) console.log(`  - ${k.name}: ${String(k.error.message).split('\n')[0]}`);
	}
	if (keep) console.log(`\nwork folder kept: ${tmp}`);
	else fs.rmSync(tmp, { recursive: true, force: true });
	console.log(`\n${r.passed} passed, ${failed} failed${r.known.length ? `, ${r.known.length} known issue(s)` : ''}`);
	return failed === 0;
}

function safeParse(run) {
	try {
		return parseExecution(run.stdout);
	} catch {
		return undefined;
	}
}

// ---------------------------------------------------------------- main workflow checks

function checkMain(r, { main, server, fixtureBytes, photo, apiKey, runId, filesDir }) {
	const read = outputOf(main, 'Read Images');
	const fileOf = (i) => read[i].json.fileName;
	const expectedFor = (i) => expectedText([{ mimeType: 'image/png', bytes: fixtureBytes[fileOf(i)] }]);
	const indexOf = (name) => read.findIndex((item) => item.json.fileName === name);

	r.check('Read Files from Disk reads the 3 PNG fixtures (N8N_RESTRICT_FILE_ACCESS_TO) in filesystem binary mode', () => {
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
	r.check('Describe: one Result item per input item, in input order, each paired to its item', () => {
		assert.equal(results.length, 3);
		results.forEach((item, i) => {
			assert.equal(paired(item), i);
			assert.equal(item.json.text, expectedFor(i), `item ${i} (${fileOf(i)}) got another image's answer`);
			assert.equal(item.json.finishReason, 'stop');
			assert.equal(item.json.choices.length, 1);
			assert.equal(item.json.choices[0].text, item.json.text);
		});
	});
	r.check('Describe: the image bytes reached the server intact (sha256 of each file in its answer)', () => {
		const requests = server.requests.filter((q) => q.json && q.json.model === 'e2e-describe');
		assert.equal(requests.length, 3);
		const seen = requests.map((q) => imagesOf(q.json).map(describeImage).join()).sort();
		const want = Object.keys(FIXTURES).map((f) => describeImage({ mimeType: 'image/png', bytes: fixtureBytes[f] })).sort();
		assert.deepEqual(seen, want);
	});
	r.check('Describe: request headers and body (Bearer key cleaned, custom header, stream, include_usage, prompt)', () => {
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
	r.check('Describe: Include Usage puts usage on the Result; Keep Input Data keeps fields and the filesystem binary', () => {
		results.forEach((item, i) => {
			assert.ok(item.json.usage && item.json.usage.total_tokens > 0, 'no usage');
			assert.equal(item.json.fileName, fileOf(i));
			assert.equal(item.binary && item.binary.data && item.binary.data.id, read[i].binary.data.id);
		});
	});
	r.check('Describe: Chunks output has every chunk, per item in sequence, paired, joining to the text', () => {
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
	r.check('downstream nodes resolve $(\'Read Images\').item through both outputs (paired items work in n8n)', () => {
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
	r.check('Continue On Fail: the refused item yields {error, httpCode, serverMessage}; the others their answers', () => {
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
	r.check('Continue On Fail: no retries of the 400, and Chunks only for the answered items', () => {
		assert.equal(server.requests.filter((q) => q.json && q.json.model === 'e2e-flaky').length, 3);
		const itemsWithChunks = [...byItemIndex(outputOf(main, 'Continue On Fail', 1)).keys()].sort();
		assert.deepEqual(itemsWithChunks, [0, 1, 2].filter((i) => i !== b));
	});

	// ---- broken stream, regular output
	const c = indexOf('c.png');
	r.check('Broken Stream: the broken item yields {error, partialText, chunkCount}; the others their answers', () => {
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
	r.check('Broken Stream: the chunks received before the break stay on the Chunks output', () => {
		const partial = byItemIndex(outputOf(main, 'Broken Stream', 1)).get(c) || [];
		assert.equal(partial.length, 3);
		assert.equal(contentOf(partial), PARTIAL);
	});

	// ---- broken stream, error output
	r.check('Broken Stream To Error Output: the failed item goes to the error output with details.partialText and the input fields', () => {
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
	r.check('Describe URLs: an expression returning an array or a comma list; URLs sent as given with detail "low"', () => {
		const out = outputOf(main, 'Describe URLs');
		assert.equal(out.length, 3);
		assert.equal(out[0].json.text, 'URLs: https://images.example.test/cat.jpg (detail low) | https://images.example.test/dog.png (detail low)');
		assert.equal(out[1].json.text, 'URLs: https://images.example.test/one.webp (detail low) | https://images.example.test/two.gif (detail low)');
		assert.equal(out[2].json.text, `URLs: ${describeImage({ mimeType: 'image/png', bytes: Buffer.from(wf.onePixelPng(), 'base64') })}`);
		out.forEach((item, i) => assert.equal(paired(item), i));
	});
	r.check('Download Images: n8n fetched the URL itself and sent the image inline', () => {
		const [item] = outputOf(main, 'Download Images');
		assert.equal(item.json.text, `URLs: ${describeImage({ mimeType: 'image/png', bytes: photo })}`);
		assert.ok(server.requests.some((q) => q.method === 'GET' && q.path === '/img/photo.png'), 'the image was not downloaded');
	});
	r.check('JSON Schema: response_format json_schema sent; the answer parses in a Set node', () => {
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

/**
 * `n8n start`, then what a browser does with the form: GET the form, POST the file (multipart,
 * fields field-0, field-1), follow formWaitingUrl until the completion page is ready, read it.
 */
async function checkFormExample(r, { n8n, env, port, server, workflow, fixtureBytes, filesDir, n8nOutputs }) {
	const { spawn } = require('child_process');
	const { waitForHealth } = require('../../scripts/n8n-env');
	const trigger = workflow.nodes.find((n) => n.type === 'n8n-nodes-base.formTrigger');
	const formUrl = `http://127.0.0.1:${port}/form/${trigger.parameters.options.path}`;
	const child = spawn(n8n.node, [n8n.n8nMain, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: process.platform !== 'win32' });
	const log = [];
	child.stdout.on('data', (d) => log.push(d));
	child.stderr.on('data', (d) => log.push(d));
	const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
	const t0 = Date.now();
	try {
		await waitForHealth(port, 120000, { child, path: '/healthz/readiness' });
		console.log(`        (n8n start ready in ${secs(Date.now() - t0)})`);

		// The editor's node list is auth-protected over HTTP; n8n writes it to its static cache dir.
		const typesDir = path.join(env.N8N_USER_FOLDER, '.cache', 'n8n', 'public', 'types');
		const readTypes = (file) => {
			try {
				return JSON.parse(fs.readFileSync(path.join(typesDir, file), 'utf8'));
			} catch {
				return [];
			}
		};
		const nodeType = readTypes('nodes.json').find((t) => t.name === wf.VISION_TYPE);
		const credentialType = readTypes('credentials.json').find((t) => t.name === 'visionChatApi');
		r.check('n8n start gives the editor the node (Result and Chunks outputs) and the credential', () => {
			assert.ok(nodeType, `${wf.VISION_TYPE} not in ${typesDir}/nodes.json`);
			assert.equal(nodeType.displayName, 'Vision Chat (Streaming)');
			assert.deepEqual(nodeType.outputNames, ['Result', 'Chunks']);
			assert.ok(credentialType, 'visionChatApi not in credentials.json');
		});
		const icons = [nodeType, credentialType].flatMap((t) => (t && t.iconUrl ? Object.values(t.iconUrl) : []));
		const served = await Promise.all(
			icons.map((icon) =>
				fetch(`http://127.0.0.1:${port}/${icon}`).then(
					async (res) => ({ icon, status: res.status, type: res.headers.get('content-type'), body: await res.text() }),
					(error) => ({ icon, status: 0, type: String(error), body: '' }),
				),
			),
		);
		r.check(`the node and credential icons (light and dark) are served: ${icons.length} SVGs`, () => {
			assert.equal(icons.length, 4);
			for (const s of served) {
				assert.equal(s.status, 200, `${s.icon}: HTTP ${s.status}`);
				assert.match(s.type || '', /svg/);
				assert.match(s.body, /<svg/);
			}
		});

		// /healthz/readiness answers before published workflows' webhooks are registered.
		let page = '';
		const tForm = Date.now();
		while (Date.now() - tForm < 60000) {
			page = await fetch(formUrl).then((res) => res.text(), () => '');
			if (page.includes("name='field-0'")) break;
			await new Promise((resolve) => setTimeout(resolve, 250));
		}
		console.log(`        (form served ${secs(Date.now() - tForm)} after readiness)`);
		r.check('GET /form/<path> renders the form with a file field and a question field', () => {
			assert.match(page, /name='field-0'/);
			assert.match(page, /type='file'|type="file"/);
			assert.match(page, /name='field-1'/);
		});

		const submit = async (fileName, bytes, type, question) => {
			const form = new FormData();
			form.append('field-0', new Blob([bytes], { type }), fileName);
			form.append('field-1', question);
			const posted = await fetch(formUrl, { method: 'POST', body: form });
			const body = await posted.text();
			let waiting;
			try {
				waiting = JSON.parse(body).formWaitingUrl;
			} catch {}
			if (!waiting) throw new Error(`POST ${formUrl}: HTTP ${posted.status}, no formWaitingUrl: ${body.slice(0, 300)}`);
			const target = new URL(waiting);
			target.protocol = 'http:';
			target.host = `127.0.0.1:${port}`;
			let status = '';
			for (let i = 0; i < 100 && status !== 'form-waiting'; i++) {
				const statusUrl = new URL(target);
				statusUrl.pathname += '/n8n-execution-status';
				status = (await fetch(statusUrl).then((res) => res.text())).trim();
				if (['error', 'crashed', 'canceled', 'null', 'success'].includes(status)) break;
				if (status !== 'form-waiting') await new Promise((resolve) => setTimeout(resolve, 200));
			}
			const html = await fetch(target).then((res) => res.text());
			const message = (/<p style="white-space: pre-line;">([\s\S]*?)<\/p>/.exec(html) || [])[1];
			return { status, html, message: message && decodeHtml(message) };
		};

		const before = server.requests.length;
		const photo = await submit('a.png', fixtureBytes['a.png'], 'image/png', 'What colour is it?');
		const request = server.requests.slice(before).find((q) => q.json && q.json.model === 'claude-sonnet-4-20250514');
		r.check('form upload: the completion page shows the model\'s answer about the uploaded photo', () => {
			assert.equal(photo.status, 'form-waiting');
			assert.match(photo.html, /<h1>Answer<\/h1>/);
			assert.equal(photo.message, expectedText([{ mimeType: 'image/png', bytes: fixtureBytes['a.png'] }]));
		});
		r.check('form upload: the file arrived as binary "photo", the question as the prompt, plus the system prompt', () => {
			assert.ok(request, 'no request reached the model server');
			const [system, user] = request.json.messages;
			assert.equal(system.role, 'system');
			assert.equal(user.content[0].text, 'What colour is it?');
			assert.equal(imagesOf(request.json).length, 1);
			assert.equal(request.json.max_tokens, 600);
		});

		const notImage = await submit('notes.txt', fs.readFileSync(path.join(filesDir, 'notes.txt')), 'text/plain', '');
		r.check('form upload of a text file: the page says why, thanks to continue-on-fail', () => {
			assert.equal(notImage.status, 'form-waiting');
			assert.match(notImage.message || '', /^Sorry, the photo could not be analysed: Binary property "photo" of item 0 \(file notes\.txt\) is not an image/);
		});
	} finally {
		if (child.exitCode === null && child.signalCode === null) {
			child.kill('SIGTERM');
			const timer = setTimeout(() => {
				try {
					process.kill(-child.pid, 'SIGKILL');
				} catch {
					child.kill('SIGKILL');
				}
			}, 20000);
			await exited;
			clearTimeout(timer);
		}
		const text = Buffer.concat(log).toString('utf8');
		n8nOutputs.push({ label: 'n8n start (form example)', stdout: text, stderr: '', code: child.exitCode });
		r.check('n8n start stops cleanly on SIGTERM', () => assert.ok(child.exitCode === 0 || child.signalCode === 'SIGTERM', `exit ${child.exitCode} ${child.signalCode}`));
	}
}

function decodeHtml(text) {
	return text.replace(/&quot;/g, '"').replace(/&#39;|&#x27;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').trim();
}

function checkUrlsExample(r, { ex, server, workflow }) {
	const listNode = workflow.nodes.find((n) => n.name === 'Image List');
	const images = JSON.parse(listNode.parameters.jsonOutput).images;
	r.check('Tag Image: one request per URL, with json_schema "image_tags" and the URL as given', () => {
		const requests = server.requests.filter((q) => q.json && q.json.model === 'gpt-4o');
		assert.equal(requests.length, images.length);
		for (const q of requests) {
			assert.equal(q.json.response_format.type, 'json_schema');
			assert.equal(q.json.response_format.json_schema.name, 'image_tags');
		}
		assert.deepEqual(requests.map((q) => imagesOf(q.json)[0].url).sort(), images.map((i) => i.imageUrl).sort());
	});
	r.check('Parse Tags: the JSON fields of each answer, paired back to its own image', () => {
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

module.exports = { runSuite };
