/**
 * WHICH n8n the harness runs a node in. Every other file of the harness takes one of these and
 * uses only its modules, so the same runner drives:
 *  - repoEngine():          the repository's own devDependencies (n8n-core 2.41.1, n8n-workflow
 *                           2.41.0) — the jest node tests, the benchmark, repro-interleave;
 *  - installedN8n([home]):  the n8n 2.41.1 that test/support/n8n installs into the cache, with
 *                           n8n's CLI NodeTypes and its LangChain nodes — the AI-agent tool tests
 *                           (engine, tools and Agent must share one zod and one @langchain/core);
 *  - n8n1Engine(dir):       n8n-core/n8n-workflow 1.x installed into a folder of their own — the
 *                           n8n 1.x check on Node 20 (test/n8n-live-streaming/n8n1-compat.js).
 * Nothing here imports an n8n module at load time (only types), so the harness also loads where
 * the repository's 2.x packages cannot (Node 20).
 */
import type * as BackendCommon from '@n8n/backend-common';
import type * as Di from '@n8n/di';
import type * as Core from 'n8n-core';
import type * as WorkflowLib from 'n8n-workflow';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { prepareEnvironment } from './environment';

export const ROOT_DIR = path.resolve(__dirname, '..', '..', '..');

export interface EnginePackages {
	/** Short name, unique per engine (storage folders, messages). */
	id: string;
	/** The folder whose node_modules the modules come from. */
	dir: string;
	core: typeof Core;
	workflow: typeof WorkflowLib;
	di: typeof Di;
	backendCommon: typeof BackendCommon;
	/** A module as this engine resolves it (package `exports` included). */
	load(request: string): any;
	/** A file of an installed package, loaded by path as n8n's node loader does (`n8n/dist/node-types.js`). */
	file(relativePath: string): any;
	/** The version of one of its packages, from `node_modules/<name>/package.json`. */
	versionOf(packageName: string): string;
}

interface N8nEnvScript {
	n8nHome(): string;
	N8N_VERSION: string;
}
/** test/support/n8n knows where the n8n install lives (VISION_N8N_HOME, XDG_CACHE_HOME). */
const n8nEnv = (): N8nEnvScript => require(path.join(ROOT_DIR, 'test', 'support', 'n8n', 'base.js')) as N8nEnvScript;

const engines = new Map<string, EnginePackages>();

function loadEngine(id: string, dir: string): EnginePackages {
	const key = `${id}:${dir}`;
	const known = engines.get(key);
	if (known) return known;
	prepareEnvironment();
	const load = (request: string): any => require(require.resolve(request, { paths: [dir] }));
	const engine: EnginePackages = {
		id,
		dir,
		core: load('n8n-core'),
		workflow: load('n8n-workflow'),
		di: load('@n8n/di'),
		backendCommon: load('@n8n/backend-common'),
		load,
		file: (relativePath) => require(path.join(dir, 'node_modules', relativePath)),
		versionOf: (name) => JSON.parse(readFileSync(path.join(dir, 'node_modules', name, 'package.json'), 'utf8')).version,
	};
	engines.set(key, engine);
	return engine;
}

/** The repository's own n8n-core / n8n-workflow (devDependencies). */
export function repoEngine(): EnginePackages {
	return loadEngine('repo', ROOT_DIR);
}

/** Where test/support/n8n installs n8n 2.41.1. */
export function installedN8nHome(): string {
	return n8nEnv().n8nHome();
}

/** Why the installed n8n cannot be used, or undefined when it can. */
export function installedN8nMissing(home = installedN8nHome()): string | undefined {
	const needed = ['n8n/dist/node-types.js', '@n8n/n8n-nodes-langchain/package.json', 'n8n-core/package.json'];
	const absent = needed.filter((file) => !existsSync(path.join(home, 'node_modules', file)));
	if (absent.length === 0) return undefined;
	return `n8n ${n8nEnv().N8N_VERSION} is not installed in ${home} (missing ${absent.join(', ')})`;
}

/** The installed n8n 2.41.1's own n8n-core / n8n-workflow (and, through `file`, its CLI and nodes). */
export function installedN8n(home = installedN8nHome()): EnginePackages {
	const missing = installedN8nMissing(home);
	if (missing) throw new Error(`engine harness: ${missing}; \`npm test\` installs it before jest runs`);
	return loadEngine('n8n-installed', home);
}

/** n8n-core / n8n-workflow 1.x installed into `dir` (test/n8n-live-streaming/n8n1-compat.js installs them). */
export function n8n1Engine(dir: string): EnginePackages {
	if (!existsSync(path.join(dir, 'node_modules', 'n8n-core'))) throw new Error(`engine harness: no n8n-core in ${dir}/node_modules`);
	return loadEngine('n8n1', dir);
}
