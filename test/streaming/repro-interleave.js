'use strict';
/**
 * Reproduces how the node streams SEVERAL input items to the caller: two items, each answered
 * by the loopback server in 4 pieces, run through n8n 2.41's own WorkflowExecute (n8n-core from
 * the package's devDependencies) with a sendChunk hook, in "webhook" mode. Prints the chunk
 * sequence the caller would receive, e.g.
 *
 *   begin[0] begin[1] item[0]"A1 " item[1]"A1 " item[0]"A2 " ... end[0] item[1]"A4" end[1]
 *
 * Not part of the suite: a diagnostic. Run on Node 24 (n8n-workflow 2.x needs it):
 *   node_modules/.bin/node test/streaming/repro-interleave.js [items=2] [concurrency]
 */
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..');
const fromRepo = (id) => require(require.resolve(id, { paths: [ROOT] }));
const { startStreamingServer, PNG_RED_8x8 } = require('./answers');

async function main() {
	const items = Number(process.argv[2] || 2);
	const concurrency = process.argv[3] ? Number(process.argv[3]) : undefined;
	process.env.N8N_USER_FOLDER = fs.mkdtempSync(path.join(os.tmpdir(), 'vision-repro-'));
	process.env.N8N_LOG_LEVEL = 'silent';
	process.on('exit', () => fs.rmSync(process.env.N8N_USER_FOLDER, { recursive: true, force: true }));
	const core = fromRepo('n8n-core');
	const wf = fromRepo('n8n-workflow');
	const { Container } = fromRepo('@n8n/di');
	const { Logger } = fromRepo('@n8n/backend-common');
	const { VisionChat } = require(path.join(ROOT, 'dist', 'nodes', 'VisionChat', 'VisionChat.node.js'));

	const config = Object.assign(Object.create(core.BinaryDataConfig.prototype), {
		mode: 'default',
		availableModes: ['default'],
		localStoragePath: path.join(process.env.N8N_USER_FOLDER, 'binary'),
		signingSecret: 'repro',
		dbMaxFileSize: 512,
	});
	const binary = new core.BinaryDataService(config, Container.get(core.ErrorReporter), Container.get(Logger));
	await binary.init();
	Container.set(core.BinaryDataService, binary);

	const server = await startStreamingServer({ delayMs: 30, pieces: ['A1 ', 'A2 ', 'A3 ', 'A4'] });
	class CredentialsHelper extends wf.ICredentialsHelper {
		getParentTypes() {
			return [];
		}
		isCredentialUsableByNode() {
			return true;
		}
		async authenticate(_c, _t, options) {
			return options;
		}
		async preAuthentication() {}
		async runPreAuthentication() {}
		async getCredentials() {
			throw new Error('not used');
		}
		async getDecrypted() {
			return { apiKey: 'sk-repro', baseUrl: server.baseUrl, customHeaders: '' };
		}
		async updateCredentials() {}
		async updateCredentialsOauthTokenData() {}
		getCredentialsProperties() {
			return [];
		}
	}
	const source = {
		description: { displayName: 'Images', name: 'images', group: ['transform'], version: 1, defaults: { name: 'Images' }, inputs: ['main'], outputs: ['main'], properties: [] },
		async execute() {
			const out = [];
			for (let i = 0; i < items; i++) out.push({ json: { i }, binary: { data: await this.helpers.prepareBinaryData(PNG_RED_8x8, `img${i}.png`, 'image/png') } });
			return [out];
		},
	};
	const vision = new VisionChat();
	const nodeTypes = {
		getByName: (type) => ({ images: source, visionChat: vision })[type],
		getByNameAndVersion(type, version) {
			return wf.NodeHelpers.getVersionedNodeType(this.getByName(type), version);
		},
		getKnownTypes: () => ({}),
	};
	const nodes = [
		{ id: 'n1', name: 'Images', type: 'images', typeVersion: 1, position: [0, 0], parameters: {} },
		{
			id: 'n2',
			name: 'Vision Chat',
			type: 'visionChat',
			typeVersion: 1,
			position: [200, 0],
			parameters: { model: { __rl: true, mode: 'id', value: 'm' }, prompt: 'p', options: concurrency ? { concurrency } : {} },
			credentials: { visionChatApi: { id: '1', name: 'Vision Chat API' } },
		},
	];
	const connections = { Images: { main: [[{ node: 'Vision Chat', type: 'main', index: 0 }]] } };
	const workflow = new wf.Workflow({ id: 'repro', name: 'repro', nodes, connections, active: false, nodeTypes, settings: { executionOrder: 'v1' } });
	const hooks = new core.ExecutionLifecycleHooks('webhook', 'repro', { id: 'repro', name: 'repro', active: false, nodes, connections, createdAt: new Date(), updatedAt: new Date() });
	const chunks = [];
	hooks.addHandler('sendChunk', (chunk) => chunks.push(chunk));
	const url = 'http://localhost:5678';
	const additionalData = {
		credentialsHelper: new CredentialsHelper(),
		hooks,
		executionId: 'repro',
		userId: 'repro',
		currentNodeExecutionIndex: 0,
		streamingEnabled: true,
		restApiUrl: `${url}/rest`,
		instanceBaseUrl: url,
		webhookBaseUrl: `${url}/webhook`,
		webhookWaitingBaseUrl: `${url}/webhook-waiting`,
		webhookTestBaseUrl: `${url}/webhook-test`,
		formWaitingBaseUrl: `${url}/form-waiting`,
		variables: {},
		logAiEvent() {},
		getRunExecutionData: async () => undefined,
	};
	const runData = wf.createRunExecutionData({ executionData: { nodeExecutionStack: [{ node: nodes[0], data: { main: [[{ json: {} }]] }, source: null }] } });
	const run = await new core.WorkflowExecute(additionalData, 'webhook', runData).processRunExecutionData(workflow);
	await server.close();
	console.log(`status ${run.status}, ${items} items, concurrency ${concurrency ?? 'default (4)'}`);
	console.log(chunks.map((c) => `${c.type}[${c.metadata.itemIndex}]${c.content !== undefined ? JSON.stringify(c.content) : ''}`).join(' '));
	let open = 0;
	let interleaved = false;
	for (const c of chunks) {
		if (c.type === 'begin') open++;
		if (c.type === 'end') open--;
		if (open > 1) interleaved = true;
	}
	console.log(interleaved ? 'INTERLEAVED: items stream at the same time; a caller joining `item` contents (as n8n\'s chat widget does per node) mixes the answers' : 'sequential: one item after the other');
	process.exit(0);
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
