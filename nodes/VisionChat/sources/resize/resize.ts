/**
 * Optional downscaling / re-encoding of images before they are sent (issue 7).
 *
 * The image library (sharp) is an optional dependency and is loaded lazily, only when an
 * image actually has to be decoded, so the node loads and runs without it while the option
 * is off. Cheap checks come first: animated GIF/WebP/PNG and images already within the limit
 * (when no re-encoding is asked for) are recognised from their headers and never decoded.
 */
import { InlineImage } from '../../stream/request/body';
import { sniffType } from '../imageType';
import { InputError } from '../../helpers/inputError';

export interface ResizeOptions {
	/** Longest allowed edge in pixels; 0 = do not downscale. */
	maxEdge: number;
	/** 'keep' = keep the format (re-encode only if downscaled); 'jpeg' / 'webp' = always re-encode. */
	format: 'keep' | 'jpeg' | 'webp';
	/** 1-100, for JPEG and WebP output. */
	quality: number;
}

export interface ResizeOutcome {
	image: InlineImage;
	bytesBefore: number;
	bytesAfter: number;
	resized: boolean;
	/** What was done, or why nothing was, for the item's report. */
	note?: string;
}

/** The sharp release range this package is tested with; keep in step with package.json. */
export const SHARP_VERSION_RANGE = '^0.35.5';

/** True when the options ask for any work at all (the option's off state is maxEdge 0, 'keep'). */
export function resizeRequested(options: ResizeOptions): boolean {
	return options.maxEdge > 0 || options.format !== 'keep';
}

export async function resizeImage(image: InlineImage, options: ResizeOptions): Promise<ResizeOutcome> {
	checkOptions(options);
	const bytes = image.data;
	const bytesBefore = bytes.byteLength;
	const unchanged = (note?: string): ResizeOutcome => ({ image, bytesBefore, bytesAfter: bytesBefore, resized: false, note });
	if (!resizeRequested(options)) return unchanged();

	const sniffed = sniffType(bytes);
	if (!sniffed?.isImage) return unchanged(`not a raster image (${sniffed?.mimeType ?? 'unknown type'}), sent as is`);
	const inputMime = sniffed.mimeType;

	const header = readImageHeader(bytes);
	if (header?.animated) return unchanged(`animated ${formatName(inputMime)} left unchanged`);
	if (header && options.format === 'keep' && longEdge(header) <= options.maxEdge) {
		return unchanged(`${header.width}×${header.height} is within ${options.maxEdge} px, sent as is`);
	}

	const sharp = loadSharp();
	const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const inputOptions: SharpInputOptions = { failOn: 'error' };

	let metadata: SharpMetadata | undefined;
	let failure: unknown;
	try {
		metadata = await sharp(input, inputOptions).metadata();
	} catch (error) {
		failure = error;
	}
	if (!metadata) return unchanged(`could not be read as an image (${describe(failure)}), sent as is`);
	if ((metadata.pages ?? 1) > 1 && (metadata.format === 'gif' || metadata.format === 'webp')) {
		return unchanged(`animated ${formatName(inputMime)} left unchanged`);
	}

	const width = metadata.autoOrient?.width ?? metadata.width;
	const height = metadata.autoOrient?.height ?? metadata.height;
	const shrink = options.maxEdge > 0 && Math.max(width, height) > options.maxEdge;
	if (!shrink && options.format === 'keep') return unchanged(`${width}×${height} is within ${options.maxEdge} px, sent as is`);

	const output = outputFormat(options.format, inputMime, metadata.hasAlpha);
	let pipeline = sharp(input, inputOptions).rotate(); // apply EXIF orientation, then drop the tag
	if (shrink) {
		pipeline = pipeline.resize({ width: options.maxEdge, height: options.maxEdge, fit: 'inside', withoutEnlargement: true });
	}
	switch (output) {
		case 'image/jpeg':
			if (metadata.hasAlpha) pipeline = pipeline.flatten({ background: '#ffffff' }); // JPEG has no alpha
			pipeline = pipeline.jpeg({ quality: options.quality });
			break;
		case 'image/webp':
			pipeline = pipeline.webp({ quality: options.quality });
			break;
		case 'image/png':
			pipeline = pipeline.png({ palette: metadata.isPalette === true });
			break;
		case 'image/gif':
			pipeline = pipeline.gif();
			break;
	}

	let result: { data: Buffer; info: SharpOutputInfo } | undefined;
	try {
		result = await pipeline.toBuffer({ resolveWithObject: true });
	} catch (error) {
		failure = error;
	}
	if (!result) return unchanged(`could not be converted (${describe(failure)}), sent as is`);

	const { data, info } = result;
	if (!shrink && output === inputMime && data.byteLength >= bytesBefore) {
		return unchanged(`re-encoding as ${formatName(output)} would not make it smaller, sent as is`);
	}
	const what = `${width}×${height} ${formatName(inputMime)} → ${info.width}×${info.height} ${formatName(output)}`;
	return {
		image: new InlineImage(output, data),
		bytesBefore,
		bytesAfter: data.byteLength,
		resized: shrink,
		note: `${what}, ${bytesBefore} → ${data.byteLength} bytes`,
	};
}

function checkOptions(options: ResizeOptions): void {
	const { maxEdge, format, quality } = options;
	if (!Number.isInteger(maxEdge) || maxEdge < 0) {
		throw new InputError(`Max image edge must be a whole number of pixels, 0 for no limit (got ${String(maxEdge)})`);
	}
	if (maxEdge > 0 && maxEdge < 16) throw new InputError(`Max image edge ${maxEdge} px is too small`, 'Use at least 16 px, e.g. 1568 or 2048, or 0 for no limit');
	if (format !== 'keep' && format !== 'jpeg' && format !== 'webp') {
		throw new InputError(`Unknown image format "${String(format)}"`, 'Use keep, jpeg or webp');
	}
	if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
		throw new InputError(`Image quality must be a whole number from 1 to 100 (got ${String(quality)})`);
	}
}

type OutputMime = 'image/jpeg' | 'image/webp' | 'image/png' | 'image/gif';

function outputFormat(format: ResizeOptions['format'], inputMime: string, hasAlpha: boolean): OutputMime {
	if (format === 'jpeg') return 'image/jpeg';
	if (format === 'webp') return 'image/webp';
	if (inputMime === 'image/jpeg' || inputMime === 'image/png' || inputMime === 'image/webp' || inputMime === 'image/gif') return inputMime;
	// 'keep' for a format vision APIs rarely take (TIFF, BMP, AVIF, HEIC): the closest common one.
	return hasAlpha ? 'image/png' : 'image/jpeg';
}

function formatName(mime: string): string {
	return mime.replace(/^image\//, '').toUpperCase();
}

function describe(error: unknown): string {
	const message = error instanceof Error ? error.message : String(error);
	return message.split('\n')[0].slice(0, 200);
}

/* ---------------------------------------------------------------- header probe ---------- */

export interface ImageHeader {
	format: 'png' | 'jpeg' | 'gif' | 'webp';
	/** As stored; EXIF orientation may swap them, which does not change the long edge. */
	width: number;
	height: number;
	animated: boolean;
}

function longEdge(header: ImageHeader): number {
	return Math.max(header.width, header.height);
}

/**
 * Width, height and animation of PNG, JPEG, GIF and WebP, read from the header alone
 * (no pixel data decoded, no library needed). Undefined for other formats or odd files.
 */
export function readImageHeader(bytes: Uint8Array): ImageHeader | undefined {
	const type = sniffType(bytes)?.mimeType;
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	let header: ImageHeader | undefined;
	if (type === 'image/png') header = pngHeader(bytes, view);
	else if (type === 'image/jpeg') header = jpegHeader(bytes, view);
	else if (type === 'image/gif') header = gifHeader(bytes, view);
	else if (type === 'image/webp') header = webpHeader(bytes, view);
	return header && header.width > 0 && header.height > 0 ? header : undefined;
}

const tag = (bytes: Uint8Array, offset: number): string => String.fromCharCode(bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3]);

function pngHeader(bytes: Uint8Array, view: DataView): ImageHeader | undefined {
	if (bytes.length < 24 || tag(bytes, 12) !== 'IHDR') return undefined;
	const width = view.getUint32(16);
	const height = view.getUint32(20);
	// APNG: an acTL chunk somewhere before the first IDAT.
	let animated = false;
	for (let offset = 8; offset + 8 <= bytes.length; ) {
		const length = view.getUint32(offset);
		const name = tag(bytes, offset + 4);
		if (name === 'acTL') animated = true;
		if (name === 'IDAT' || name === 'IEND' || animated) break;
		offset += 12 + length;
	}
	return { format: 'png', width, height, animated };
}

function jpegHeader(bytes: Uint8Array, view: DataView): ImageHeader | undefined {
	let offset = 2;
	while (offset + 4 <= bytes.length) {
		if (bytes[offset] !== 0xff) return undefined;
		const marker = bytes[offset + 1];
		if (marker === 0xff) {
			offset++; // fill byte
			continue;
		}
		if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
			offset += 2; // standalone markers carry no length
			continue;
		}
		if (marker === 0xd9 || marker === 0xda) return undefined; // end / scan before any frame header
		const length = view.getUint16(offset + 2);
		const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
		if (isFrame) {
			if (offset + 9 > bytes.length) return undefined;
			return { format: 'jpeg', height: view.getUint16(offset + 5), width: view.getUint16(offset + 7), animated: false };
		}
		offset += 2 + length;
	}
	return undefined;
}

function gifHeader(bytes: Uint8Array, view: DataView): ImageHeader | undefined {
	if (bytes.length < 13) return undefined;
	const width = view.getUint16(6, true);
	const height = view.getUint16(8, true);
	const flags = bytes[10];
	let offset = 13 + (flags & 0x80 ? 3 * 2 ** ((flags & 7) + 1) : 0);
	let frames = 0;
	const skipSubBlocks = () => {
		while (offset < bytes.length && bytes[offset] !== 0) offset += bytes[offset] + 1;
		offset++; // block terminator
	};
	while (offset < bytes.length && frames < 2) {
		const introducer = bytes[offset];
		if (introducer === 0x21) {
			offset += 2; // introducer, label
			skipSubBlocks();
		} else if (introducer === 0x2c) {
			frames++;
			if (offset + 10 > bytes.length) break;
			const local = bytes[offset + 9];
			offset += 10 + (local & 0x80 ? 3 * 2 ** ((local & 7) + 1) : 0);
			offset++; // LZW minimum code size
			skipSubBlocks();
		} else {
			break; // trailer (0x3b) or garbage
		}
	}
	return { format: 'gif', width, height, animated: frames > 1 };
}

function webpHeader(bytes: Uint8Array, view: DataView): ImageHeader | undefined {
	if (bytes.length < 30) return undefined;
	const chunk = tag(bytes, 12);
	if (chunk === 'VP8X') {
		const animated = (bytes[20] & 0x02) !== 0;
		const width = 1 + (bytes[24] | (bytes[25] << 8) | (bytes[26] << 16));
		const height = 1 + (bytes[27] | (bytes[28] << 8) | (bytes[29] << 16));
		return { format: 'webp', width, height, animated };
	}
	if (chunk === 'VP8 ') {
		if (bytes[23] !== 0x9d || bytes[24] !== 0x01 || bytes[25] !== 0x2a) return undefined;
		return { format: 'webp', width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff, animated: false };
	}
	if (chunk === 'VP8L') {
		if (bytes[20] !== 0x2f) return undefined;
		const bits = view.getUint32(21, true);
		return { format: 'webp', width: 1 + (bits & 0x3fff), height: 1 + ((bits >>> 14) & 0x3fff), animated: false };
	}
	return undefined;
}

/* ---------------------------------------------------------------- sharp, lazily --------- */

// The slice of sharp's API used here, declared locally so this file compiles without sharp.
type SharpInputOptions = { failOn?: 'none' | 'truncated' | 'error' | 'warning' };
interface SharpMetadata {
	format?: string;
	width: number;
	height: number;
	autoOrient?: { width: number; height: number };
	pages?: number;
	hasAlpha: boolean;
	isPalette?: boolean;
}
interface SharpOutputInfo {
	width: number;
	height: number;
	size: number;
	format: string;
}
interface SharpPipeline {
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
type SharpFactory = (input: Buffer, options?: SharpInputOptions) => SharpPipeline;

let sharpModule: SharpFactory | undefined;

function loadSharp(): SharpFactory {
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
	const missing = code === 'MODULE_NOT_FOUND' && /['"]sharp['"]/.test(describe(failure));
	const install = `cd ~/.n8n/nodes && npm install sharp@${SHARP_VERSION_RANGE}`;
	const hint =
		`Install it where n8n keeps community nodes and restart n8n: \`${install}\` ` +
		`(Docker: \`docker exec -u node <container> sh -c "${install}"\`; in queue mode on every worker too). ` +
		"n8n's Community Nodes installer skips optional dependencies, so it is not installed with this node. " +
		'Or set the image size limit to 0 and the format to "keep" to turn this option off.';
	throw new InputError(
		missing
			? 'Resizing images needs the "sharp" package, which is not installed'
			: `Resizing images needs the "sharp" package, which failed to load: ${describe(failure ?? 'unexpected export')}`,
		missing ? hint : `${hint} If it is installed, it may be the build for another platform (glibc vs musl/Alpine, x64 vs arm64): reinstall it on the machine that runs n8n.`,
	);
}
