/**
 * Process-wide setup every engine needs before n8n-core is loaded: n8n's user folder and the
 * binary-data storage live in one temporary folder, removed when the process exits.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

let tempRoot: string | undefined;

/** The harness's temporary folder (created on first use, removed at exit). */
export function harnessTempRoot(): string {
	if (tempRoot) return tempRoot;
	tempRoot = mkdtempSync(path.join(tmpdir(), 'n8n-engine-harness-'));
	const dir = tempRoot;
	process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
	return dir;
}

let prepared = false;

/** Settings n8n-core reads when it starts; a value the caller already set is kept. */
export function prepareEnvironment(): void {
	if (prepared) return;
	prepared = true;
	// InstanceSettings (created on first use inside n8n-core) writes `<N8N_USER_FOLDER>/.n8n/config`.
	// Keep that out of the real home directory unless the caller chose a folder.
	if (!process.env.N8N_USER_FOLDER) process.env.N8N_USER_FOLDER = path.join(harnessTempRoot(), 'user');
	process.env.N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS ??= 'false';
	// n8n logs every node error through winston straight to stdout; set N8N_LOG_LEVEL to see it.
	process.env.N8N_LOG_LEVEL ??= 'silent';
	process.env.N8N_DIAGNOSTICS_ENABLED ??= 'false';
}
