'use strict';
/**
 * The package installed like a user installs it, and what the n8n CLI imports and stores:
 * the tarball's contents, the community-package layout, the credential, the test workflows and
 * every examples/*.json (node types, versions, parameters, connections checked against n8n 2.41.1).
 * packagingChecks(ctx) also sets ctx.env, the environment every n8n command of the suite runs in.
 */
const assert = require('assert/strict');
const fs = require('fs');
const path = require('path');

const support = require('../support/n8n');
const wf = require('./workflows');
const { loadExamples, baseCatalog, validateExample } = require('./examples');
const { receiptFormWorkflow, pdfWorkflow } = require('./workflows-records');
const { tail, section } = require('./execution');

/** The record and PDF workflows, built from the receipt and invoice examples (when they exist). */
function recordWorkflows({ examples, filesDir }) {
	const example = (file) => (examples.find((e) => e.file === file) || {}).workflow;
	const receipt = example('receipt-to-sheet.json');
	const invoiceExample = example('email-invoices-to-sheet.json');
	return [receipt && receiptFormWorkflow(receipt), invoiceExample && pdfWorkflow({ filesDir, invoiceExample })].filter(Boolean);
}

async function packagingChecks(ctx) {
	const { check, root, userFolder, filesDir, work } = ctx;
	section('Package installed as a community package');
	const packed = await ctx.timed('npm pack + install into <userFolder>/.n8n/nodes', async () => {
		const p = support.packPackage(root, work);
		return { ...p, ...support.installCommunityPackage({ userFolder, packed: p, root }) };
	});
	await check('the tarball holds the built node, credential and icons, and no sources or tests', () => {
		for (const file of ['package.json', 'dist/index.js', 'dist/nodes/VisionChat/VisionChat.node.js', 'dist/credentials/VisionChatApi.credentials.js', 'dist/nodes/VisionChat/visionChat.svg']) {
			assert.ok(packed.files.includes(file), `${file} missing from ${path.basename(packed.tarball)}`);
		}
		const stray = packed.files.filter((f) => /^(test|nodes|credentials|scripts|bench|examples)\//.test(f) || (/\.ts$/.test(f) && !/\.d\.ts$/.test(f)));
		assert.deepEqual(stray, [], 'sources or tests in the tarball');
	});
	await check('installed in .n8n/nodes/node_modules with its own dependencies and without n8n-workflow', () => {
		for (const dep of packed.dependencies) assert.ok(fs.existsSync(path.join(packed.packageDir, 'node_modules', dep, 'package.json')), `dependency ${dep} not installed`);
		assert.ok(!fs.existsSync(path.join(packed.packageDir, 'node_modules', 'n8n-workflow')), 'n8n-workflow installed beside the package: it must come from n8n');
		assert.ok(!fs.existsSync(path.join(packed.nodesDir, 'node_modules', 'n8n-workflow')), 'n8n-workflow installed in .n8n/nodes');
	});
	await check(`optional dependencies are left out, as n8n's installer does (${packed.optionalDependencies.join(', ') || 'none declared'})`, () => {
		for (const dep of packed.optionalDependencies) assert.ok(!fs.existsSync(path.join(packed.packageDir, 'node_modules', dep)), `${dep} was installed`);
	});
	ctx.env = support.n8nEnv({
		userFolder,
		port: ctx.port,
		brokerPort: ctx.brokerPort,
		extra: {
			N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem',
			// n8n 2.x reads and writes files only under ~/.n8n-files unless told otherwise.
			N8N_RESTRICT_FILE_ACCESS_TO: filesDir,
			N8N_BLOCK_FILE_ACCESS_TO_N8N_FILES: 'true',
			N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
			N8N_LOG_LEVEL: 'info',
			N8N_DISABLED_MODULES: 'mcp-registry', // offline: n8n start would try api.n8n.io for its MCP registry
		},
	});
	delete ctx.env.N8N_CUSTOM_EXTENSIONS; // the package must load from .n8n/nodes only
}

async function exampleChecks(ctx, stored) {
	const { check, root, examples } = ctx;
	section('Examples (examples/*.json)');
	const catalog = baseCatalog(ctx.n8n.home);
	const { VisionChat } = require(path.join(root, 'dist', 'nodes', 'VisionChat', 'VisionChat.node.js'));
	const visionDescription = new VisionChat().description;
	await check(`there are at least 3 examples (found ${examples.map((e) => e.file).join(', ') || 'none'})`, () => assert.ok(examples.length >= 3));
	const ids = new Set();
	for (const { file, workflow } of examples) {
		await check(`${file}: node types, versions, parameters and connections exist in n8n 2.41.1`, () => {
			assert.deepEqual(validateExample(workflow, { catalog, visionDescription }), []);
			assert.ok(!ids.has(workflow.id), `id ${workflow.id} used twice`);
			ids.add(workflow.id);
		});
		await check(`${file}: stored by n8n as imported (id ${workflow.id}, nodes, connections, credential)`, () => {
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
}

async function importChecks(ctx) {
	const { check, root, work, filesDir, server, apiKey, runId } = ctx;
	section('Credential and workflows imported with the n8n CLI');
	const credentialFile = path.join(work, 'credentials.json');
	const data = { apiKey: `  Bearer ${apiKey} `, baseUrl: server.baseUrl, customHeaders: `X-E2E-Run: ${runId}` };
	fs.writeFileSync(credentialFile, JSON.stringify([{ ...wf.CREDENTIAL, type: 'visionChatApi', data }]));
	const importCred = await ctx.n8nRun('n8n import:credentials (fresh database: migrations)', ['import:credentials', `--input=${credentialFile}`]);
	await check('n8n import:credentials accepts the plain credential', () => {
		assert.equal(importCred.code, 0, tail(importCred.stdout + importCred.stderr));
		assert.match(importCred.stdout + importCred.stderr, /Successfully imported 1 credential/);
	});

	ctx.examples = loadExamples(root);
	const testWorkflows = [wf.mainWorkflow({ filesDir, imageBaseUrl: ctx.imageBaseUrl }), wf.stopsWorkflow({ filesDir }), wf.combinedWorkflow({ filesDir }), ...recordWorkflows(ctx)];
	for (const w of testWorkflows) fs.writeFileSync(path.join(work, 'workflows', `${w.id}.json`), JSON.stringify(w, null, 2));
	for (const { file, workflow } of ctx.examples) fs.writeFileSync(path.join(work, 'workflows', `example-${file}`), JSON.stringify(workflow, null, 2));
	const importWf = await ctx.n8nRun('n8n import:workflow --separate (tests + examples)', ['import:workflow', '--separate', `--input=${path.join(work, 'workflows')}`]);
	const total = testWorkflows.length + ctx.examples.length;
	await check(`n8n import:workflow imports all ${total} workflows (${ctx.examples.length} examples) without errors or skips`, () => {
		const text = importWf.stdout + importWf.stderr;
		assert.equal(importWf.code, 0, tail(text));
		assert.match(text, new RegExp(`Successfully imported ${total} workflows`));
		assert.doesNotMatch(text, /Skipped workflow|An error occurred|Failed to replace invalid credential/);
	});

	const exportFile = path.join(work, 'exported.json');
	const exported = await ctx.n8nRun('n8n export:workflow --all', ['export:workflow', '--all', `--output=${exportFile}`]);
	const stored = exported.code === 0 && fs.existsSync(exportFile) ? JSON.parse(fs.readFileSync(exportFile, 'utf8')) : [];
	await exampleChecks(ctx, stored);
}

module.exports = { packagingChecks, importChecks };
