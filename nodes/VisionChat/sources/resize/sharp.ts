import { InputError } from '../../helpers/inputError';

/** The sharp release range this package is tested with; keep in step with package.json. */
export const SHARP_VERSION_RANGE = '^0.35.5';

// The slice of sharp's API used here, declared locally so this file compiles without sharp.
export type SharpInputOptions = { failOn?: 'none' | 'truncated' | 'error' | 'warning' };
export interface SharpMetadata {
	format?: string;
	width: number;
	height: number;
	autoOrient?: { width: number; height: number };
	pages?: number;
	hasAlpha: boolean;
	isPalette?: boolean;
}
export interface SharpOutputInfo {
	width: number;
	height: number;
	size: number;
	format: string;
}
export interface SharpPipeline {
	metadata(): Promise<SharpMetadata>;
	rotate(): SharpPipeline;
	resize(options: { width: number; height: number; fit: 'inside'; withoutEnlargement: boolean }): SharpPipeline;
	flatten(options: { background: string }): SharpPipeline;
	jpeg(options: { quality: number }): SharpPipeline;
	webp(options: { quality: number }): SharpPipeline;
	png(options: { palette: boolean }): SharpPipeline;
	gif(): SharpPipeline;
	toBuffer(options: { resolveWithObject: true }): Promise<{ data: Buffer; info: SharpOutputInfo }>;
}
export type SharpFactory = (input: Buffer, options?: SharpInputOptions) => SharpPipeline;

let sharpModule: SharpFactory | undefined;

export function loadSharp(): SharpFactory {
	if (sharpModule) return sharpModule;
	let loaded: unknown;
	let failure: unknown;
	try {
		// Lazy on purpose: sharp is optional and only needed when this option is on.
		loaded = require('sharp');
	} catch (error) {
		failure = error;
	}
	if (typeof loaded === 'function') {
		sharpModule = loaded as SharpFactory;
		return sharpModule;
	}
	const code = (failure as { code?: unknown } | undefined)?.code;
	const missing = code === 'MODULE_NOT_FOUND' && /['"]sharp['"]/.test(firstLineOf(failure));
	const install = `cd ~/.n8n/nodes && npm install sharp@${SHARP_VERSION_RANGE}`;
	const hint =
		`Install it where n8n keeps community nodes and restart n8n: \`${install}\` ` +
		`(Docker: \`docker exec -u node <container> sh -c "${install}"\`; in queue mode on every worker too). ` +
		"n8n's Community Nodes installer skips optional dependencies, so it is not installed with this node. " +
		'Or set the image size limit to 0 and the format to "keep" to turn this option off.';
	throw new InputError(
		missing
			? 'Resizing images needs the "sharp" package, which is not installed'
			: `Resizing images needs the "sharp" package, which failed to load: ${firstLineOf(failure ?? 'unexpected export')}`,
		missing ? hint : `${hint} If it is installed, it may be the build for another platform (glibc vs musl/Alpine, x64 vs arm64): reinstall it on the machine that runs n8n.`,
	);
}

export function firstLineOf(error: unknown): string {
	const message = error instanceof Error ? error.message : String(error);
	return message.split('\n')[0].slice(0, 200);
}
