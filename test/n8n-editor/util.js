'use strict';
/**
 * Constants and small helpers of the editor suite: the screenshots it takes (in the order of
 * docs/ui-snippet.md), the keys and model it uses, waiting and asserting, and the node's own
 * descriptions read from dist/ (what the editor must show).
 */
const fs = require('fs');
const path = require('path');

const GOOD_KEY = 'sk-ui-test-key';
const BAD_MODEL = 'no-such-vision-model';
const CREDENTIAL_NAME = 'Vision Chat account';
/** A 1x1 red PNG. */
const PNG_DATA_URL =
	'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const NODE_RE = /vision[-_ ]?(chat|stream)|n8n-nodes-vision-stream|visionChat/i;

/** Every screenshot the suite writes, in the order of docs/ui-snippet.md. */
const SCREENSHOTS = {
	search: '01-node-panel-search.png',
	details: '02-node-details.png',
	parameters: '03-parameters.png',
	imageInput: '04-image-input-options.png',
	imageUrl: '05-image-url-input.png',
	credentialNew: '06-credential-new.png',
	credentialOk: '07-credential-tested.png',
	credentialRefused: '08-credential-refused.png',
	modelList: '09-model-list.png',
	modelFilter: '10-model-filter.png',
	result: '11-output-result.png',
	chunks: '12-output-chunks.png',
	error: '13-output-error.png',
	canvasLight: '14-canvas-light.png',
	canvasDark: '15-canvas-dark.png',
};

const norm = (s) => String(s ?? '').replace(/\s+/g, ' ').trim();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(fn, { timeout = 30000, interval = 200, message = 'condition' } = {}) {
	const deadline = Date.now() + timeout;
	let last;
	for (;;) {
		try {
			last = await fn();
			if (last) return last;
		} catch (e) {
			last = e;
		}
		if (Date.now() > deadline) {
			const detail = last instanceof Error ? `: ${last.message.split('\n')[0]}` : '';
			throw new Error(`timed out after ${timeout} ms waiting for ${message}${detail}`);
		}
		await sleep(interval);
	}
}

function assert(cond, message) {
	if (!cond) throw new Error(message);
}

function readCodex(distDir) {
	try {
		return JSON.parse(fs.readFileSync(path.join(distDir, 'nodes', 'VisionChat', 'VisionChat.node.json'), 'utf8'));
	} catch {
		return null;
	}
}

/** The node's parameters by name, as the built node describes them to n8n. */
function loadDescription(distDir) {
	const { VisionChat } = require(path.join(distDir, 'nodes', 'VisionChat', 'VisionChat.node.js'));
	return Object.fromEntries(new VisionChat().description.properties.map((p) => [p.name, p]));
}

module.exports = { GOOD_KEY, BAD_MODEL, CREDENTIAL_NAME, PNG_DATA_URL, NODE_RE, SCREENSHOTS, norm, sleep, waitUntil, assert, readCodex, loadDescription };
