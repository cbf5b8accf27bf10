/**
 * Optional downscaling / re-encoding of images before they are sent.
 *
 * The image library (sharp) is an optional dependency and is loaded lazily, only when an
 * image actually has to be decoded, so the node loads and runs without it while the option
 * is off. Cheap checks come first: animated GIF/WebP/PNG and images already within the limit
 * (when no re-encoding is asked for) are recognised from their headers and never decoded.
 */
import { InlineImage } from '../../stream/request/body';
import { sniffType } from '../imageType';
import { InputError } from '../../helpers/inputError';
import { longEdge, readImageHeader } from './imageHeader';
import { firstLineOf, loadSharp, type SharpInputOptions, type SharpMetadata, type SharpOutputInfo } from './sharp';

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
	if (!metadata) return unchanged(`could not be read as an image (${firstLineOf(failure)}), sent as is`);
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
	if (!result) return unchanged(`could not be converted (${firstLineOf(failure)}), sent as is`);

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


/* ---------------------------------------------------------------- header probe ---------- */
