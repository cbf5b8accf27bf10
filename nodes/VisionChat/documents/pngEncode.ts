import { promisify } from 'node:util';
import { crc32, deflate } from 'node:zlib';

const deflateAsync = promisify(deflate);
const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * A rendered page (RGBA, as PDFium paints it) as a PNG, compressed by Node's own zlib on its
 * thread pool: no image library to install. A page whose pixels are all grey is written as
 * greyscale (text pages become about three times smaller); the "Up" filter suits page images,
 * whose rows mostly repeat the row above.
 */
export async function encodePng(rgba: Uint8Array, width: number, height: number): Promise<Buffer> {
	const channels = isGrey(rgba) ? 1 : 3;
	const stride = width * channels;
	const raw = Buffer.alloc((stride + 1) * height);
	for (let y = 0; y < height; y++) {
		const rowStart = y * (stride + 1);
		raw[rowStart] = 2; // filter: Up
		let source = y * width * 4;
		let target = rowStart + 1;
		if (channels === 1) {
			for (let x = 0; x < width; x++, source += 4) raw[target++] = rgba[source];
		} else {
			for (let x = 0; x < width; x++, source += 4) {
				raw[target++] = rgba[source];
				raw[target++] = rgba[source + 1];
				raw[target++] = rgba[source + 2];
			}
		}
	}
	upFilter(raw, stride, height);
	const header = Buffer.alloc(13);
	header.writeUInt32BE(width, 0);
	header.writeUInt32BE(height, 4);
	header[8] = 8; // bit depth
	header[9] = channels === 1 ? 0 : 2; // colour type: grey or RGB
	const idat = await deflateAsync(raw, { level: 6 });
	return Buffer.concat([SIGNATURE, chunk('IHDR', header), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

function isGrey(rgba: Uint8Array): boolean {
	for (let i = 0; i < rgba.length; i += 4) if (rgba[i] !== rgba[i + 1] || rgba[i] !== rgba[i + 2]) return false;
	return true;
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
