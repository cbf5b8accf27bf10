import sharp from 'sharp';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InlineImage } from '../../../nodes/VisionChat/stream/request/body';
import { resizeImage, resizeRequested, type ResizeOptions } from '../../../nodes/VisionChat/sources/resize/resize';
import { readImageHeader } from '../../../nodes/VisionChat/sources/resize/imageHeader';
import { SHARP_VERSION_RANGE } from '../../../nodes/VisionChat/sources/resize/sharp';

type RGBA = [number, number, number, number];
type Pipeline = ReturnType<typeof sharp>;

/** A width×height image: left half `left`, right half `right` (RGBA). */
function halves(width: number, height: number, left: RGBA, right: RGBA): Pipeline {
	const raw = Buffer.alloc(width * height * 4);
	for (let y = 0; y < height; y++) {
		for (let x = 0; x < width; x++) raw.set(x < width / 2 ? left : right, (y * width + x) * 4);
	}
	return sharp(raw, { raw: { width, height, channels: 4 } });
}

/** Noisy RGB, so JPEGs have a realistic size. */
function noisy(width: number, height: number): Pipeline {
	const raw = Buffer.alloc(width * height * 3);
	let seed = 1;
	for (let i = 0; i < raw.length; i++) {
		seed = (seed * 1103515245 + 12345) & 0x7fffffff;
		raw[i] = ((i / 3) % width) * (200 / width) + (seed % 40);
	}
	return sharp(raw, { raw: { width, height, channels: 3 } });
}

async function pixel(data: Uint8Array, x: number, y: number): Promise<number[]> {
	const { data: raw, info } = await sharp(data).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
	const at = (y * info.width + x) * 4;
	return [...raw.subarray(at, at + 4)];
}

const near = (actual: number[], expected: number[], tolerance = 12) => actual.every((v, i) => Math.abs(v - expected[i]) <= tolerance);

const RED: RGBA = [255, 0, 0, 255];
const BLUE: RGBA = [0, 0, 255, 255];
const CLEAR: RGBA = [0, 0, 0, 0];

async function animated(format: 'gif' | 'webp', width: number, height: number): Promise<Buffer> {
	const frames = [await halves(width, height, RED, BLUE).png().toBuffer(), await halves(width, height, BLUE, RED).png().toBuffer()];
	const joined = sharp(frames, { join: { animated: true } });
	return format === 'gif' ? joined.gif({ delay: [100, 100] }).toBuffer() : joined.webp({ delay: [100, 100] }).toBuffer();
}

const opts = (maxEdge: number, format: ResizeOptions['format'] = 'keep', quality = 80): ResizeOptions => ({ maxEdge, format, quality });

describe('resizeImage', () => {
	it('downscales a large JPEG to the long edge, applying EXIF orientation first', async () => {
		// Stored 3000×2000, left red / right blue; orientation 6 = shown rotated 90° clockwise,
		// i.e. 2000×3000 with red on top.
		const input = await halves(3000, 2000, RED, BLUE).jpeg({ quality: 90 }).withMetadata({ orientation: 6 }).toBuffer();
		expect((await sharp(input).metadata()).orientation).toBe(6);
		const out = await resizeImage(new InlineImage('image/jpeg', input), opts(1500, 'keep', 85));

		expect(out.resized).toBe(true);
		expect(out.image.mimeType).toBe('image/jpeg');
		const meta = await sharp(out.image.data).metadata();
		expect(meta.format).toBe('jpeg');
		expect([meta.width, meta.height]).toEqual([1000, 1500]);
		expect(meta.orientation ?? 1).toBe(1);
		expect(near(await pixel(out.image.data, 500, 100), [255, 0, 0, 255], 40)).toBe(true);
		expect(near(await pixel(out.image.data, 500, 1400), [0, 0, 255, 255], 40)).toBe(true);

		expect(out.bytesBefore).toBe(input.length);
		expect(out.bytesAfter).toBe(out.image.data.byteLength);
		expect(out.bytesAfter).toBeLessThan(out.bytesBefore);
		expect(out.note).toContain('2000×3000 JPEG → 1000×1500 JPEG');
	});

	it('re-encodes a large PNG as WebP at the long edge, landscape', async () => {
		const input = await noisy(2600, 1300).png().toBuffer();
		const out = await resizeImage(new InlineImage('image/png', input), opts(1568, 'webp', 70));
		const meta = await sharp(out.image.data).metadata();
		expect(out.image.mimeType).toBe('image/webp');
		expect(meta.format).toBe('webp');
		expect([meta.width, meta.height]).toEqual([1568, 784]);
		expect(out.resized).toBe(true);
		expect(out.bytesAfter).toBe(out.image.data.byteLength);
		expect(out.bytesAfter).toBeLessThan(out.bytesBefore);
	});

	it('re-encodes a small image when asked to, without upscaling', async () => {
		const input = await noisy(640, 480).png().toBuffer();
		const out = await resizeImage(new InlineImage('image/png', input), opts(2048, 'jpeg', 75));
		const meta = await sharp(out.image.data).metadata();
		expect(out.resized).toBe(false);
		expect(out.image.mimeType).toBe('image/jpeg');
		expect(meta.format).toBe('jpeg');
		expect([meta.width, meta.height]).toEqual([640, 480]);
		expect(out.bytesAfter).toBeLessThan(out.bytesBefore);

		// maxEdge 0 = no size limit, format only
		const noLimit = await resizeImage(new InlineImage('image/png', input), opts(0, 'webp', 75));
		expect(noLimit.image.mimeType).toBe('image/webp');
		expect((await sharp(noLimit.image.data).metadata()).width).toBe(640);
	});

	it('keeps PNG transparency when the format is kept', async () => {
		const input = await halves(3000, 1500, CLEAR, RED).png().toBuffer();
		const out = await resizeImage(new InlineImage('image/png', input), opts(1000));
		const meta = await sharp(out.image.data).metadata();
		expect(out.image.mimeType).toBe('image/png');
		expect(meta.format).toBe('png');
		expect(meta.hasAlpha).toBe(true);
		expect([meta.width, meta.height]).toEqual([1000, 500]);
		expect((await pixel(out.image.data, 100, 250))[3]).toBe(0);
		expect(await pixel(out.image.data, 900, 250)).toEqual([255, 0, 0, 255]);
	});

	it('keeps transparency in WebP and flattens it onto white in JPEG', async () => {
		const input = await halves(400, 200, CLEAR, RED).png().toBuffer();
		const webp = await resizeImage(new InlineImage('image/png', input), opts(0, 'webp', 90));
		expect((await sharp(webp.image.data).metadata()).hasAlpha).toBe(true);
		expect((await pixel(webp.image.data, 50, 100))[3]).toBe(0);

		const jpeg = await resizeImage(new InlineImage('image/png', input), opts(0, 'jpeg', 90));
		expect((await sharp(jpeg.image.data).metadata()).hasAlpha).toBe(false);
		expect(near(await pixel(jpeg.image.data, 50, 100), [255, 255, 255, 255])).toBe(true);
	});

	it.each(['gif', 'webp'] as const)('leaves an animated %s alone, however large', async (format) => {
		const input = await animated(format, 2400, 300);
		expect((await sharp(input, { pages: -1 }).metadata()).pages).toBe(2);
		const image = new InlineImage(`image/${format}`, input);
		for (const options of [opts(1024), opts(1024, 'jpeg'), opts(0, 'webp')]) {
			const out = await resizeImage(image, options);
			expect(out.image).toBe(image);
			expect(out.resized).toBe(false);
			expect(out.bytesAfter).toBe(input.length);
			expect(out.bytesBefore).toBe(input.length);
			expect(out.note).toMatch(/^animated (GIF|WEBP) left unchanged$/);
		}
	});

	it('downscales a static GIF and keeps it a GIF', async () => {
		const input = await halves(3000, 600, RED, BLUE).gif().toBuffer();
		const out = await resizeImage(new InlineImage('image/gif', input), opts(1500));
		const meta = await sharp(out.image.data).metadata();
		expect(out.image.mimeType).toBe('image/gif');
		expect([meta.format, meta.width, meta.height]).toEqual(['gif', 1500, 300]);
	});

	it('leaves an image within the limit alone when the format is kept', async () => {
		const input = await noisy(1200, 900).jpeg({ quality: 80 }).toBuffer();
		const image = new InlineImage('image/jpeg', input);
		const out = await resizeImage(image, opts(2048));
		expect(out.image).toBe(image);
		expect(out).toMatchObject({ resized: false, bytesBefore: input.length, bytesAfter: input.length });
		expect(out.note).toContain('within 2048 px');
	});

	it('does nothing when the option is off', async () => {
		const input = await noisy(3000, 2000).jpeg().toBuffer();
		const image = new InlineImage('image/jpeg', input);
		expect(resizeRequested(opts(0))).toBe(false);
		const out = await resizeImage(image, opts(0, 'keep', 85));
		expect(out).toEqual({ image, bytesBefore: input.length, bytesAfter: input.length, resized: false, note: undefined });
	});

	it('keeps the original when re-encoding in the same format would only make it bigger', async () => {
		const input = await noisy(500, 400).jpeg({ quality: 40 }).toBuffer();
		const image = new InlineImage('image/jpeg', input);
		const out = await resizeImage(image, opts(0, 'jpeg', 100));
		expect(out.image).toBe(image);
		expect(out.bytesAfter).toBe(input.length);
		expect(out.note).toContain('would not make it smaller');
	});

	it('turns formats that APIs rarely take into JPEG when downscaling with "keep"', async () => {
		const input = await noisy(3000, 2000).tiff().toBuffer();
		const out = await resizeImage(new InlineImage('image/tiff', input), opts(1200));
		const meta = await sharp(out.image.data).metadata();
		expect(out.image.mimeType).toBe('image/jpeg');
		expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 1200, 800]);
	});

	it('sends non-images and undecodable images as they are', async () => {
		const svg = new InlineImage('image/svg+xml', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="4000" height="10"/>'));
		const out = await resizeImage(svg, opts(1024, 'jpeg'));
		expect(out.image).toBe(svg);
		expect(out.note).toMatch(/not a raster image/);

		const broken = Buffer.from(await noisy(3000, 2000).jpeg().toBuffer()).subarray(0, 2000);
		const truncated = new InlineImage('image/jpeg', broken);
		const result = await resizeImage(truncated, opts(1024));
		expect(result.image).toBe(truncated);
		expect(result.resized).toBe(false);
		expect(result.note).toMatch(/^could not be (read|converted)/);
	});

	it('rejects bad options', async () => {
		const image = new InlineImage('image/png', await noisy(10, 10).png().toBuffer());
		await expect(resizeImage(image, opts(-1))).rejects.toThrow(/whole number of pixels/);
		await expect(resizeImage(image, opts(1.5))).rejects.toThrow(/whole number of pixels/);
		await expect(resizeImage(image, opts(8))).rejects.toThrow(/too small/);
		await expect(resizeImage(image, opts(1024, 'jpeg', 0))).rejects.toThrow(/quality/);
		await expect(resizeImage(image, opts(1024, 'jpeg', 101))).rejects.toThrow(/quality/);
		await expect(resizeImage(image, { maxEdge: 1024, format: 'avif' as 'jpeg', quality: 80 })).rejects.toThrow(/Unknown image format/);
	});
});

describe('readImageHeader', () => {
	it.each([
		['png', () => noisy(1234, 567).png()],
		['jpeg', () => noisy(1234, 567).jpeg()],
		['progressive jpeg', () => noisy(1234, 567).jpeg({ progressive: true })],
		['gif', () => noisy(1234, 567).gif()],
		['lossy webp', () => noisy(1234, 567).webp()],
		['lossless webp', () => noisy(1234, 567).webp({ lossless: true })],
		['webp with alpha (VP8X)', () => halves(1234, 567, CLEAR, RED).webp()],
	])('reads the size of a %s without decoding it', async (_name, make) => {
		const header = readImageHeader(await make().toBuffer());
		expect(header).toMatchObject({ width: 1234, height: 567, animated: false });
	});

	it('spots animation in GIF, WebP and APNG', async () => {
		expect(readImageHeader(await animated('gif', 64, 32))).toMatchObject({ format: 'gif', width: 64, height: 32, animated: true });
		expect(readImageHeader(await animated('webp', 64, 32))).toMatchObject({ format: 'webp', width: 64, height: 32, animated: true });
		// A minimal APNG: signature, IHDR, then an acTL chunk before any IDAT.
		const png = await noisy(20, 10).png().toBuffer();
		const acTL = Buffer.from([0, 0, 0, 8, 0x61, 0x63, 0x54, 0x4c, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
		const apng = Buffer.concat([png.subarray(0, 33), acTL, png.subarray(33)]);
		expect(readImageHeader(apng)).toMatchObject({ format: 'png', width: 20, height: 10, animated: true });
	});

	it('returns undefined for other formats and garbage', async () => {
		expect(readImageHeader(await noisy(20, 10).tiff().toBuffer())).toBeUndefined();
		expect(readImageHeader(Buffer.from([0xff, 0xd8, 0xff, 0xd9]))).toBeUndefined();
		expect(readImageHeader(Buffer.from('hello'))).toBeUndefined();
	});
});

describe('without sharp', () => {
	afterEach(() => {
		jest.dontMock('sharp');
		jest.resetModules();
	});

	function loadWithSharp(factory: () => unknown): typeof import('../../../nodes/VisionChat/sources/resize/resize') {
		let mod: typeof import('../../../nodes/VisionChat/sources/resize/resize') | undefined;
		jest.isolateModules(() => {
			jest.doMock('sharp', factory);
			mod = require('../../../nodes/VisionChat/sources/resize/resize') as typeof import('../../../nodes/VisionChat/sources/resize/resize');
		});
		return mod!;
	}

	const notInstalled = () => {
		throw Object.assign(new Error("Cannot find module 'sharp' from 'nodes/VisionChat/resize.ts'"), { code: 'MODULE_NOT_FOUND' });
	};

	it('still handles the cases that need no decoding', async () => {
		const { resizeImage: resize } = loadWithSharp(notInstalled);
		const small = new InlineImage('image/png', await noisy(800, 600).png().toBuffer());
		expect((await resize(small, opts(2048))).image).toBe(small);
		const gif = new InlineImage('image/gif', await animated('gif', 3000, 100));
		expect((await resize(gif, opts(1024, 'jpeg'))).image).toBe(gif);
		const off = new InlineImage('image/jpeg', await noisy(3000, 2000).jpeg().toBuffer());
		expect((await resize(off, opts(0))).image).toBe(off);
	});

	it('says how to install it when it is needed', async () => {
		const { resizeImage: resize } = loadWithSharp(notInstalled);
		const big = new InlineImage('image/jpeg', await noisy(3000, 2000).jpeg().toBuffer());
		const error = await resize(big, opts(1024)).then(
			() => undefined,
			(e: unknown) => e as Error & { hint?: string },
		);
		expect(error?.name).toBe('InputError');
		expect(error?.message).toBe('Resizing images needs the "sharp" package, which is not installed');
		expect(error?.hint).toContain(`npm install sharp@${SHARP_VERSION_RANGE}`);
		expect(error?.hint).toContain('~/.n8n/nodes');
	});

	it('passes on why a broken install failed to load', async () => {
		const { resizeImage: resize } = loadWithSharp(() => {
			throw new Error('Could not load the "sharp" module using the linuxmusl-x64 runtime');
		});
		const big = new InlineImage('image/jpeg', await noisy(3000, 2000).jpeg().toBuffer());
		await expect(resize(big, opts(1024))).rejects.toThrow(/failed to load: Could not load the "sharp" module using the linuxmusl-x64 runtime/);
	});

	it('names the same sharp version range as package.json', () => {
		const pkg = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as { optionalDependencies?: Record<string, string> };
		expect(pkg.optionalDependencies?.sharp).toBe(SHARP_VERSION_RANGE);
	});
});
