/** Image formats recognised from their first bytes; file names and declared types lie. */

export interface SniffedType {
	mimeType: string;
	isImage: boolean;
}

function startsWith(bytes: Uint8Array, signature: number[], offset = 0): boolean {
	if (bytes.length < offset + signature.length) return false;
	for (let i = 0; i < signature.length; i++) if (bytes[offset + i] !== signature[i]) return false;
	return true;
}

function ascii(bytes: Uint8Array, offset: number, length: number): string {
	return String.fromCharCode(...bytes.subarray(offset, offset + length));
}

export function sniffType(bytes: Uint8Array): SniffedType | undefined {
	if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { mimeType: 'image/png', isImage: true };
	if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { mimeType: 'image/jpeg', isImage: true };
	if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a') return { mimeType: 'image/gif', isImage: true };
	if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') return { mimeType: 'image/webp', isImage: true };
	if (ascii(bytes, 4, 4) === 'ftyp') {
		const brand = ascii(bytes, 8, 4);
		if (brand === 'avif' || brand === 'avis') return { mimeType: 'image/avif', isImage: true };
		if (['heic', 'heix', 'hevc', 'heim', 'heis', 'mif1', 'msf1'].includes(brand)) return { mimeType: 'image/heic', isImage: true };
		return { mimeType: 'video/mp4', isImage: false };
	}
	if (startsWith(bytes, [0x42, 0x4d]) && bytes.length > 14) return { mimeType: 'image/bmp', isImage: true };
	if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return { mimeType: 'image/tiff', isImage: true };
	if (ascii(bytes, 0, 5) === '%PDF-') return { mimeType: 'application/pdf', isImage: false };
	if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) return { mimeType: 'application/zip', isImage: false };
	const head = ascii(bytes, 0, Math.min(bytes.length, 256)).trimStart().toLowerCase();
	if (head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg'))) return { mimeType: 'image/svg+xml', isImage: false };
	if (head.startsWith('<!doctype html') || head.startsWith('<html')) return { mimeType: 'text/html', isImage: false };
	return undefined;
}
