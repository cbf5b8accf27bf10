'use strict';
/**
 * A node:test reporter that turns the runner's events into counts, written as one JSON document
 * to its destination (`--test-reporter=<this file> --test-reporter-destination=<file>`):
 *
 *   { passed, failed, skipped: [{ file, name, reason }], files: { <file>: { passed, failed,
 *     skipped, failures: [{ name, message }], durationMs } } }
 *
 * A check is a test without subtests. A test with subtests (a suite's top-level test, a group)
 * is not counted itself, except when it failed for a reason of its own (an error thrown between
 * its checks, not "N subtests failed"): that counts as one failure.
 */
function emptyCounts() {
	return { passed: 0, failed: 0, skipped: 0, failures: [], durationMs: 0 };
}

/**
 * Subtests report the file they were declared in (a helper's, for checks made through one), so
 * results are collected until their top-level test ends and then booked to its file. Files run
 * one after the other (--test-concurrency=1).
 */
function onResult(state, type, data) {
	const n = data.nesting || 0;
	const hadChildren = Boolean(state.childDone[n + 1]);
	state.childDone[n + 1] = false;
	state.childDone[n] = true;
	const entry = state.pending;
	if (data.todo !== undefined && data.todo !== false) return;
	if (data.skip !== undefined && data.skip !== false) {
		entry.skipped++;
		state.skipped.push({ file: data.file, name: data.name, reason: typeof data.skip === 'string' ? data.skip : '' });
	} else if (type === 'test:pass') {
		if (!hadChildren) entry.passed++;
	} else {
		const error = data.details && data.details.error;
		if (!hadChildren || (error && error.failureType !== 'subtestsFailed')) {
			entry.failed++;
			const cause = error && (error.cause || error);
			entry.failures.push({ name: data.name, message: String((cause && cause.message) || cause || '').split('\n')[0] });
		}
	}
	if (n > 0) return;
	const file = data.file || '(no file)';
	const booked = (state.files[file] ??= emptyCounts());
	for (const key of ['passed', 'failed', 'skipped']) booked[key] += entry[key];
	booked.failures.push(...entry.failures);
	booked.durationMs += (data.details && data.details.duration_ms) || 0;
	state.pending = emptyCounts();
	for (const s of state.skipped) s.file ??= file;
}

module.exports = async function* countingReporter(source) {
	const state = { files: {}, skipped: [], pending: emptyCounts(), childDone: [] };
	for await (const event of source) {
		if (event.type === 'test:pass' || event.type === 'test:fail') onResult(state, event.type, event.data);
	}
	const files = {};
	let passed = 0;
	let failed = 0;
	for (const [file, counts] of Object.entries(state.files)) {
		files[file] = counts;
		passed += counts.passed;
		failed += counts.failed;
	}
	yield `${JSON.stringify({ passed, failed, skipped: state.skipped, files }, null, 2)}\n`;
};
