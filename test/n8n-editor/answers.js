'use strict';
/**
 * What the loopback OpenAI-compatible server (test/server.ts, loaded with test/support/load-ts)
 * answers in the editor suite (scripts/test-ui.js, test/ui/flow.js):
 *
 *   GET  /v1/models             the model list; key `refused-key` -> 401 (test/server.ts itself)
 *   POST /v1/chat/completions   key `refused-key` -> 401; a model not in the list -> 404
 *                               "The model `<id>` does not exist"; otherwise an SSE stream of
 *                               ANSWER_PIECES (a role chunk, one chunk per piece, a finish chunk, [DONE])
 *
 * Every request is recorded by test/server.ts (method, path, headers, body, parsed JSON).
 * Run alone (`node test/ui/answers.js`) it serves and logs requests, for poking at the editor.
 */
const path = require('path');
const { loadTs } = require('../support/load-ts');

const ROOT = path.resolve(__dirname, '..', '..');
const { startTestServer, chunk, script, jsonAnswer } = loadTs(path.join(ROOT, 'test', 'server.ts'), ROOT);

const MODELS = ['gpt-4o', 'claude-sonnet-4-20250514', 'llava:13b', 'qwen-vl-max'];
const ANSWER_PIECES = ['A red', ' square', ' on a white', ' background.'];
const REFUSED_KEY = 'refused-key';

/** The chat answer: refuses the refused key and unknown models, else streams ANSWER_PIECES `delayMs` apart. */
function uiAnswer(delayMs) {
	const refused = jsonAnswer(401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } });
	return (req, res) => {
		if ((req.headers.authorization || '') === `Bearer ${REFUSED_KEY}`) return refused(req, res);
		const model = req.json && req.json.model;
		if (!MODELS.includes(model)) {
			return jsonAnswer(404, { error: { message: `The model \`${model}\` does not exist`, type: 'invalid_request_error', code: 'model_not_found' } })(req, res);
		}
		const event = (delta, finish = null) => `data: ${chunk(delta, { finish, model })}\n\n`;
		const steps = [];
		for (const e of [event({ role: 'assistant', content: '' }), ...ANSWER_PIECES.map((piece) => event({ content: piece })), event({}, 'stop')]) {
			steps.push(e, delayMs);
		}
		steps.push('data: [DONE]\n\n');
		return script(steps)(req, res);
	};
}

async function startServer({ delayMs = 40 } = {}) {
	const server = await startTestServer();
	server.models = [...MODELS];
	server.route('*', uiAnswer(delayMs));
	return server;
}

module.exports = { startServer, MODELS, ANSWER_PIECES, REFUSED_KEY };

if (require.main === module) {
	startServer().then((s) => {
		let seen = 0;
		setInterval(() => {
			for (const r of s.requests.slice(seen)) process.stdout.write(`${r.method} ${r.path} ${r.headers.authorization || ''}\n`);
			seen = s.requests.length;
		}, 200);
		process.stdout.write(`test server on ${s.baseUrl}\n`);
	});
}
