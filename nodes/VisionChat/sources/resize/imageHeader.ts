/** Width, height, format and animation read from an image's first bytes, without decoding it. */
import { sniffType } from '../imageType';

export interface ImageHeader {
	format: 'png' | 'jpeg' | 'gif' | 'webp';
	/** As stored; EXIF orientation may swap them, which does not change the long edge. */
	width: number;
	height: number;
	animated: boolean;
}

export function longEdge(header: ImageHeader): number {
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
