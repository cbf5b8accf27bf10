'use strict';
/**
 * How the real-n8n suites (node:test files) state their checks and their prerequisites.
 *
 *   const check = checker(t)          t: the suite's top-level node:test TestContext
 *   await check(name, fn)             one subtest: passes when fn resolves; what fn returns is
 *                                     printed under it (a measured figure, an id); resolves ok
 *   await check.that(name, ok, detail)  the same for a condition computed beforehand
 *   check.failed()                    whether any check failed so far
 *
 *   await prerequisite(t, what, fn)   fn installs or finds something the suite needs (n8n, chromium,
 *                                     redis…) and resolves it. When fn fails: with CI set (to
 *                                     anything but '', 0, false) the suite fails, saying what is
 *                                     missing; elsewhere it prints "skipped: <reason>", marks the
 *                                     suite skipped and resolves undefined (the suite returns).
 */
const { isCI } = require('./base');

function checker(t) {
	const results = [];
	async function check(name, fn) {
		let ok = true;
		await t.test(name, async (st) => {
			try {
				const detail = await fn(st);
				if (detail !== undefined && detail !== '') st.diagnostic(String(detail));
			} catch (error) {
				ok = false;
				throw error;
			}
		});
		results.push({ name, ok });
		return ok;
	}
	check.that = (name, ok, detail = '') =>
		check(name, () => {
			if (!ok) throw new Error(detail ? `not so: ${detail}` : 'not so');
			return detail;
		});
	check.results = results;
	check.failed = () => results.some((r) => !r.ok);
	return check;
}

async function prerequisite(t, what, fn) {
	try {
		return await fn();
	} catch (error) {
		const reason = `${what}: ${String((error && error.message) || error).split('\n')[0]}`;
		if (isCI()) throw new Error(`missing prerequisite ${reason} (with CI set, a missing prerequisite fails the run)`, { cause: error });
		process.stdout.write(`skipped: ${reason}\n`);
		t.skip(reason);
		return undefined;
	}
}

module.exports = { checker, prerequisite };
