import { parseImageUrls } from '../../../nodes/VisionChat/sources/urls';

describe('image URLs', () => {
	it('splits on commas and new lines without breaking data: URLs', () => {
		expect(parseImageUrls('https://a/1.png, https://a/2.png\ndata:image/png;base64,iVBORw0KGgo=')).toEqual([
			'https://a/1.png',
			'https://a/2.png',
			'data:image/png;base64,iVBORw0KGgo=',
		]);
	});

	it('accepts an array from an expression', () => {
		expect(parseImageUrls(['https://a/1.png'])).toEqual(['https://a/1.png']);
	});

	it.each([
		['not a url', /"not a url" in "Image URLs" is not a valid URL/],
		['ftp://host/x.png', /is not an http\(s\) or data: URL/],
		['data:text/plain;base64,aGk=', /is not a base64 image data URL/],
	])('refuses %s', (url, message) => {
		expect(() => parseImageUrls(url)).toThrow(message);
	});
});
