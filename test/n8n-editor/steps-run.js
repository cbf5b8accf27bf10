'use strict';
/**
 * Steps of the editor suite that run the node and look at the result: execute (Result and
 * Chunks outputs), icons (light and dark theme), execute-error (message and fix, no stack trace),
 * console (no error from the node's code in the browser).
 */
const { ANSWER_PIECES } = require('./answers');
const { BAD_MODEL, PNG_DATA_URL, norm, waitUntil, assert } = require('./util');

async function runSteps(ui, step, { log }) {
	const { page, props, shot, ndv, output, dialog, param, chatRequests, diagnostics, fromNode, expectDescription, chooseImageInput, executeStep, commitInput } = ui;
	await step(
		'execute',
		'"Execute step": Result shows the joined text, Chunks one row per chunk',
		async () => {
			await chooseImageInput('Image URL');
			await commitInput(param('imageUrls').locator('textarea, input').first(), PNG_DATA_URL);
			await expectDescription('imageUrls', 'imageUrl');
			const sent = await executeStep('success').catch(async (e) => {
				throw new Error(`${e.message}; output panel: ${norm(await output.innerText().catch(() => '')).slice(0, 400)}`);
			});
			assert(sent.length === 1, `one chat request expected, the server got ${sent.length}`);
			const body = sent[0].json || {};
			assert(body.model === 'gpt-4o', `the request should use the picked model, used ${body.model}`);
			assert(body.stream === true, 'the request should stream');
			const parts = (body.messages || []).flatMap((m) => (Array.isArray(m.content) ? m.content : []));
			const image = parts.find((p) => p.type === 'image_url');
			const imageUrl = image && (typeof image.image_url === 'string' ? image.image_url : image.image_url?.url);
			assert(imageUrl === PNG_DATA_URL, 'the request should carry the data: URL as an image_url part');
			assert(parts.some((p) => p.type === 'text' && p.text === props.prompt.default), 'the request should carry the prompt');

			// Result output (first tab).
			const tabs = output.getByTestId('branches');
			await output.getByTestId('tab-0').click().catch(() => {});
			const joined = ANSWER_PIECES.join('');
			const table = output.getByTestId('ndv-data-container').locator('table').first();
			await table.waitFor();
			const headers = (await table.locator('thead th').allInnerTexts()).map(norm);
			const col = headers.indexOf('text');
			assert(col >= 0, `the Result table should have a "text" column, has ${JSON.stringify(headers)}`);
			const cell = norm(await table.locator('tbody tr').first().locator('td').nth(col).innerText());
			assert(cell === joined, `Result text should be "${joined}", is "${cell}"`);
			const tabText = norm(await tabs.innerText());
			assert(/Result/.test(tabText) && /Chunks/.test(tabText), `the outputs should be named Result and Chunks: ${tabText}`);
			await shot('result');

			// Chunks output: the role chunk, one per piece, the finish chunk.
			const chunkCount = ANSWER_PIECES.length + 2;
			await output.getByTestId('tab-1').click();
			await waitUntil(
				async () => (await output.getByTestId('ndv-data-container').locator('table tbody tr').count()) === chunkCount,
				{ timeout: 15000, message: `${chunkCount} rows on the Chunks output` },
			);
			assert(new RegExp(`Chunks[^()]*\\(${chunkCount} items?\\)`).test(norm(await tabs.innerText())), `Chunks should count ${chunkCount} items`);
			const chunkHeaders = (await output.locator('table thead th').allInnerTexts()).map(norm);
			for (const h of ['sequence', 'receivedMs', 'choices']) assert(chunkHeaders.includes(h), `Chunks should have a "${h}" column`);
			// The JSON view shows what each chunk carries (the table leads with columns equal on every row).
			await output.getByTestId('radio-button-json').click();
			await output.locator('.json-data').first().waitFor({ timeout: 10000 }).catch(() => {});
			await shot('chunks');
			await output.getByTestId('radio-button-table').click();
		},
		['model-list'],
	);

	await step(
		'icons',
		'canvas icon: visionChat.svg in the light theme, visionChat.dark.svg in the dark theme',
		async () => {
			if (await dialog.isVisible()) {
				await dialog.locator('.el-dialog__close').first().click();
				await dialog.waitFor({ state: 'hidden' });
			}
			if (await ndv.isVisible()) {
				await ndv.getByTestId('ndv-close-button').click();
				await ndv.waitFor({ state: 'hidden' });
			}
			const icon = page.getByTestId('canvas-node').filter({ hasText: 'Vision Chat' }).locator('img').first();
			const check = async (suffix) => {
				await waitUntil(async () => (await icon.getAttribute('src'))?.endsWith(suffix), {
					timeout: 15000,
					message: `the node icon ${suffix}`,
				});
				await waitUntil(async () => icon.evaluate((img) => img.complete && img.naturalWidth > 0), {
					timeout: 10000,
					message: `${suffix} to load`,
				});
			};
			await page.getByTestId('zoom-to-fit').click().catch(() => {});
			await check('/visionChat.svg');
			const nodeText = norm(await page.getByTestId('canvas-node').filter({ hasText: 'Vision Chat' }).first().innerText());
			log(`       canvas node reads: "${nodeText}"`);
			await page.mouse.move(2, 450);
			await shot('canvasLight');
			await page.evaluate(() => localStorage.setItem('N8N_THEME', 'dark'));
			await page.reload();
			await page.getByTestId('canvas-node').first().waitFor();
			await check('/visionChat.dark.svg');
			await page.getByTestId('zoom-to-fit').click().catch(() => {});
			await page.mouse.move(2, 450);
			await shot('canvasDark');
			await page.evaluate(() => localStorage.setItem('N8N_THEME', 'light'));
			await page.reload();
			await page.getByTestId('canvas-node').first().waitFor();
		},
		['add-node'],
	);

	await step(
		'execute-error',
		'error: an unknown model shows the node\'s message and fix, no stack trace',
		async () => {
			if (!(await ndv.isVisible())) {
				await page.getByTestId('canvas-node').filter({ hasText: 'Vision Chat' }).dblclick();
				await ndv.waitFor({ state: 'visible' });
			}
			await ndv.getByTestId('rlc-mode-selector').click();
			await page.getByRole('option', { name: 'By ID' }).click();
			await commitInput(ndv.getByTestId('rlc-input'), BAD_MODEL);
			const sent = await executeStep('error').catch(async (e) => {
				const models = chatRequests().map((r) => r.json && r.json.model);
				throw new Error(`${e.message}; models requested so far ${JSON.stringify(models)}; output panel: ${norm(await output.innerText().catch(() => '')).slice(0, 300)}`);
			});
			assert(sent.length === 1 && sent[0].json?.model === BAD_MODEL, `the run should ask for ${BAD_MODEL}`);
			const message = norm(await output.getByTestId('node-error-message').innerText());
			assert(/HTTP 404/.test(message), `the message should name the HTTP status: "${message}"`);
			assert(message.includes(`The model \`${BAD_MODEL}\` does not exist`), `the message should carry the server's message: "${message}"`);
			const description = norm(await output.getByTestId('node-error-description').innerText().catch(() => ''));
			assert(/model the server offers|model ID/.test(description), `the description should say what to fix: "${description}"`);
			const all = await output.innerText();
			assert(!/\n\s*at \S+ \(|\.(js|ts):\d+:\d+|Stack trace/i.test(all), 'the output panel should not show a stack trace');
			await shot('error', { keepToasts: true });
		},
		['execute'],
	);

	await step('console', 'no console error, page error or failed request from the node\'s code', async () => {
		const mine = diagnostics.filter(fromNode);
		const others = diagnostics.filter((d) => !fromNode(d));
		if (others.length) {
			log(`       browser errors not from the node (${others.length}, ignored):`);
			for (const d of others.slice(0, 12)) log(`         ${d.kind}: ${d.text.split('\n')[0].slice(0, 200)}`);
		}
		assert(mine.length === 0, `errors from the node:\n${mine.map((d) => `${d.kind}: ${d.text.split('\n')[0]} ${d.url}`).join('\n')}`);
	});
}

module.exports = { runSteps };
