'use strict';
/**
 * The form example (examples/form-photo-question.json) in a running n8n: published, `n8n start`,
 * then what a browser does with the form: GET it, POST a file (multipart, fields field-0 and
 * field-1), follow formWaitingUrl until the completion page is ready, read it (form-client.js).
 * On the way: the editor's node and credential types, and the four icons n8n serves; in the same
 * `n8n start`, the receipt record form of check-records.js.
 */
const assert = require('assert/strict');
const fs = require('fs');
const path = require('path');

const support = require('../support/n8n');
const wf = require('./workflows');
const { imagesOf, expectedText } = require('./answers');
const { waitForForm, submitForm } = require('./form-client');
const { publishReceiptForm, receiptFormChecks } = require('./check-records');
const { tail, secs, section } = require('./execution');

async function formExampleChecks(ctx) {
	const { check } = ctx;
	section('Examples "ask about an uploaded photo" and "receipt to a record" in a running n8n (n8n start, form uploads)');
	const formExample = ctx.examples.find((e) => e.file === 'form-photo-question.json');
	if (!formExample) return check('examples/form-photo-question.json exists', () => assert.fail('missing'));
	if (process.env.VISION_E2E_SKIP_START === '1') return console.log('  skipped: the form example in a running n8n (VISION_E2E_SKIP_START=1)');
	const published = await ctx.n8nRun('n8n publish:workflow (form example)', ['publish:workflow', `--id=${formExample.workflow.id}`]);
	await check('n8n publish:workflow activates the form example', () => assert.equal(published.code, 0, tail(published.stdout + published.stderr)));
	await publishReceiptForm(ctx);
	await ctx.timed('n8n start + form submissions + stop', () => checkFormExample(check, { ...ctx, workflow: formExample.workflow }));
}

async function editorTypeChecks(check, { env, port }) {
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
	await check('n8n start gives the editor the node (Result and Chunks outputs) and the credential', () => {
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
	await check(`the node and credential icons (light and dark) are served: ${icons.length} SVGs`, () => {
		assert.equal(icons.length, 4);
		for (const s of served) {
			assert.equal(s.status, 200, `${s.icon}: HTTP ${s.status}`);
			assert.match(s.type || '', /svg/);
			assert.match(s.body, /<svg/);
		}
	});
}

async function checkFormExample(check, { n8n, env, port, server, workflow, fixtureBytes, filesDir, n8nOutputs }) {
	const trigger = workflow.nodes.find((n) => n.type === 'n8n-nodes-base.formTrigger');
	const formUrl = `http://127.0.0.1:${port}/form/${trigger.parameters.options.path}`;
	const proc = support.spawnN8n(n8n, ['start'], env, { name: 'form' });
	const { child } = proc;
	const t0 = Date.now();
	try {
		await support.waitForHealth(port, 120000, { child, path: '/healthz/readiness' });
		console.log(`        (n8n start ready in ${secs(Date.now() - t0)})`);
		await editorTypeChecks(check, { env, port });

		// /healthz/readiness answers before published workflows' webhooks are registered.
		const { page, ms } = await waitForForm(formUrl, "name='field-0'");
		console.log(`        (form served ${secs(ms)} after readiness)`);
		await check('GET /form/<path> renders the form with a file field and a question field', () => {
			assert.match(page, /name='field-0'/);
			assert.match(page, /type='file'|type="file"/);
			assert.match(page, /name='field-1'/);
		});

		const before = server.requests.length;
		const photo = await submitForm(formUrl, port, [['field-0', { bytes: fixtureBytes['a.png'], type: 'image/png', fileName: 'a.png' }], ['field-1', 'What colour is it?']]);
		const request = server.requests.slice(before).find((q) => q.json && q.json.model === 'claude-sonnet-4-20250514');
		await check('form upload: the completion page shows the model\'s answer about the uploaded photo', () => {
			assert.equal(photo.status, 'form-waiting');
			assert.match(photo.html, /<h1>Answer<\/h1>/);
			assert.equal(photo.message, expectedText([{ mimeType: 'image/png', bytes: fixtureBytes['a.png'] }]));
		});
		await check('form upload: the file arrived as binary "photo", the question as the prompt, plus the system prompt', () => {
			assert.ok(request, 'no request reached the model server');
			const [system, user] = request.json.messages;
			assert.equal(system.role, 'system');
			assert.equal(user.content[0].text, 'What colour is it?');
			assert.equal(imagesOf(request.json).length, 1);
			assert.equal(request.json.max_tokens, 600);
		});

		const notes = fs.readFileSync(path.join(filesDir, 'notes.txt'));
		const notImage = await submitForm(formUrl, port, [['field-0', { bytes: notes, type: 'text/plain', fileName: 'notes.txt' }], ['field-1', '']]);
		await check('form upload of a text file: the page says why, thanks to continue-on-fail', () => {
			assert.equal(notImage.status, 'form-waiting');
			assert.match(notImage.message || '', /^Sorry, the photo could not be analysed: Binary property "photo" of item 0 \(file notes\.txt\) is not an image/);
		});
		await receiptFormChecks(check, { port, server });
	} finally {
		await support.stopN8n(proc);
		n8nOutputs.push({ label: 'n8n start (form example)', stdout: proc.lines.map((l) => l.text).join('\n'), stderr: '', code: child.exitCode });
		await check('n8n start stops cleanly on SIGTERM', () => assert.ok(child.exitCode === 0 || child.signalCode === 'SIGTERM', `exit ${child.exitCode} ${child.signalCode}`));
	}
}

module.exports = { formExampleChecks };
