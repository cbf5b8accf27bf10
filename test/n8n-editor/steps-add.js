'use strict';
/**
 * Steps of the editor suite, from signing in to the node's parameters form: sign-in,
 * manual-trigger, node-search, add-node, parameters.
 */
const { norm, waitUntil, assert, readCodex } = require('./util');

async function addNodeSteps(ui, step, { baseUrl, owner, outcome, distDir, log }) {
	const { page, props, shot, ndv, creator, param, creatorItem, expectDescription, chooseImageInput, expectFields, openNodeCreatorFromTrigger, addFromDetailsIfShown } = ui;
	await step('sign-in', 'sign-in form logs the owner in', async () => {
		await page.goto(`${baseUrl}/signin`);
		await page.getByTestId('emailOrLdapLoginId').locator('input').fill(owner.email);
		await page.getByTestId('password').locator('input').fill(owner.password);
		await page.getByTestId('form-submit-button').click();
		await page.waitForURL((url) => !/\/signin/.test(url.pathname), { timeout: 60000 });
	});

	await step(
		'manual-trigger',
		'new workflow with a Manual Trigger from the node panel',
		async () => {
			await page.goto(`${baseUrl}/workflow/new`);
			await page.getByTestId('canvas-add-button').click();
			await creator.getByTestId('node-creator-search-bar').fill('manual');
			await creatorItem('Manual Trigger').click();
			await waitUntil(async () => (await page.getByTestId('canvas-node').count()) === 1, { message: 'the trigger on the canvas' });
			if (await ndv.isVisible()) await ndv.getByTestId('ndv-close-button').click();
		},
		['sign-in'],
	);

	await step(
		'node-search',
		'node panel: "+" after the trigger, search "vision" lists "Vision Chat (Streaming)"',
		async () => {
			await openNodeCreatorFromTrigger();
			await creator.getByTestId('node-creator-search-bar').fill('vision');
			let names = [];
			try {
				await waitUntil(
					async () => {
						names = (await creator.getByTestId('item-iterator-item').allInnerTexts()).map((t) => t.split('\n')[0].trim());
						return names.includes('Vision Chat (Streaming)');
					},
					{ timeout: 10000, message: 'the search result' },
				);
			} finally {
				await shot('search');
			}
			const item = creatorItem('Vision Chat (Streaming)');
			const text = norm(await item.innerText());
			assert(
				text.includes('Ask a vision model a question about images (files or URLs) and get the answer streamed, from any OpenAI-compatible API'),
				`the search result should show the node's description, shows "${text}"`,
			);
		},
		['manual-trigger'],
	);
	if (outcome['node-search'] === 'failed') {
		const codex = readCodex(distDir);
		const aiSub = codex?.subcategories?.AI ?? [];
		if (codex?.categories?.includes('AI') && !aiSub.includes('Root Nodes')) {
			log(
				'       (VisionChat.node.json puts the node in category "AI" without the AI subcategory "Root Nodes", so ' +
					'n8n 2.41 takes it for an AI sub-node and leaves it out of the "+" search. Add "Root Nodes" to ' +
					'subcategories.AI. Continuing through the AI view to test the rest.)',
			);
		} else log('       (continuing through the AI view to test the rest)');
	}

	await step(
		'add-node',
		'"Vision Chat (Streaming)" is added after the trigger and its panel opens',
		async () => {
			if (outcome['node-search'] === 'passed') {
				await creatorItem('Vision Chat (Streaming)').click();
				await addFromDetailsIfShown();
			} else {
				// Fallback so the rest can run: top "+" > AI > search, add, connect by dragging.
				await page.keyboard.press('Escape');
				await page.getByTestId('node-creator-plus-button').click();
				await creatorItem('AI').click();
				await creator.getByTestId('node-creator-search-bar').fill('vision');
				await creatorItem('Vision Chat (Streaming)').click();
				await addFromDetailsIfShown();
				await ndv.getByTestId('ndv-close-button').click();
				await ndv.waitFor({ state: 'hidden' });
				if ((await page.getByTestId('edge').count()) === 0) {
					const from = await page.getByTestId('canvas-node-output-handle').first().boundingBox();
					const to = await page.getByTestId('canvas-node-input-handle').first().boundingBox();
					await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
					await page.mouse.down();
					await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2 + 10, { steps: 8 });
					await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 8 });
					await page.mouse.up();
				}
				await page.getByTestId('canvas-node').filter({ hasText: 'Vision Chat' }).dblclick();
				await ndv.waitFor({ state: 'visible' });
			}
			assert((await page.getByTestId('edge').count()) === 1, 'the node should be connected to the trigger');
			const title = norm(await ndv.getByTestId('node-title-container').innerText());
			assert(title.includes('Vision Chat'), `the panel title should be the node's name, is "${title}"`);
		},
		['manual-trigger'],
	);

	await step(
		'parameters',
		'parameters form: fields, descriptions, Image Input choices and display rules',
		async () => {
			// Defaults: binary input.
			await expectFields(['model', 'prompt', 'imageInput', 'binaryPropertyName', 'systemPrompt'], ['imageUrls', 'base64Image']);
			assert(await ndv.getByTestId('resource-locator-model').isVisible(), 'Model should be a resource locator');
			const labels = norm(await ndv.getByTestId('node-parameters').innerText());
			for (const label of ['Credential', 'Model', 'Prompt', 'Image Input', 'Binary Property', 'System Prompt', 'Options']) {
				assert(labels.includes(label), `the form should show the label "${label}"`);
			}
			assert(
				norm(await param('prompt').locator('textarea').inputValue()) === norm(props.prompt.default),
				'Prompt should show its default',
			);
			assert((await param('binaryPropertyName').locator('input').inputValue()) === props.binaryPropertyName.default, 'Binary Property default');
			// (n8n adds its own binary-data tooltip to any parameter named *binaryPropertyName*; the
			// Model tooltip makes the clearer picture.)
			for (const name of ['prompt', 'imageInput', 'binaryPropertyName', 'systemPrompt']) await expectDescription(name);
			await expectDescription('model', 'parameters');

			// Image Input choices with their descriptions.
			await param('imageInput').click();
			const options = page.getByRole('option');
			await waitUntil(async () => (await options.count()) >= props.imageInput.options.length, { message: 'the Image Input choices' });
			const texts = (await options.allInnerTexts()).map(norm);
			for (const opt of props.imageInput.options) {
				assert(
					texts.some((t) => t.startsWith(opt.name) && t.includes(norm(opt.description))),
					`Image Input should offer "${opt.name}" with "${opt.description}", offers ${JSON.stringify(texts)}`,
				);
			}
			await shot('imageInput');
			await page.keyboard.press('Escape');

			await chooseImageInput('Image URL');
			await expectFields(['imageUrls'], ['binaryPropertyName', 'base64Image']);
			await expectDescription('imageUrls');
			await chooseImageInput('Base64 Text');
			await expectFields(['base64Image'], ['binaryPropertyName', 'imageUrls']);
			await expectDescription('base64Image');
			await chooseImageInput('None');
			await expectFields([], ['binaryPropertyName', 'imageUrls', 'base64Image']);
			await chooseImageInput('Binary File');
			await expectFields(['binaryPropertyName'], ['imageUrls', 'base64Image']);
		},
		['add-node'],
	);
}

module.exports = { addNodeSteps };
