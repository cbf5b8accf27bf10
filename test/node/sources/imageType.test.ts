import { sniffType } from '../../../nodes/VisionChat/sources/imageType';

describe('image type from bytes', () => {
	it.each([
		[[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'image/png', true],
		[[0xff, 0xd8, 0xff, 0xe0], 'image/jpeg', true],
		[[...Buffer.from('GIF89a')], 'image/gif', true],
		[[...Buffer.from('RIFF\0\0\0\0WEBPVP8 ')], 'image/webp', true],
		[[...Buffer.from('%PDF-1.7')], 'application/pdf', false],
	])('%j is %s', (bytes, mimeType, isImage) => {
		expect(sniffType(Uint8Array.from(bytes))).toEqual({ mimeType, isImage });
	});

	it('does not know random bytes', () => {
		expect(sniffType(Uint8Array.from([1, 2, 3, 4]))).toBeUndefined();
	});
});
