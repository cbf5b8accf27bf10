'use strict';
/**
 * Steps of the editor suite around the credential: credential-ok (a good key, tested on
 * save), credential-refused (the server's message in the dialog), model-list (GET /models, filter).
 */
const { MODELS, REFUSED_KEY } = require('./answers');
const { GOOD_KEY, CREDENTIAL_NAME, norm, sleep, waitUntil, assert } = require('./util');

async function credentialSteps(ui, step, { server }) {
	const { page, shot, ndv, dialog, modelRequests, fillCredentialField, saveCredentialExpectingTest } = ui;
	await step(
		'credential-ok',
		'credential dialog: a good key is tested on save and saves cleanly',
		async () => {
			await ndv.getByTestId('node-credentials-empty-state').getByRole('button').click();
			await dialog.waitFor({ state: 'visible' });
			await fillCredentialField('apiKey', GOOD_KEY);
			await fillCredentialField('baseUrl', server.baseUrl);
			await shot('credentialNew');
			const modelsBefore = modelRequests().length;
			const result = await saveCredentialExpectingTest();
			assert(result.status === 'OK', `the credential test should pass, got ${JSON.stringify(result)}`);
			await dialog.waitFor({ state: 'hidden', timeout: 15000 }).catch(() => {
				throw new Error('the dialog should close after a successful save');
			});
			const sent = modelRequests().slice(modelsBefore);
			assert(
				sent.some((r) => r.headers.authorization === `Bearer ${GOOD_KEY}`),
				'the credential test should call GET {baseUrl}/models with the key',
			);
			await waitUntil(
				async () => (await ndv.getByTestId('node-credentials-select').locator('input').inputValue()) === CREDENTIAL_NAME,
				{ timeout: 10000, message: `the node to use "${CREDENTIAL_NAME}"` },
			);
			// Reopened, n8n tests it again and says so.
			await ndv.getByTestId('credential-edit-button').click();
			await dialog.waitFor({ state: 'visible' });
			await dialog.getByTestId('credentials-config-container-test-success').waitFor({ timeout: 30000 });
			await shot('credentialOk');
		},
		['add-node'],
	);

	await step(
		'credential-refused',
		'credential dialog: key "refused-key" shows the failure with the server\'s message',
		async () => {
			if (!(await dialog.isVisible())) {
				await ndv.getByTestId('credential-edit-button').click();
				await dialog.waitFor({ state: 'visible' });
			}
			await fillCredentialField('apiKey', REFUSED_KEY);
			const result = await saveCredentialExpectingTest();
			assert(result.status === 'Error', `the credential test should fail, got ${JSON.stringify(result)}`);
			assert(/Incorrect API key provided/.test(result.message || ''), `the test result should carry the server's message, got "${result.message}"`);
			await sleep(1000);
			assert(await dialog.isVisible(), 'the dialog should stay open on a failed test');
			await dialog.getByText('Couldn’t connect with these settings').or(dialog.getByText("Couldn't connect with these settings")).first().waitFor();
			const more = dialog.getByText('More details');
			if (await more.isVisible()) await more.click();
			await waitUntil(async () => /Incorrect API key provided/.test(await dialog.innerText()), {
				timeout: 10000,
				message: 'the server\'s message "Incorrect API key provided" in the dialog',
			});
			const text = norm(await dialog.innerText());
			assert(/HTTP 401/.test(text), `the dialog should name the HTTP status: ${text.slice(0, 300)}`);
			assert(!/\bat \S+ \(|\.js:\d+/.test(text), 'the dialog should not show a stack trace');
			await shot('credentialRefused');
			// Back to the good key.
			await fillCredentialField('apiKey', GOOD_KEY);
			const again = await saveCredentialExpectingTest();
			assert(again.status === 'OK', `the corrected key should pass, got ${JSON.stringify(again)}`);
			if (await dialog.isVisible()) {
				await dialog.getByTestId('credentials-config-container-test-success').waitFor({ timeout: 15000 });
				await dialog.locator('.el-dialog__close').first().click();
			}
			await dialog.waitFor({ state: 'hidden', timeout: 15000 });
		},
		['credential-ok'],
	);

	await step(
		'model-list',
		'model picker: lists the server\'s models and typing filters them',
		async () => {
			if (await dialog.isVisible()) await dialog.locator('.el-dialog__close').first().click();
			await ndv.getByTestId('rlc-input').click();
			const items = page.getByTestId('rlc-item');
			const expected = [...MODELS].sort((a, b) => a.localeCompare(b));
			let names = [];
			await waitUntil(
				async () => {
					names = (await items.allInnerTexts()).map(norm);
					return names.length === expected.length;
				},
				{ timeout: 30000, message: `${expected.length} models in the list` },
			).catch(() => {
				throw new Error(`the list should show ${JSON.stringify(expected)}, shows ${JSON.stringify(names)}`);
			});
			assert(JSON.stringify(names) === JSON.stringify(expected), `models ${JSON.stringify(names)} should be ${JSON.stringify(expected)}`);
			await shot('modelList');
			await page.getByTestId('rlc-search').fill('cla');
			await waitUntil(async () => JSON.stringify((await items.allInnerTexts()).map(norm)) === JSON.stringify(['claude-sonnet-4-20250514']), {
				timeout: 20000,
				message: 'typing "cla" to leave only claude-sonnet-4-20250514',
			});
			await shot('modelFilter');
			await page.getByTestId('rlc-search').fill('gpt');
			await waitUntil(async () => JSON.stringify((await items.allInnerTexts()).map(norm)) === JSON.stringify(['gpt-4o']), {
				timeout: 20000,
				message: 'typing "gpt" to leave only gpt-4o',
			});
			await items.filter({ hasText: 'gpt-4o' }).click();
			await waitUntil(async () => (await ndv.getByTestId('rlc-input').inputValue()) === 'gpt-4o', {
				timeout: 5000,
				message: 'the Model to read gpt-4o',
			});
		},
		['credential-ok'],
	);
}

module.exports = { credentialSteps };
