import { randomBytes } from 'node:crypto';
import { InlineImage, jsonBody, type RequestBody } from '../../../nodes/VisionChat/stream/request/body';

/** The body as the server would read it. */
async function bodyToString(body: RequestBody): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const chunk of body.stream()) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks).toString('utf8');
}

describe('request body with inline images', () => {
	it.each([0, 1, 2, 3, 4, 5, 48_000, 49_151, 49_152, 49_153, 1_000_001])('encodes %i bytes exactly like Buffer base64, with the announced length', async (size) => {
		const bytes = randomBytes(size);
		const body = jsonBody({ image: new InlineImage('image/png', bytes), after: 'x"y' });
		const text = await bodyToString(body);
		expect(JSON.parse(text)).toEqual({ image: `data:image/png;base64,${bytes.toString('base64')}`, after: 'x"y' });
		expect(Buffer.byteLength(text)).toBe(body.length);
	});

	it('sends existing base64 text as is, decoding it only when asked', async () => {
		const bytes = randomBytes(100_000);
		const image = new InlineImage('image/jpeg', { base64: bytes.toString('base64') });
		const body = jsonBody([image, image]);
		const text = await bodyToString(body);
		expect(JSON.parse(text)).toEqual([0, 1].map(() => `data:image/jpeg;base64,${bytes.toString('base64')}`));
		expect(Buffer.byteLength(text)).toBe(body.length);
		expect(image.byteLength).toBe(100_000);
		expect(Buffer.from(image.data).equals(bytes)).toBe(true);
	});

	it('can be streamed again for a retry', async () => {
		const body = jsonBody({ image: new InlineImage('image/gif', randomBytes(10)) });
		expect(await bodyToString(body)).toBe(await bodyToString(body));
	});
});
