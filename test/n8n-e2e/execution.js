'use strict';
/**
 * Reading what `n8n execute --rawOutput` printed, and the small helpers the e2e checks share.
 *
 *   parseExecution(stdout)           the execution JSON: pretty-printed, from a line "{" to the next
 *                                    line "}" (after "Execution error:" when the run failed)
 *   safeParse(run)                   the same, undefined when it is not there
 *   outputOf(execution, node, output = 0)   that output's items of the node's first run
 *   byItemIndex(chunks), contentOf(chunks), paired(item)   Chunks output helpers
 *   FIXTURES, PARTIAL, tail(text, lines), secs(ms), section(title)
 */
const FIXTURES = {
	'a.png': [4, 3, [220, 40, 40]],
	'b.png': [2, 2, [40, 200, 40]], // refused by the "flaky" model
	'c.png': [3, 5, [40, 40, 220]], // gets a broken stream
};
const PARTIAL = 'Partial answer before the break';

function parseExecution(stdout) {
	const lines = stdout.split(/\r?\n/);
	const start = lines.indexOf('{');
	if (start < 0) return undefined;
	const end = lines.indexOf('}', start);
	if (end < 0) return undefined;
	return JSON.parse(lines.slice(start, end + 1).join('\n'));
}

function safeParse(run) {
	try {
		return parseExecution(run.stdout);
	} catch {
		return undefined;
	}
}

function outputOf(execution, name, output = 0) {
	const runs = execution && execution.data && execution.data.resultData.runData[name];
	if (!runs || !runs[0]) throw new Error(`node "${name}" did not run`);
	const main = (runs[0].data && runs[0].data.main) || [];
	return main[output] || [];
}

function byItemIndex(chunks) {
	const groups = new Map();
	for (const item of chunks) {
		const i = item.json.itemIndex;
		if (!groups.has(i)) groups.set(i, []);
		groups.get(i).push(item);
	}
	return groups;
}

const contentOf = (chunks) => chunks.map((c) => (c.json.choices && c.json.choices[0] && c.json.choices[0].delta && c.json.choices[0].delta.content) || '').join('');
const paired = (item) => (Array.isArray(item.pairedItem) ? item.pairedItem[0].item : item.pairedItem && item.pairedItem.item);
const tail = (text, lines = 25) => text.split(/\r?\n/).slice(-lines).join('\n');
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
const section = (title) => console.log(`\n${title}`);

module.exports = { FIXTURES, PARTIAL, parseExecution, safeParse, outputOf, byItemIndex, contentOf, paired, tail, secs, section };
