'use strict';
/**
 * Small valid PNG files for fixtures, built in memory (RGB, no filter).
 *
 *   makePng(width, height, [r, g, b])  a plain colour
 *   pngFor(seed) -> { bytes, sha, mime }  a 24x24 picture different for every seed (pixels and a
 *                                        tEXt chunk); sha: the first 16 hex digits of its SHA-256
 *   pngSize(bytes) -> { width, height } | undefined
 */
const zlib = require('zlib');
const crypto = require('crypto');

const CRC_TABLE = (() => {
	const table = new Uint32Array(256);
	for (let n = 0; n < 256; n++) {
		let c = n;
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		table[n] = c >>> 0;
	}
	return table;
})();

function crc32(buffer) {
	let c = 0xffffffff;
	for (const byte of buffer) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
	return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type, data) {
	const length = Buffer.alloc(4);
	length.writeUInt32BE(data.length);
	const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
	const crc = Buffer.alloc(4);
	crc.writeUInt32BE(crc32(body));
	return Buffer.concat([length, body, crc]);
}

/** A PNG of RGB rows: pixel(x, y) -> [r, g, b]; extra chunks go before the image data. */
function encodePng(width, height, pixel, extraChunks = []) {
	const header = Buffer.alloc(13);
	header.writeUInt32BE(width, 0);
	header.writeUInt32BE(height, 4);
	header[8] = 8; // bit depth
	header[9] = 2; // colour type: RGB
	const raw = Buffer.alloc(height * (1 + width * 3));
	for (let y = 0; y < height; y++) {
		const row = y * (1 + width * 3); // filter byte 0: none
		for (let x = 0; x < width; x++) raw.set(pixel(x, y).map((v) => v & 0xff), row + 1 + x * 3);
	}
	return Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		pngChunk('IHDR', header),
		...extraChunks,
		pngChunk('IDAT', zlib.deflateSync(raw)),
		pngChunk('IEND', Buffer.alloc(0)),
	]);
}

const makePng = (width, height, rgb) => encodePng(width, height, () => rgb);

function pngFor(seed) {
	const r = crypto.createHash('sha256').update(`queue-image-${seed}`).digest();
	const comment = pngChunk('tEXt', Buffer.from(`Comment\0queue test image ${seed}`, 'latin1'));
	const bytes = encodePng(24, 24, (x, y) => [r[0] + x * r[1], r[2] + y * r[3], r[4] + (x ^ y) * r[5]], [comment]);
	return { bytes, sha: crypto.createHash('sha256').update(bytes).digest('hex').slice(0, 16), mime: 'image/png' };
}

function pngSize(bytes) {
	if (bytes.length < 24 || bytes.readUInt32BE(0) !== 0x89504e47 || bytes.toString('ascii', 12, 16) !== 'IHDR') return undefined;
	return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

module.exports = { makePng, pngFor, pngSize, crc32 };
