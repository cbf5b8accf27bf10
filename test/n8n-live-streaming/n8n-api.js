'use strict';
/**
 * What the live-streaming suite asks n8n: whether the published webhooks are registered, and the
 * executions it recorded (REST API, as the owner).
 *
 *   waitForWebhooks(base, paths[, timeoutMs])
 *       /healthz/readiness answers before the published workflows' webhooks are registered: wait
 *       until each answers a CORS preflight for POST (OPTIONS starts no execution; a GET to a
 *       Chat Trigger would)
 *   executions(rest, unflatten) -> { ids(workflowId), last(workflowId, notBefore) }
 *       ids: the ids of its executions so far; last: the newest finished one not in notBefore,
 *       its run data unflattened ({ id, status, data })
 *   resultOf(execution[, nodeName]) -> { result, chunkItems }   the node's Result item and Chunks output
 */
const { sleep } = require('../support/n8n');

async function waitForWebhooks(base, paths, timeoutMs = 60000) {
	const deadline = Date.now() + timeoutMs;
	for (const urlPath of paths) {
		for (;;) {
			const res = await fetch(`${base}${urlPath}`, { method: 'OPTIONS', headers: { origin: 'http://127.0.0.1', 'access-control-request-method': 'POST' } }).catch(() => null);
			if (res) await res.arrayBuffer();
			if (res && res.status === 204 && /POST/.test(res.headers.get('access-control-allow-methods') || '')) break;
			if (Date.now() > deadline) throw new Error(`webhook ${urlPath} not registered within ${timeoutMs} ms (last status ${res && res.status})`);
			await sleep(200);
		}
	}
}

function executions(rest, unflatten) {
	const list = async (workflowId, limit) => {
		const filter = encodeURIComponent(JSON.stringify({ workflowId }));
		const res = await rest.call('GET', `/rest/executions?filter=${filter}&limit=${limit}`);
		if (res.status !== 200) throw new Error(`GET /rest/executions: HTTP ${res.status} ${JSON.stringify(res.data).slice(0, 300)}`);
		return (res.data.data && (res.data.data.results || res.data.data)) || [];
	};
	const ids = async (workflowId) => new Set((await list(workflowId, 50)).map((e) => String(e.id)));
	const last = async (workflowId, notBefore = new Set()) => {
		const deadline = Date.now() + 15000;
		for (;;) {
			const seen = await list(workflowId, 10);
			const found = seen.find((e) => !notBefore.has(String(e.id)) && e.status && !['running', 'new'].includes(e.status));
			if (found) {
				const one = await rest.call('GET', `/rest/executions/${found.id}`);
				const execution = one.data.data;
				const data = typeof execution.data === 'string' ? unflatten(execution.data) : execution.data;
				return { id: String(found.id), status: execution.status, data };
			}
			if (Date.now() > deadline) throw new Error(`no finished execution of workflow ${workflowId} within 15 s (saw ${seen.map((e) => `${e.id}:${e.status}`).join(', ') || 'none'})`);
			await sleep(250);
		}
	};
	return { ids, last };
}

function resultOf(execution, nodeName = 'Vision Chat') {
	const tasks = execution.data.resultData.runData[nodeName] || [];
	const task = tasks[tasks.length - 1];
	if (!task) throw new Error(`execution ${execution.id}: "${nodeName}" did not run (status ${execution.status})`);
	if (task.error) throw new Error(`execution ${execution.id}: "${nodeName}" failed: ${task.error.message}`);
	return { result: task.data.main[0][0].json, chunkItems: task.data.main[1] || [] };
}

module.exports = { waitForWebhooks, executions, resultOf };
