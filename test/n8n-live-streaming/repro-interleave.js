'use strict';
/**
 * Reproduces how the node streams SEVERAL input items to the caller: N items (default 2), each
 * answered by the loopback server in 4 pieces, run through n8n 2.41's own WorkflowExecute
 * (n8n-core from the package's devDependencies, through the engine harness of the jest suites,
 * test/support/engine) with a sendChunk hook, in "webhook" mode. Prints the chunk sequence the
 * caller would receive, e.g.
 *
 *   begin[0] begin[1] item[0]"A1 " item[1]"A1 " item[0]"A2 " ... end[0] item[1]"A4" end[1]
 *
 * Not part of the suite: a diagnostic. Run on Node 24 (n8n-workflow 2.x needs it):
 *   node_modules/.bin/node test/n8n-live-streaming/repro-interleave.js [items=2] [concurrency]
 */
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..');
const { startStreamingServer, PNG_RED_8x8 } = require('./answers');
const { loadTs } = require('../support/load-ts');

async function main() {
	const items = Number(process.argv[2] || 2);
	const concurrency = process.argv[3] ? Number(process.argv[3]) : undefined;
	process.env.N8N_LOG_LEVEL = 'silent';
	const { runNode } = loadTs(path.join(ROOT, 'test', 'support', 'engine', 'index.ts'));
	const { VisionChat } = require(path.join(ROOT, 'dist', 'nodes', 'VisionChat', 'VisionChat.node.js'));
	const { VisionChatApi } = require(path.join(ROOT, 'dist', 'credentials', 'VisionChatApi.credentials.js'));

	const server = await startStreamingServer({ delayMs: 30, pieces: ['A1 ', 'A2 ', 'A3 ', 'A4'] });
	const chunks = [];
	let run;
	try {
		({ run } = await runNode({
			nodeType: new VisionChat(),
			nodeTypeName: 'visionChat',
			parameters: { model: { __rl: true, mode: 'id', value: 'm' }, prompt: 'p', options: concurrency ? { concurrency } : {} },
			inputItems: Array.from({ length: items }, (_, i) => ({ json: { i }, binary: { data: { buffer: PNG_RED_8x8, mimeType: 'image/png', fileName: `img${i}.png` } } })),
			credentials: { visionChatApi: { apiKey: 'sk-repro', baseUrl: server.baseUrl, customHeaders: '' } },
			credentialTypes: [new VisionChatApi()],
			streaming: { chunks },
			executionMode: 'webhook',
		}));
	} finally {
		await server.close();
	}
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
