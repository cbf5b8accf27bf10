/**
 * Jest suites that need something outside the repository (the n8n install in the cache) declare
 * it here. When it is there, the suite runs. When it is missing:
 *  - on CI (`CI` set to anything but '', '0' or 'false'): one failing test says what is missing
 *    and how to install it, and the suite is not run (a missing prerequisite is a failure there);
 *  - elsewhere: `skipped: <reason>` is printed and the suite is skipped.
 */

export type PrerequisiteOutcome = 'run' | 'fail' | 'skip';

export function isCI(env: NodeJS.ProcessEnv = process.env): boolean {
	const value = (env.CI ?? '').trim().toLowerCase();
	return value !== '' && value !== '0' && value !== 'false';
}

export function prerequisiteOutcome(missing: string | undefined, env: NodeJS.ProcessEnv = process.env): PrerequisiteOutcome {
	if (!missing) return 'run';
	return isCI(env) ? 'fail' : 'skip';
}

/**
 * `describe` when nothing is missing, else `describe.skip`, after registering the failing test
 * (CI) or printing the reason (elsewhere). Call once per file, at the top level.
 * @param missing what is missing, or undefined when all is there
 * @param howToInstall the command that installs it
 */
export function describeWhenAvailable(missing: string | undefined, howToInstall: string): jest.Describe {
	const outcome = prerequisiteOutcome(missing);
	if (outcome === 'run') return describe;
	const reason = `${missing}; ${howToInstall}`;
	if (outcome === 'fail') {
		test('prerequisites are installed', () => {
			throw new Error(`missing prerequisite: ${reason}`);
		});
	} else {
		console.log(`skipped: ${reason}`);
	}
	return describe.skip;
}
