import { promisify } from 'node:util';
import { crc32, deflate } from 'node:zlib';

const deflateAsync = promisify(deflate);
const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * A rendered page (BGRA, as PDFium paints it) as an RGB PNG, compressed by Node's own zlib
 * on its thread pool: no image library to install, and text pages compress very well.
 * The "Up" filter suits page images, whose rows mostly repeat the row above.
 */
export async function encodePng(bgra: Uint8Array, width: number, height: number): Promise<Buffer> {
	const stride = width * 3;
	const raw = Buffer.alloc((stride + 1) * height);
	for (let y = 0; y < height; y++) {
		const rowStart = y * (stride + 1);
		raw[rowStart] = 2; // filter: Up
		for (let x = 0; x < width; x++) {
			const source = (y * width + x) * 4;
			const target = rowStart + 1 + x * 3;
			raw[target] = bgra[source + 2];
			raw[target + 1] = bgra[source + 1];
			raw[target + 2] = bgra[source];
		}
	}
	upFilter(raw, stride, height);
	const header = Buffer.alloc(13);
	header.writeUInt32BE(width, 0);
	header.writeUInt32BE(height, 4);
	header[8] = 8; // bit depth
	header[9] = 2; // colour type: RGB
	const idat = await deflateAsync(raw, { level: 6 });
	return Buffer.concat([SIGNATURE, chunk('IHDR', header), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

/** Applies the Up filter in place, last row first, so each row still sees the unfiltered row above. */
function upFilter(raw: Buffer, stride: number, height: number): void {
	for (let y = height - 1; y >= 1; y--) {
		const row = y * (stride + 1) + 1;
		const above = row - (stride + 1);
		for (let i = 0; i < stride; i++) raw[row + i] = (raw[row + i] - raw[above + i]) & 0xff;
	}
}

function chunk(type: string, data: Buffer): Buffer {
	const out = Buffer.alloc(12 + data.length);
	out.writeUInt32BE(data.length, 0);
	out.write(type, 4, 'latin1');
	data.copy(out, 8);
	out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
	return out;
}
