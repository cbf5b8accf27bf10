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
 *   chat     POST /webhook/<webhookId>/chat     examples/chat-streaming.json with Postgres Chat Memory
 *                                               (credential pgCredential, table CHAT_TABLE); ./conversation.js
 */
const fs = require('node:fs');
const { ROOT } = require('../support/n8n/base');

const NODE_TYPE = 'n8n-nodes-vision-stream.visionChat';
const CREDENTIAL = { id: 'visionQueueCred1', name: 'Vision Chat API (queue test)', type: 'visionChatApi' };
const PG_CREDENTIAL = { id: 'visionQueuePgMem1', name: 'Postgres (queue test chat memory)', type: 'postgres' };

const IDS = { load: 'visionQueueLoad1', stream: 'visionQueueStrm1', stop: 'visionQueueStop1', chat: 'visionQueueChat1' };
const CHAT_TABLE = 'vision_queue_chat_histories';
const PATHS = { load: 'vision-queue-load', stream: 'vision-queue-stream', stop: 'vision-queue-stop' };

function credential({ apiKey, baseUrl }) {
	return { ...CREDENTIAL, data: { apiKey, baseUrl, customHeaders: 'X-Queue-Test: 1' } };
}

/** The suite's own PostgreSQL, for Postgres Chat Memory (trust authentication: no password). */
function pgCredential({ port, database, user }) {
	return { ...PG_CREDENTIAL, data: { host: '127.0.0.1', port, database, user, password: '', ssl: 'disable', allowUnauthorizedCerts: false, maxConnections: 10 } };
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

/** examples/chat-streaming.json as it is, but Postgres Chat Memory for Simple Memory (one process only) and the suite's model. */
function chatWorkflow(nodeType) {
	const example = JSON.parse(fs.readFileSync(`${ROOT}/examples/chat-streaming.json`, 'utf8'));
	const nodes = example.nodes.map((node) => {
		if (node.type === NODE_TYPE) {
			const parameters = { ...node.parameters, model: { __rl: true, mode: 'id', value: 'queue-fast' } };
			return { ...node, type: nodeType, parameters, credentials: { visionChatApi: { id: CREDENTIAL.id, name: CREDENTIAL.name } } };
		}
		if (node.name !== 'Simple Memory') return node;
		const credentials = { postgres: { id: PG_CREDENTIAL.id, name: PG_CREDENTIAL.name } };
		return { ...node, name: 'Postgres Chat Memory', type: '@n8n/n8n-nodes-langchain.memoryPostgresChat', typeVersion: 1.3, parameters: { ...node.parameters, tableName: CHAT_TABLE }, credentials };
	});
	const { 'Simple Memory': memory, ...connections } = example.connections;
	return { ...example, id: IDS.chat, name: `${example.name} (queue mode, Postgres Chat Memory)`, nodes, connections: { ...connections, 'Postgres Chat Memory': memory } };
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
		chatWorkflow(nodeType),
	];
}

module.exports = { credential, pgCredential, workflows, IDS, PATHS, CHAT_TABLE, NODE_TYPE, CREDENTIAL };
