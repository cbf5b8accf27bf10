/**
 * n8n's BinaryDataService for an engine, in memory (`default`: items carry base64) or on disk
 * (`filesystem`: items carry references, only the helpers read the bytes), initialised once per
 * engine and mode and registered in that engine's @n8n/di Container, as n8n does at start-up.
 */
import type { BinaryDataConfig, BinaryDataService } from 'n8n-core';
import type { IBinaryData } from 'n8n-workflow';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { harnessTempRoot } from './environment';
import { repoEngine, type EnginePackages } from './packages';

export type BinaryMode = 'default' | 'filesystem';

const services = new WeakMap<EnginePackages, Partial<Record<BinaryMode, BinaryDataService>>>();

/** Makes the engine's BinaryDataService the one for `mode`. Concurrent runs must share one mode. */
export async function useBinaryDataService(engine: EnginePackages, mode: BinaryMode): Promise<BinaryDataService> {
	const { core, di, backendCommon } = engine;
	const byMode = services.get(engine) ?? {};
	services.set(engine, byMode);
	let service = byMode[mode];
	if (!service) {
		const storagePath = path.join(harnessTempRoot(), `binary-${engine.id}-${mode}`);
		mkdirSync(storagePath, { recursive: true });
		const config = Object.assign(Object.create(core.BinaryDataConfig.prototype) as BinaryDataConfig, {
			mode,
			availableModes: ['filesystem'],
			localStoragePath: storagePath,
			signingSecret: 'engine-harness-signing-secret',
			dbMaxFileSize: 512,
		});
		service = new core.BinaryDataService(config, di.Container.get(core.ErrorReporter), di.Container.get(backendCommon.Logger));
		await service.init();
		byMode[mode] = service;
	}
	di.Container.set(core.BinaryDataService, service);
	return service;
}

/** Reads a binary entry from a node's output, whether it is inline (base64) or a filesystem reference. */
export async function readBinary(binary: IBinaryData, engine: EnginePackages = repoEngine()): Promise<Buffer> {
	return await engine.di.Container.get(engine.core.BinaryDataService).getAsBuffer(binary);
}
