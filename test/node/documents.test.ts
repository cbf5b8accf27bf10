/** Documents in: PDFs from every source, in every mode, the node inside n8n's engine. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { INodeParameters, INodeExecutionData } from 'n8n-workflow';
import sharp from 'sharp';
import { VisionChat } from '../../nodes/VisionChat/VisionChat.node';
import { binaryItem } from '../fixtures';
import { streamText, type TestServer } from '../server';
import { runNode, type EngineRunOptions } from '../support/engine';
import { useTestServer } from '../support/testServer';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'pdf');
const pdf = (name: string) => readFileSync(path.join(FIXTURES, name));

let server: TestServer;
useTestServer((started) => (server = started), streamText(['read']));

function run(parameters: INodeParameters, inputItems: INodeExecutionData[], extra: Partial<EngineRunOptions> = {}) {
	return runNode({
		nodeType: new VisionChat(),
		parameters: { model: { __rl: true, mode: 'id', value: 'gpt-4o' }, prompt: 'What is the total?', ...parameters },
		inputItems,
		credentials: { visionChatApi: { apiKey: 'sk-documents', baseUrl: server.baseUrl } },
		...extra,
	});
}

const pdfItem = (name: string, label = 'application/octet-stream') => binaryItem({}, { data: { bytes: pdf(name), mimeType: label, fileName: name } });
/** The content parts of the last chat request the server received. */
const sentParts = () => server.requests.filter((r) => r.method === 'POST').at(-1)!.json.messages.at(-1).content as Array<Record<string, any>>;
const imageBytes = (part: Record<string, any>) => Buffer.from(part.image_url.url.split(',')[1], 'base64');

describe.each(['default', 'filesystem'] as const)('page images (%s binary mode)', (binaryMode) => {
	it('renders every page to a PNG of the default long edge, one image part per page after the prompt', async () => {
		const { outputs, error } = await run({}, [pdfItem('digital-3pages.pdf')], { binaryMode });
		expect(error).toBeUndefined();
		const parts = sentParts();
		expect(parts.map((p) => p.type)).toEqual(['text', 'image_url', 'image_url', 'image_url']);
		for (const part of parts.slice(1)) {
			expect(part.image_url.url.startsWith('data:image/png;base64,')).toBe(true);
			const meta = await sharp(imageBytes(part)).metadata();
			expect(Math.max(meta.width!, meta.height!)).toBe(1600);
		}
		const [report] = outputs[0][0].json.documents as any[];
		expect(report).toMatchObject({ pages: 3, sent: [1, 2, 3], mode: 'images' });
		expect(report.bytesSent).toBe(parts.slice(1).reduce((n, p) => n + imageBytes(p).length, 0));
	});
});

describe('page pixels', () => {
	it('keeps colours (yellowish paper stays yellow), writes grey pages as greyscale PNG, and hits the long edge exactly on scans', async () => {
		await run({ options: { pdfPages: '1, 2, 7' } }, [pdfItem('bench-20pages.pdf')]);
		const [text, greyScan, colourScan] = sentParts().slice(1).map(imageBytes);
		expect((await sharp(text).metadata()).channels).toBe(1);
		const grey = await sharp(greyScan).metadata();
		expect([grey.channels, Math.max(grey.width!, grey.height!)]).toEqual([1, 1600]);
		const colour = await sharp(colourScan).stats();
		const [r, g, b] = colour.channels.map((c) => c.mean);
		expect(colour.channels).toHaveLength(3);
		expect(r).toBeGreaterThan(b + 10);
		expect(g).toBeGreaterThan(b + 5);
	});
});

describe('choosing pages', () => {
	it('sends the selected pages only, at the chosen size, as JPEG when Re-Encode Format says so', async () => {
		const { outputs } = await run({ options: { pdfPages: '2-3', pdfRenderLongEdge: 800, reencodeFormat: 'jpeg' } }, [pdfItem('digital-3pages.pdf')]);
		const images = sentParts().slice(1);
		expect(images).toHaveLength(2);
		const meta = await sharp(imageBytes(images[0])).metadata();
		expect([meta.format, Math.max(meta.width!, meta.height!)]).toEqual(['jpeg', 800]);
		expect((outputs[0][0].json.documents as any[])[0].sent).toEqual([2, 3]);
	});

	it('without a selection sends the first PDF Max Pages and says which were not sent', async () => {
		const { outputs } = await run({ options: { pdfMaxPages: 2, pdfRenderLongEdge: 400 } }, [pdfItem('digital-3pages.pdf')]);
		expect(sentParts().slice(1)).toHaveLength(2);
		expect(outputs[0][0].json.warnings).toEqual([expect.stringMatching(/pages 3 of 3 were not sent \("PDF Max Pages" is 2/)]);
	});

	it('a selection outside the document, or longer than the limit, is an error naming the numbers', async () => {
		const outside = await run({ options: { pdfPages: '5-9' } }, [pdfItem('digital-3pages.pdf')]);
		expect(outside.error?.message).toBe('Pages 5-9 asked, Binary property "data" of item 0 (file digital-3pages.pdf) has 3 pages');
		const tooMany = await run({ options: { pdfPages: '1-3', pdfMaxPages: 2 } }, [pdfItem('digital-3pages.pdf')]);
		expect(tooMany.error?.message).toMatch(/selects 3 pages .* more than "PDF Max Pages" \(2\)/);
	});
});

describe('file and text modes', () => {
	it('file: the PDF itself as a file part, bytes identical', async () => {
		const bytes = pdf('digital-3pages.pdf');
		const { outputs } = await run({ options: { pdfMode: 'file' } }, [pdfItem('digital-3pages.pdf')]);
		const [, file] = sentParts();
		expect(file.type).toBe('file');
		expect(file.file.filename).toBe('digital-3pages.pdf');
		expect(file.file.file_data).toBe(`data:application/pdf;base64,${bytes.toString('base64')}`);
		expect((outputs[0][0].json.documents as any[])[0]).toEqual({ pages: 3, sent: [1, 2, 3], mode: 'file', bytesSent: bytes.length });
	});

	it('an owner password alone (printing forbidden) does not stop the node', async () => {
		const { error } = await run({ options: { pdfMode: 'text' } }, [pdfItem('owner-password-only.pdf')]);
		expect(error).toBeUndefined();
		expect(sentParts()[2].text).toMatch(/EUR 1,234.56/);
	});

	it('text: one text part per page with its text; a page without text goes as an image, with a warning', async () => {
		const { outputs } = await run({ options: { pdfMode: 'text', pdfRenderLongEdge: 400 } }, [pdfItem('mixed-3pages.pdf')]);
		const parts = sentParts();
		expect(parts.map((p) => p.type)).toEqual(['text', 'text', 'image_url', 'text']);
		expect(parts[1].text).toMatch(/^\[Page 1\]\n[\s\S]*Page 1/);
		expect(parts[3].text).toMatch(/^\[Page 3\]\n[\s\S]*Page 3/);
		expect(outputs[0][0].json.warnings).toEqual([expect.stringMatching(/page 2 has no text layer and was sent as an image/)]);
	});

	it('a scanned PDF in text mode becomes page images', async () => {
		await run({ options: { pdfMode: 'text', pdfRenderLongEdge: 400 } }, [pdfItem('scanned-2pages.pdf')]);
		expect(sentParts().slice(1).map((p) => p.type)).toEqual(['image_url', 'image_url']);
	});
});

describe('every source takes PDFs', () => {
	it('Binary Property * includes PDFs beside images', async () => {
		const item = binaryItem({}, { a: { bytes: pdf('scanned-2pages.pdf') }, b: { bytes: pdf('digital-3pages.pdf'), fileName: 'x.pdf' } });
		const { outputs } = await run({ binaryPropertyName: '*', options: { pdfRenderLongEdge: 300 } }, [item]);
		expect(sentParts().slice(1)).toHaveLength(5);
		expect((outputs[0][0].json.documents as any[]).map((d) => d.pages)).toEqual([2, 3]);
	});

	it('base64 input', async () => {
		await run({ imageInput: 'base64', base64Image: pdf('digital-3pages.pdf').toString('base64'), options: { pdfRenderLongEdge: 300 } }, [{ json: {} }]);
		expect(sentParts().slice(1)).toHaveLength(3);
	});

	it('a downloaded URL, and a PDF URL without Download Images is an error saying to turn it on', async () => {
		server.serve('/docs/invoice.pdf', (_req, res) => {
			res.writeHead(200, { 'content-type': 'application/pdf' });
			res.end(pdf('digital-3pages.pdf'));
		});
		const url = `http://127.0.0.1:${server.port}/docs/invoice.pdf`;
		await run({ imageInput: 'url', imageUrls: url, options: { downloadImages: true, pdfMode: 'file' } }, [{ json: {} }]);
		expect(sentParts()[1].file.filename).toBe('invoice.pdf');
		const { error } = await run({ imageInput: 'url', imageUrls: url }, [{ json: {} }]);
		expect(error?.message).toMatch(/is a PDF, which a provider cannot fetch as an image URL/);
		expect((error as any).description).toMatch(/Turn on "Download Images"/);
	});
});

describe('bad PDFs get errors that name the item, the property and the fix', () => {
	it.each([
		['password.pdf', /^Binary property "data" of item 0 \(file password.pdf\) is a password-protected PDF/, /Remove the password/],
		['truncated.pdf', /^Binary property "data" of item 0 \(file truncated.pdf\) is a corrupt or truncated PDF/, /whole file arrived/],
		['zero-pages.pdf', /^Binary property "data" of item 0 \(file zero-pages.pdf\) is a PDF with no pages/, /at least one page/],
	])('%s', async (name, message, fix) => {
		const { error } = await run({}, [pdfItem(name)]);
		expect(error?.message).toMatch(message);
		expect((error as any).description).toMatch(fix);
	});

	it('a PDF over Max Image Size (MB) is refused before it is read', async () => {
		const { error } = await run({ options: { maxImageSizeMb: 0.001 } }, [pdfItem('digital-3pages.pdf')]);
		expect(error?.message).toMatch(/^Binary property "data" of item 0 is [\d.]+ MB, over the 0.0 MB limit/);
	});

	it('continue on fail: a bad PDF fails its own item only', async () => {
		const { outputs } = await run({ options: { pdfRenderLongEdge: 300 } }, [pdfItem('truncated.pdf'), pdfItem('scanned-2pages.pdf')], { continueOnFail: true });
		expect(outputs[0][0].json.error).toMatch(/corrupt or truncated PDF/);
		expect(outputs[0][1].json.text).toBe('read');
	});
});
