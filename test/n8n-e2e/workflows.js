'use strict';
/**
 * The workflows the end-to-end suite imports into n8n and runs with `n8n execute`.
 * Node type `n8n-nodes-vision-stream.visionChat`: the package is installed as a community
 * package, exactly as users get it.
 */

const VISION_TYPE = 'n8n-nodes-vision-stream.visionChat';
const CREDENTIAL = { id: 'vsVisionChatCred', name: 'Vision Chat API' }; // the examples use the same
const IDS = {
	main: 'e2eVisionMain001',
	stops: 'e2eVisionStop001',
	combined: 'e2eVisionComb001',
	receipt: 'e2eVisionRcpt001',
	pdf: 'e2eVisionPdf0001',
};

let nodeCounter = 0;
const nodeId = () => `00000000-0000-4000-8000-${String(++nodeCounter).padStart(12, '0')}`;

function node(name, type, typeVersion, position, parameters, extra = {}) {
	return { id: nodeId(), name, type, typeVersion, position, parameters, ...extra };
}

function vision(name, position, model, parameters, extra = {}) {
	return node(
		name,
		VISION_TYPE,
		1,
		position,
		{ model: { __rl: true, mode: 'id', value: model }, prompt: 'What is in this image?', ...parameters },
		{ credentials: { visionChatApi: { ...CREDENTIAL } }, ...extra },
	);
}

const manual = (position = [0, 0]) => node('Start', 'n8n-nodes-base.manualTrigger', 1, position, {});
const readFiles = (name, position, fileSelector, options = {}) =>
	node(name, 'n8n-nodes-base.readWriteFile', 1.1, position, { operation: 'read', fileSelector, options });
const code = (name, position, jsCode) => node(name, 'n8n-nodes-base.code', 2, position, { mode: 'runOnceForAllItems', language: 'javaScript', jsCode });
const set = (name, position, assignments) =>
	node(name, 'n8n-nodes-base.set', 3.4, position, {
		mode: 'manual',
		assignments: {
			assignments: assignments.map(([field, value, type = 'string'], i) => ({ id: `${name}-${i}`, name: field, value, type })),
		},
		includeOtherFields: false,
		options: {},
	});

/** connections from a list of [from, outputIndex, to] */
function connect(list) {
	const connections = {};
	for (const [from, output, to] of list) {
		connections[from] ??= { main: [] };
		const outputs = connections[from].main;
		while (outputs.length <= output) outputs.push([]);
		outputs[output].push({ node: to, type: 'main', index: 0 });
	}
	return connections;
}

function workflow(id, name, nodes, links, settings = {}) {
	return { id, name, active: false, nodes, connections: connect(links), settings: { executionOrder: 'v1', ...settings }, pinData: {} };
}

/**
 * The main workflow: every scenario that does not stop the execution, in one run
 * (one `n8n execute` process): several binary items, continue-on-fail on the regular and on
 * the error output, a broken stream, image URLs from an expression, downloaded images, JSON schema.
 */
function mainWorkflow({ filesDir, imageBaseUrl }) {
	const read = 'Read Images';
	const nodes = [
		manual([0, 0]),
		readFiles(read, [220, 0], `${filesDir}/*.png`),
		vision('Describe', [460, -300], 'e2e-describe', { prompt: 'Describe this image', options: { includeUsage: true, keepInput: true } }),
		set('After Describe', [700, -360], [
			['fileName', `={{ $('${read}').item.json.fileName }}`],
			['shout', '={{ $json.text.toUpperCase() }}'],
			['hasBinary', '={{ !!$binary.data }}', 'boolean'],
		]),
		set('After Chunks', [700, -240], [
			['fileName', `={{ $('${read}').item.json.fileName }}`],
			['sequence', '={{ $json.sequence }}', 'number'],
		]),
		vision('Continue On Fail', [460, -100], 'e2e-flaky', { options: { maxRetries: 0 } }, { onError: 'continueRegularOutput' }),
		vision('Broken Stream', [460, 100], 'e2e-broken', { options: {} }, { onError: 'continueRegularOutput' }),
		vision('Broken Stream To Error Output', [460, 300], 'e2e-broken', { options: {} }, { onError: 'continueErrorOutput' }),
		set('Error Branch', [700, 360], [
			['fileName', '={{ $json.fileName }}'],
			['partialText', '={{ $json.details.partialText }}'],
		]),
		code('Image URLs', [220, 520], [
			'return [',
			"  { json: { urls: ['https://images.example.test/cat.jpg', 'https://images.example.test/dog.png'] } },",
			"  { json: { urls: 'https://images.example.test/one.webp, https://images.example.test/two.gif' } },",
			`  { json: { urls: ['data:image/png;base64,${onePixelPng()}'] } },`,
			'];',
		].join('\n')),
		vision('Describe URLs', [460, 520], 'e2e-urls', { imageInput: 'url', imageUrls: '={{ $json.urls }}', options: { detail: 'low' } }),
		code('Download List', [220, 720], `return [{ json: { url: ${JSON.stringify(`${imageBaseUrl}/img/photo.png`)} } }];`),
		vision('Download Images', [460, 720], 'e2e-urls', { imageInput: 'url', imageUrls: '={{ $json.url }}', options: { downloadImages: true } }),
		vision('JSON Schema', [460, 900], 'e2e-json', {
			imageInput: 'url',
			imageUrls: '={{ $json.url }}',
			options: {
				responseFormat: 'json_schema',
				jsonSchema: JSON.stringify({
					name: 'image_tags',
					strict: true,
					schema: {
						type: 'object',
						properties: { caption: { type: 'string' }, objects: { type: 'array', items: { type: 'string' } } },
						required: ['caption', 'objects'],
						additionalProperties: false,
					},
				}),
			},
		}),
		set('Parse JSON', [700, 900], [
			['caption', '={{ JSON.parse($json.text).caption }}'],
			['objects', '={{ JSON.parse($json.text).objects }}', 'array'],
		]),
	];
	const links = [
		['Start', 0, read],
		[read, 0, 'Describe'],
		['Describe', 0, 'After Describe'],
		['Describe', 1, 'After Chunks'],
		[read, 0, 'Continue On Fail'],
		[read, 0, 'Broken Stream'],
		[read, 0, 'Broken Stream To Error Output'],
		['Broken Stream To Error Output', 2, 'Error Branch'],
		['Start', 0, 'Image URLs'],
		['Image URLs', 0, 'Describe URLs'],
		['Start', 0, 'Download List'],
		['Download List', 0, 'Download Images'],
		['Download List', 0, 'JSON Schema'],
		['JSON Schema', 0, 'Parse JSON'],
	];
	return workflow(IDS.main, 'E2E: Vision Chat in real n8n', nodes, links);
}

/** A broken stream without "continue on fail": the execution stops with the node's error. */
function stopsWorkflow({ filesDir }) {
	const nodes = [
		manual(),
		readFiles('Read One Image', [220, 0], `${filesDir}/c.png`),
		vision('Vision Chat', [460, 0], 'e2e-broken-all', { options: {} }),
	];
	return workflow(IDS.stops, 'E2E: broken stream stops the workflow', nodes, [
		['Start', 0, 'Read One Image'],
		['Read One Image', 0, 'Vision Chat'],
	]);
}

/**
 * n8n 2.x "combined" binary mode (workflow setting binaryMode: 'combined'): upstream nodes put
 * files under json._files.<name> instead of item.binary. The suite checks the node reads the image there.
 */
function combinedWorkflow({ filesDir }) {
	const nodes = [
		manual(),
		readFiles('Read One Image', [220, 0], `${filesDir}/a.png`),
		vision('Vision Chat', [460, 0], 'e2e-describe', { options: {} }),
	];
	return workflow(
		IDS.combined,
		'E2E: combined binary mode',
		nodes,
		[
			['Start', 0, 'Read One Image'],
			['Read One Image', 0, 'Vision Chat'],
		],
		{ binaryMode: 'combined' },
	);
}

function onePixelPng() {
	return 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
}

module.exports = {
	VISION_TYPE, CREDENTIAL, IDS, mainWorkflow, stopsWorkflow, combinedWorkflow, onePixelPng,
	// building blocks for workflows-records.js
	node, nodeId, vision, manual, readFiles, code, set, workflow,
};
