/**
 * JPEG for rendered pages when the user asks for it (scans compress better as JPEG). jpeg-js
 * is pure JavaScript (BSD-3-Clause): slower than a native encoder, but it needs no install step.
 */
export function encodeJpeg(bgra: Uint8Array, width: number, height: number, quality: number): Buffer {
	const { encode } = require('jpeg-js') as { encode(image: { data: Uint8Array; width: number; height: number }, quality: number): { data: Buffer } };
	const rgba = Buffer.allocUnsafe(bgra.length);
	for (let i = 0; i < bgra.length; i += 4) {
		rgba[i] = bgra[i + 2];
		rgba[i + 1] = bgra[i + 1];
		rgba[i + 2] = bgra[i];
		rgba[i + 3] = 255;
	}
	return encode({ data: rgba, width, height }, quality).data;
}
