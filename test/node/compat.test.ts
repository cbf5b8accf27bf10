/** Relay differences and image sources: each switch checked against the body the server received. */
import type { INodeExecutionData, INodeParameters } from 'n8n-workflow';
import sharp from 'sharp';
import { VisionChat } from '../../nodes/VisionChat/VisionChat.node';
import { binaryItem, PNG_1x1, ZIP } from '../fixtures';
import { jsonAnswer, sequence, streamText, type TestServer } from '../server';
import { runNode, type EngineRunOptions } from '../support/engine';
import { useTestServer } from '../support/testServer';

let server: TestServer;
useTestServer((started) => (server = started), streamText(['ok']));

function run(parameters: INodeParameters, inputItems: INodeExecutionData[] = [{ json: {} }], extra: Partial<EngineRunOptions> & { customHeaders?: string } = {}) {
	const { customHeaders, ...rest } = extra;
	return runNode({
		nodeType: new VisionChat(),
		parameters: { model: { __rl: true, mode: 'id', value: 'llava' }, prompt: 'Describe.', ...parameters },
		inputItems,
		credentials: { visionChatApi: { apiKey: 'sk-compat', baseUrl: server.baseUrl, customHeaders: customHeaders ?? '' } },
		...rest,
	});
}

const lastBody = () => server.requests.filter((r) => r.method === 'POST').at(-1)!.json;
const pngBase64 = PNG_1x1.toString('base64');

describe('relay switches', () => {
	it('sends max_completion_tokens instead of max_tokens when asked', async () => {
		await run({ imageInput: 'none', options: { maxTokens: 77, maxTokensField: 'max_completion_tokens' } });
		expect(lastBody().max_completion_tokens).toBe(77);
		expect(lastBody()).not.toHaveProperty('max_tokens');
	});

	it('writes image_url as a bare string for servers that only take that', async () => {
		await run({ imageInput: 'url', imageUrls: 'https://img.example/x.png', options: { imageUrlFormat: 'string', detail: 'high' } });
		expect(lastBody().messages[0].content[1]).toEqual({ type: 'image_url', image_url: 'https://img.example/x.png' });
	});

	it('omits detail unless the user sets it', async () => {
		await run({ imageInput: 'url', imageUrls: 'https://img.example/x.png' });
		expect(lastBody().messages[0].content[1]).toEqual({ type: 'image_url', image_url: { url: 'https://img.example/x.png' } });
	});

	it('retries once without stream_options when the server rejects it, and says so', async () => {
		server.route('*', sequence(jsonAnswer(400, { error: { message: 'Unrecognized request argument supplied: stream_options' } }), streamText(['no usage'])));
		const { outputs } = await run({ imageInput: 'none', options: { includeUsage: true } });
		const posts = server.requests.filter((r) => r.method === 'POST');
		expect(posts).toHaveLength(2);
		expect(posts[0].json.stream_options).toEqual({ include_usage: true });
		expect(posts[1].json).not.toHaveProperty('stream_options');
		expect(outputs[0][0].json.text).toBe('no usage');
		expect(outputs[0][0].json).not.toHaveProperty('usage');
		expect(outputs[0][0].json.warnings).toEqual([
			'The server refused stream_options (The server answered HTTP 400: Unrecognized request argument supplied: stream_options); sent again without it, so usage is absent',
		]);
	});

	it('does not retry other 400s', async () => {
		server.route('*', jsonAnswer(400, { error: { message: 'model not found' } }));
		const { error } = await run({ imageInput: 'none', options: { includeUsage: true } });
		expect(error?.message).toBe('The server answered HTTP 400: model not found');
		expect(server.requests).toHaveLength(1);
	});

	it('sends the credential\'s custom headers', async () => {
		await run({ imageInput: 'none' }, undefined, { customHeaders: 'HTTP-Referer: https://n8n.example\nX-Title: Invoice reader\n' });
		const headers = server.requests[0].headers;
		expect(headers['http-referer']).toBe('https://n8n.example');
		expect(headers['x-title']).toBe('Invoice reader');
		expect(headers.authorization).toBe('Bearer sk-compat');
	});

	it('refuses custom headers that are not Name: Value, or that would replace the key', async () => {
		const broken = await run({ imageInput: 'none' }, undefined, { customHeaders: 'just text' });
		expect(broken.error?.message).toBe('The custom header line "just text" is not "Name: Value"');
		const auth = await run({ imageInput: 'none' }, undefined, { customHeaders: 'Authorization: Bearer other' });
		expect(auth.error?.message).toBe('The custom header "Authorization" is set by the node and cannot be overridden');
		expect(server.requests).toHaveLength(0);
	});

	it('merges Extra Body and refuses keys the node owns', async () => {
		await run({ imageInput: 'none', options: { extraBody: '{"top_k": 40, "provider": {"order": ["a"]}}' } });
		expect(lastBody()).toMatchObject({ top_k: 40, provider: { order: ['a'] }, model: 'llava', stream: true });
		const { error } = await run({ imageInput: 'none', options: { extraBody: '{"model": "x", "stream": false}' } });
		expect(error?.message).toBe('"Extra Body" may not set "model", "stream" (item 0)');
	});
});

describe('image sources', () => {
	it.each([
		['plain base64 with line breaks', pngBase64.replace(/(.{20})/g, '$1\n')],
		['a data URL', `data:image/png;base64,${pngBase64}`],
		['a data URL with a wrong declared type', `data:image/jpeg;base64,${pngBase64}`],
	])('takes %s from a field, MIME from the bytes', async (_name, value) => {
		await run({ imageInput: 'base64', base64Image: '={{ $json.image }}' }, [{ json: { image: value } }]);
		expect(lastBody().messages[0].content[1].image_url.url).toBe(`data:image/png;base64,${pngBase64}`);
	});

	it('refuses text that is not base64, naming the item', async () => {
		const { error } = await run({ imageInput: 'base64', base64Image: '={{ $json.image }}' }, [{ json: { image: '{"not": "base64"}' } }]);
		expect(error?.message).toBe('"Base64 Image" of item 0 is not valid base64');
	});

	it('downloads http(s) URLs and sends them inline when asked, following a redirect', async () => {
		server.serve('/img/moved.png', (_req, res) => {
			res.writeHead(302, { location: '/img/cat.png' });
			res.end();
		});
		server.serve('/img/cat.png', (_req, res) => {
			res.writeHead(200, { 'content-type': 'application/octet-stream' });
			res.end(PNG_1x1);
		});
		const url = `http://127.0.0.1:${server.port}/img/moved.png`;
		await run({ imageInput: 'url', imageUrls: url, options: { downloadImages: true } });
		expect(lastBody().messages[0].content[1].image_url.url).toBe(`data:image/png;base64,${pngBase64}`);
		const download = server.requests.find((r) => r.path === '/img/cat.png')!;
		expect(download.headers.authorization).toBeUndefined();
	});

	it('an HTML login page behind an image URL is an error, not an image', async () => {
		server.serve('/img/private.png', (_req, res) => {
			res.writeHead(200, { 'content-type': 'text/html' });
			res.end('<!DOCTYPE html><html><title>Log in</title></html>');
		});
		const url = `http://127.0.0.1:${server.port}/img/private.png`;
		const { error } = await run({ imageInput: 'url', imageUrls: url, options: { downloadImages: true } });
		expect(error?.message).toBe(`The download of ${url} (item 0) is not an image (type found: text/html)`);
		expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
	});

	it('a download over the size limit stops early', async () => {
		server.serve('/img/huge.png', (_req, res) => {
			res.writeHead(200, { 'content-type': 'image/png' });
			res.end(Buffer.concat([PNG_1x1, Buffer.alloc(3 * 1048576)]));
		});
		const url = `http://127.0.0.1:${server.port}/img/huge.png`;
		const { error } = await run({ imageInput: 'url', imageUrls: url, options: { downloadImages: true, maxImageSizeMb: 1 } });
		expect(error?.message).toBe(`The image at ${url} is over the 1.0 MB limit`);
	});

	it('Binary Property * sends every image on the item and notes what it skipped', async () => {
		const item = binaryItem({}, { data: { bytes: PNG_1x1 }, archive: { bytes: ZIP, fileName: 'photos.zip' }, photo: { bytes: PNG_1x1 } });
		const { outputs } = await run({ binaryPropertyName: '*' }, [item]);
		expect(lastBody().messages[0].content).toHaveLength(3);
		expect(outputs[0][0].json.warnings).toEqual(['Skipped binary property "archive" (photos.zip): not an image or PDF']);
	});

	it('Keep Input Data carries the input fields and files into the result', async () => {
		const item = binaryItem({ ticket: 42 }, { data: { bytes: PNG_1x1, fileName: 'cat.png' } });
		const { outputs } = await run({ options: { keepInput: true } }, [item]);
		expect(outputs[0][0].json).toMatchObject({ ticket: 42, text: 'ok' });
		expect(outputs[0][0].binary?.data?.fileName).toBe('cat.png');
	});
});


describe('resizing before upload', () => {
	it('downscales and re-encodes a large image, and reports the bytes before and after', async () => {
		const big = await sharp({ create: { width: 3000, height: 2000, channels: 3, background: { r: 200, g: 60, b: 30 } } })
			.png()
			.toBuffer();
		const { outputs } = await run({ options: { resizeMaxEdge: 1000, reencodeFormat: 'jpeg', reencodeQuality: 80 } }, [
			binaryItem({}, { data: { bytes: big, fileName: 'big.png' } }),
		]);
		const url: string = lastBody().messages[0].content[1].image_url.url;
		expect(url.startsWith('data:image/jpeg;base64,')).toBe(true);
		const sent = Buffer.from(url.split(',')[1], 'base64');
		const meta = await sharp(sent).metadata();
		expect([meta.width, meta.height, meta.format]).toEqual([1000, 667, 'jpeg']);
		expect(outputs[0][0].json.imageSizes).toEqual([
			{ bytesBefore: big.length, bytesAfter: sent.length, resized: true, note: `3000×2000 PNG → 1000×667 JPEG, ${big.length} → ${sent.length} bytes` },
		]);
	});

	it('leaves images alone when resizing is off', async () => {
		const { outputs } = await run({}, [binaryItem({}, { data: { bytes: PNG_1x1 } })]);
		expect(outputs[0][0].json).not.toHaveProperty('imageSizes');
		expect(lastBody().messages[0].content[1].image_url.url).toBe(`data:image/png;base64,${pngBase64}`);
	});
});
