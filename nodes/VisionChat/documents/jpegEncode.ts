/**
 * JPEG for rendered pages when the user asks for it (scans compress better as JPEG). jpeg-js
 * is pure JavaScript (BSD-3-Clause): slower than a native encoder, but it needs no install step.
 * PDFium paints RGBA, which is what jpeg-js takes.
 */
export function encodeJpeg(rgba: Uint8Array, width: number, height: number, quality: number): Buffer {
	const { encode } = require('jpeg-js') as { encode(image: { data: Uint8Array; width: number; height: number }, quality: number): { data: Buffer } };
	return encode({ data: rgba, width, height }, quality).data;
}
