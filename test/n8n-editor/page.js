'use strict';
/**
 * The editor page of the editor suite and what the steps do on it: browser diagnostics (console
 * errors, page errors, failed requests; `fromNode` tells the node's own from the editor's),
 * screenshots, the panels' locators, and the moves a user makes (hover a label for its tooltip,
 * pick an Image Input, fill a credential field and save it, Execute step…).
 *
 *   createPage({ context, baseUrl, server, screenshotDir, distDir }) -> ui
 */
const path = require('path');
const { SCREENSHOTS, norm, sleep, waitUntil, loadDescription, NODE_RE } = require('./util');

async function createPage({ context, baseUrl, server, screenshotDir, distDir }) {
	const props = loadDescription(distDir);
	const page = context.pages()[0] ?? (await context.newPage());
	page.setDefaultTimeout(30000);
	page.setDefaultNavigationTimeout(90000);

	// ------------------------------------------------------------ browser diagnostics
	const diagnostics = [];
	const record = (kind, text, url = '') => diagnostics.push({ kind, text: String(text), url: String(url || '') });
	page.on('console', (msg) => {
		if (msg.type() === 'error') record('console', msg.text(), msg.location()?.url);
	});
	page.on('pageerror', (err) => record('pageerror', `${err.message}\n${err.stack || ''}`));
	page.on('requestfailed', (req) => {
		const failure = req.failure()?.errorText || '';
		if (!/ERR_ABORTED/.test(failure)) record('requestfailed', `${req.method()} ${req.url()}: ${failure}`, req.url());
	});
	page.on('response', (res) => {
		if (res.status() < 400) return;
		const entry = { kind: 'http', text: `${res.request().method()} ${res.url()} -> HTTP ${res.status()}`, url: res.url() };
		diagnostics.push(entry);
		if (res.url().includes('/rest/')) {
			res
				.text()
				.then((body) => (entry.text += `: ${body.slice(0, 300)}`))
				.catch(() => {});
		}
	});
	const origin = new URL(baseUrl).origin;
	// The node's code reaches the browser only through n8n: its icons, its list search
	// (dynamic-node-parameters), its credential test, and the descriptions the editor renders.
	// Requests to other origins are the editor's own (offline here, e.g. its npm registry lookup
	// of the package for the "Node details" view) and are reported, not counted.
	const sameOrigin = (url) => !url || url.startsWith(origin) || !/^https?:/.test(url);
	const fromNode = (d) =>
		sameOrigin(d.url) &&
		(NODE_RE.test(d.text) ||
			NODE_RE.test(d.url) ||
			/\/rest\/(dynamic-node-parameters|credentials\/test)/.test(d.url) ||
			/\/icons\/n8n-nodes-vision-stream\//.test(d.url));


	const written = [];
	async function shot(key, { target = page, keepToasts = false } = {}) {
		const file = path.join(screenshotDir, SCREENSHOTS[key]);
		await sleep(300); // let transitions settle
		// Notifications ("Credential saved", ...) are hidden on screenshots unless they are the point.
		const style = keepToasts ? undefined : '.el-notification { visibility: hidden !important; }';
		await target.screenshot({ path: file, animations: 'disabled', caret: 'hide', style });
		written.push(SCREENSHOTS[key]);
	}

	// ------------------------------------------------------------ locators and helpers
	const ndv = page.getByTestId('ndv');
	const output = page.getByTestId('output-panel');
	const creator = page.getByTestId('node-creator');
	const dialog = page.getByTestId('editCredential-modal');
	const param = (name) => ndv.getByTestId(`parameter-input-${name}`);
	/** A node panel entry by its exact title (so "Vision Chat (Streaming) Tool" is not taken for the node). */
	const creatorItem = (title) =>
		creator.getByTestId('item-iterator-item').filter({ has: page.getByText(title, { exact: true }) }).first();
	const chatRequests = () => server.requests.filter((r) => r.method === 'POST' && /\/chat\/completions$/.test(r.path));
	const modelRequests = () => server.requests.filter((r) => r.method === 'GET' && /\/models$/.test(r.path.split('?')[0]));

	async function visibleTooltipTexts() {
		return page
			.getByTestId('tooltip-content')
			.filter({ visible: true })
			.allInnerTexts()
			.catch(() => []);
	}

	/** Hovers the (?) icon of a parameter's label and returns the tooltip once it shows `expected`. */
	async function expectDescription(name, shotKey = null) {
		const expected = norm(props[name].description);
		const item = ndv.getByTestId('parameter-item').filter({ has: page.getByTestId(`parameter-input-${name}`) }).last();
		const label = item.getByTestId('input-label').first();
		await label.hover();
		await label.locator('[data-icon="circle-help"]').first().hover();
		let seen = [];
		try {
			await waitUntil(
				async () => {
					seen = (await visibleTooltipTexts()).map(norm);
					return seen.includes(expected);
				},
				{ timeout: 8000, message: `the tooltip of "${props[name].displayName}"` },
			);
		} catch (e) {
			throw new Error(`"${props[name].displayName}" (${name}): tooltip should read "${expected}", saw ${JSON.stringify(seen)}`);
		}
		try {
			if (shotKey) await shot(shotKey);
		} finally {
			await page.mouse.move(2, 450);
		}
	}

	async function chooseImageInput(optionName) {
		await param('imageInput').click();
		await page.getByRole('option', { name: new RegExp(`^${optionName}`) }).click();
		await waitUntil(async () => norm(await param('imageInput').locator('input').inputValue()) === optionName, {
			timeout: 5000,
			message: `Image Input to read "${optionName}"`,
		});
	}

	async function expectFields(shown, hidden) {
		for (const name of shown) {
			await waitUntil(async () => (await param(name).count()) > 0 && (await param(name).first().isVisible()), {
				timeout: 5000,
				message: `field ${name} to be shown`,
			});
		}
		for (const name of hidden) {
			await waitUntil(async () => (await param(name).count()) === 0, { timeout: 5000, message: `field ${name} to be hidden` });
		}
	}

	async function openNodeCreatorFromTrigger() {
		await page.getByTestId('canvas-handle-plus').first().click();
		await creator.getByTestId('node-creator-search-bar').waitFor();
	}

	async function addFromDetailsIfShown() {
		// Community nodes first show n8n's "Node details" view with an "Add to workflow" button.
		const add = creator.getByRole('button', { name: /Add to workflow/ });
		const appeared = await waitUntil(async () => (await ndv.isVisible()) || (await add.isVisible()), {
			timeout: 15000,
			message: 'the node panel or the node details view',
		});
		if (appeared && !(await ndv.isVisible()) && (await add.isVisible())) {
			await shot('details');
			await add.click();
		}
		await ndv.waitFor({ state: 'visible', timeout: 20000 });
	}

	/** Clicks "Execute step" and waits for this run's outcome: `expect` is 'success' or 'error'. */
	async function executeStep(expect) {
		const before = chatRequests().length;
		const runsBefore = await page.evaluate(() => performance.now());
		await ndv.getByTestId('node-execute-button').first().click();
		await waitUntil(async () => chatRequests().length > before, {
			timeout: 60000,
			message: 'the run to reach the loopback server',
		});
		const selector = expect === 'error' ? 'node-error-message' : 'node-run-status-success';
		await waitUntil(async () => (await output.getByTestId(selector).count()) > 0 && !(await ndv.getByTestId('ndv-executing').count()), {
			timeout: 90000,
			message: `the output panel to show the ${expect === 'error' ? 'error' : 'result'} (run started ${Math.round(runsBefore)} ms into the page)`,
		});
		return chatRequests().slice(before);
	}

	/** Types into a node parameter's input and leaves it, so the editor has taken the value before a run. */
	async function commitInput(input, value) {
		await input.fill(value);
		await input.press('Tab');
		await waitUntil(async () => (await input.inputValue()) === value, { timeout: 5000, message: 'the input to hold the value' });
		await sleep(1000); // the editor debounces parameter updates; a run started earlier uses the old value
	}

	/** Types into a credential field and leaves it, so the dialog has taken the value before Save. */
	async function fillCredentialField(name, value) {
		const input = dialog.getByTestId(`parameter-input-${name}`).locator('input, textarea').first();
		await input.fill(value);
		await input.press('Tab');
		await waitUntil(async () => (await input.inputValue()) === value, { timeout: 5000, message: `${name} to hold the value` });
		await sleep(500); // the editor debounces parameter updates
	}

	async function saveCredentialExpectingTest() {
		const test = page.waitForResponse(
			(r) => r.url().includes('/rest/credentials/test') && r.request().method() === 'POST',
			{ timeout: 60000 },
		);
		const saved = page.waitForResponse(
			(r) =>
				/\/rest\/credentials(\/[^/?]+)?(\?|$)/.test(r.url()) &&
				!r.url().includes('/rest/credentials/test') &&
				['POST', 'PATCH'].includes(r.request().method()),
			{ timeout: 60000 },
		);
		await dialog.getByTestId('credential-save-button').click();
		const save = await saved;
		if (save.status() >= 400) {
			throw new Error(`saving the credential failed: HTTP ${save.status()} ${(await save.text().catch(() => '')).slice(0, 300)}`);
		}
		const res = await test;
		const body = await res.json().catch(() => ({}));
		return body.data || body;
	}


	return {
		page, props, diagnostics, fromNode, shot, written, ndv, output, creator, dialog, param, creatorItem, chatRequests, modelRequests,
		expectDescription, chooseImageInput, expectFields, openNodeCreatorFromTrigger, addFromDetailsIfShown, executeStep, commitInput,
		fillCredentialField, saveCredentialExpectingTest,
	};
}

module.exports = { createPage };
