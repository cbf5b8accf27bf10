'use strict';
/**
 * The credential and the three webhook workflows the queue-mode suite imports (plain JSON, as
 * `n8n import:credentials` / `import:workflow` take them). The node type depends on how the
 * package is installed: `n8n-nodes-vision-stream.visionChat` as a community package (the
 * default), `CUSTOM.visionChat` from N8N_CUSTOM_EXTENSIONS; pass it to workflows(nodeType).
 *
 *   load     POST /webhook/vision-queue-load    multipart (rid, photo) -> Vision Chat (queue-fast) -> Respond to Webhook
 *   stream   POST /webhook/vision-queue-stream  Webhook "Streaming"   -> Vision Chat (queue-slow); also the
 *                                               streaming call sent into the worker-concurrency-5 load
 *   stop     POST /webhook/vision-queue-stop    Webhook "Streaming"   -> Vision Chat (queue-stall), stopped over REST;
 *                                               also the streaming execution whose worker is killed
 */
const NODE_TYPE = 'n8n-nodes-vision-stream.visionChat';
const CREDENTIAL = { id: 'visionQueueCred1', name: 'Vision Chat API (queue test)', type: 'visionChatApi' };

const IDS = { load: 'visionQueueLoad1', stream: 'visionQueueStrm1', stop: 'visionQueueStop1' };
const PATHS = { load: 'vision-queue-load', stream: 'vision-queue-stream', stop: 'vision-queue-stop' };

function credential({ apiKey, baseUrl }) {
	return { ...CREDENTIAL, data: { apiKey, baseUrl, customHeaders: 'X-Queue-Test: 1' } };
}

// Node ids are UUIDs: n8n 2.41 stores them in varchar(36) columns (workflow_publication_trigger_status),
// and a longer id makes the publication report fail with "value too long for type character varying(36)".
const nodeId = (kind, n) => `7c1d${{ load: '0001', stream: '0002', stop: '0003' }[kind]}-0000-4000-8000-00000000000${n}`;

function webhook(kind, responseMode, webhookId) {
	const path = PATHS[kind];
	return {
		id: nodeId(kind, 1),
		name: 'Webhook',
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2.1,
		position: [0, 0],
		webhookId,
		parameters: { httpMethod: 'POST', path, responseMode, options: {} },
	};
}

function visionChat(model, kind, nodeType) {
	return {
		id: nodeId(kind, 2),
		name: 'Vision Chat',
		type: nodeType,
		typeVersion: 1,
		position: [240, 0],
		credentials: { visionChatApi: { id: CREDENTIAL.id, name: CREDENTIAL.name } },
		parameters: {
			model: { __rl: true, mode: 'id', value: model },
			prompt: '=Describe this image in one sentence. rid={{ $json.body.rid }}',
			imageInput: 'binary',
			binaryPropertyName: 'photo',
			options: {},
		},
	};
}

function workflow(kind, name, nodes, connections) {
	return { id: IDS[kind], name, active: false, nodes, connections, settings: { executionOrder: 'v1' }, pinData: {} };
}

function workflows(nodeType = NODE_TYPE) {
	const load = workflow(
		'load',
		'Vision queue: load (multipart -> Vision Chat -> Respond)',
		[
			webhook('load', 'responseNode', '5b0e4f6e-1f51-4a5e-9a30-0c1b6f1a0001'),
			visionChat('queue-fast', 'load', nodeType),
			{
				id: nodeId('load', 3),
				name: 'Respond to Webhook',
				type: 'n8n-nodes-base.respondToWebhook',
				typeVersion: 1.5,
				position: [480, 0],
				parameters: { respondWith: 'firstIncomingItem', options: {} },
			},
		],
		{
			Webhook: { main: [[{ node: 'Vision Chat', type: 'main', index: 0 }]] },
			'Vision Chat': { main: [[{ node: 'Respond to Webhook', type: 'main', index: 0 }], []] },
		},
	);
	const streaming = (kind, name, model, webhookId) =>
		workflow(kind, name, [webhook(kind, 'streaming', webhookId), visionChat(model, kind, nodeType)], {
			Webhook: { main: [[{ node: 'Vision Chat', type: 'main', index: 0 }]] },
		});
	return [
		load,
		streaming('stream', 'Vision queue: streaming webhook', 'queue-slow', '5b0e4f6e-1f51-4a5e-9a30-0c1b6f1a0002'),
		streaming('stop', 'Vision queue: stopped mid-stream', 'queue-stall', '5b0e4f6e-1f51-4a5e-9a30-0c1b6f1a0003'),
	];
}

module.exports = { credential, workflows, IDS, PATHS, NODE_TYPE, CREDENTIAL };
