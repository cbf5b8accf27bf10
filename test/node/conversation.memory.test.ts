/**
 * A conversation about pictures with n8n's real Simple Memory (installed n8n 2.41.1) on the
 * node's Memory input: three chat messages (picture + question, follow-up without a picture, a
 * new picture), checked by what the loopback model received each time and what the memory
 * holds afterwards; failed, empty and cancelled answers are not remembered.
 *
 * Needs n8n 2.41.1 installed by scripts/n8n-env.js (`npm test` does it before jest). Without it,
 * on CI (CI=true) a test fails that says so; elsewhere the suite is skipped (`skipped: …`).
 */
import sharp from 'sharp';
import { jsonAnswer, script, streamText, textEvents, type TestServer } from '../server';
import { useTestServer } from '../support/testServer';
import { describeIfN8nInstalled } from '../support/agent-tool/workflows';
import { ChatSession, SYSTEM_PROMPT, type HeldMessage } from '../support/conversation/chatWorkflow';
import { readImageHeader } from '../../nodes/VisionChat/sources/resize/imageHeader';
import { KEPT_LONG_EDGE, KEPT_MAX_BYTES } from '../../nodes/VisionChat/conversation/imageReuse';

let server: TestServer;
useTestServer((started) => (server = started));
const credentials = () => ({ visionChatApi: { apiKey: 'sk-conversation', baseUrl: server.baseUrl } });
const describeWithN8n = describeIfN8nInstalled();

/** A photo-like picture (noise, so it does not compress to nothing). */
async function picture(width: number, height: number, format: 'jpeg' | 'png'): Promise<Buffer> {
	const raw = Buffer.alloc(width * height * 3);
	for (let i = 0; i < raw.length; i++) raw[i] = (i * 7919 + ((i / 3) | 0) * 104729) % 251;
	const image = sharp(raw, { raw: { width, height, channels: 3 } });
	return format === 'jpeg' ? await image.jpeg({ quality: 90 }).toBuffer() : await image.png().toBuffer();
}

const bytesOf = (dataUrl: string) => Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');
const imagesIn = (message: any): string[] => (Array.isArray(message.content) ? message.content.filter((p: any) => p.type === 'image_url').map((p: any) => p.image_url.url) : []);
const textOf = (message: any): string => (typeof message.content === 'string' ? message.content : message.content.filter((p: any) => p.type === 'text').map((p: any) => p.text).join('\n'));
/** The messages a request carried, images reduced to their type and size. */
const shape = (messages: any[]) => messages.map((m) => ({ role: m.role, text: textOf(m), images: imagesIn(m).map((url) => url.slice(0, url.indexOf(';'))) }));
const heldShape = (held: HeldMessage[]) =>
	held.map((m) => ({
		type: m.type,
		text: typeof m.content === 'string' ? m.content : m.content.filter((p: any) => p.type === 'text').map((p: any) => p.text).join('\n'),
		images: typeof m.content === 'string' ? [] : m.content.filter((p: any) => p.type === 'image').map((p: any) => p.mimeType),
	}));

function expectKeptSize(base64OrUrl: string) {
	const bytes = base64OrUrl.startsWith('data:') ? bytesOf(base64OrUrl) : Buffer.from(base64OrUrl, 'base64');
	const header = readImageHeader(bytes)!;
	expect(header.format).toBe('jpeg');
	expect(Math.max(header.width, header.height)).toBe(KEPT_LONG_EDGE);
	expect(bytes.byteLength).toBeLessThanOrEqual(KEPT_MAX_BYTES);
	return bytes;
}

describeWithN8n('a conversation about pictures with Simple Memory', () => {
	it('three turns: picture + question, follow-up without a picture (the picture again, downscaled), a new picture', async () => {
		const bike = await picture(1600, 1200, 'jpeg');
		const cat = await picture(1000, 800, 'png');
		const chat = new ChatSession(credentials());

		// 1. Picture and question.
		server.route('*', streamText(['A red', ' bike.']));
		const first = await chat.send({ text: 'What is in this picture?', files: [{ bytes: bike, mimeType: 'image/jpeg', fileName: 'bike.jpg' }] });
		expect(first.run.data.resultData.error).toBeUndefined();
		expect(server.requests).toHaveLength(1);
		const sent1 = server.requests[0].json.messages;
		expect(shape(sent1)).toEqual([
			{ role: 'system', text: SYSTEM_PROMPT, images: [] },
			{ role: 'user', text: 'What is in this picture?', images: ['data:image/jpeg'] },
		]);
		expect(bytesOf(imagesIn(sent1[1])[0]).equals(bike)).toBe(true); // the picture itself, not a copy
		const held1 = await chat.held();
		expect(heldShape(held1)).toEqual([
			{ type: 'human', text: 'What is in this picture?\n[image attached]', images: ['image/jpeg'] },
			{ type: 'ai', text: 'A red bike.', images: [] },
		]);
		const kept = expectKeptSize(held1[0].content[1].data);
		expect(kept.byteLength).toBeLessThan(bike.byteLength / 4);

		// 2. A follow-up without a picture: the history, with the kept copy of the bike.
		server.route('*', streamText(['It is', ' a Brompton.']));
		const second = await chat.send({ text: 'What brand is the bike?' });
		expect(second.run.data.resultData.error).toBeUndefined();
		const result2 = second.runData['Vision Chat'][0].data!.main[0]![0].json;
		expect(result2).toMatchObject({ text: 'It is a Brompton.' });
		expect(result2.warnings).toBeUndefined();
		const sent2 = server.requests[1].json.messages;
		expect(shape(sent2)).toEqual([
			{ role: 'system', text: SYSTEM_PROMPT, images: [] },
			{ role: 'user', text: 'What is in this picture?\n[image attached]', images: ['data:image/jpeg'] },
			{ role: 'assistant', text: 'A red bike.', images: [] },
			{ role: 'user', text: 'What brand is the bike?', images: [] },
		]);
		expect(expectKeptSize(imagesIn(sent2[1])[0]).equals(kept)).toBe(true);
		const held2 = await chat.held();
		expect(heldShape(held2).slice(2)).toEqual([
			{ type: 'human', text: 'What brand is the bike?', images: [] },
			{ type: 'ai', text: 'It is a Brompton.', images: [] },
		]);

		// 3. A new picture starts from that picture: no earlier image goes out.
		server.route('*', streamText(['A cat.']));
		const third = await chat.send({ text: 'And this one?', files: [{ bytes: cat, mimeType: 'image/png', fileName: 'cat.png' }] });
		expect(third.run.data.resultData.error).toBeUndefined();
		const sent3 = server.requests[2].json.messages;
		expect(shape(sent3)).toEqual([
			{ role: 'system', text: SYSTEM_PROMPT, images: [] },
			{ role: 'user', text: 'What is in this picture?\n[image attached]', images: [] },
			{ role: 'assistant', text: 'A red bike.', images: [] },
			{ role: 'user', text: 'What brand is the bike?', images: [] },
			{ role: 'assistant', text: 'It is a Brompton.', images: [] },
			{ role: 'user', text: 'And this one?', images: ['data:image/png'] },
		]);
		expect(bytesOf(imagesIn(sent3[5])[0]).equals(cat)).toBe(true);
		const held3 = await chat.held();
		expect(heldShape(held3)).toHaveLength(6);
		expect(heldShape(held3)[4]).toEqual({ type: 'human', text: 'And this one?\n[image attached]', images: ['image/jpeg'] });
		expectKeptSize(held3[4].content[1].data);

		// 4. A follow-up now re-sends the cat, not the bike.
		server.route('*', streamText(['Grey.']));
		await chat.send({ text: 'What colour is it?' });
		const sent4 = server.requests[3].json.messages;
		expect(sent4.map((m: any) => imagesIn(m).length)).toEqual([0, 0, 0, 0, 0, 1, 0, 0]);
	});

	it('a failed, an empty and a broken answer leave the memory as it was; the next turn sends the same history', async () => {
		const bike = await picture(1200, 900, 'jpeg');
		const chat = new ChatSession(credentials());
		server.route('*', streamText(['A red bike.']));
		await chat.send({ text: 'What is this?', files: [{ bytes: bike, mimeType: 'image/jpeg', fileName: 'bike.jpg' }] });
		const before = await chat.held();
		expect(before).toHaveLength(2);

		server.route('*', jsonAnswer(500, { error: { message: 'model overloaded' } }));
		const failed = await chat.send({ text: 'What brand is it?' });
		expect(failed.run.data.resultData.error?.message).toMatch(/500/);
		expect(await chat.held()).toEqual(before);

		server.route('*', streamText([]));
		const empty = await chat.send({ text: 'What brand is it?' });
		expect(empty.run.data.resultData.error).toBeUndefined();
		expect(await chat.held()).toEqual(before);

		server.route('*', script([textEvents(['It is a'])[0], textEvents(['It is a'])[1], { reset: true }]));
		const broken = await chat.send({ text: 'What brand is it?' });
		expect(broken.run.data.resultData.error).toBeDefined();
		expect(await chat.held()).toEqual(before);

		server.route('*', streamText(['A Brompton.']));
		await chat.send({ text: 'What brand is it?' });
		const last = server.requests.at(-1)!.json.messages;
		expect(shape(last).map((m) => m.text)).toEqual([SYSTEM_PROMPT, 'What is this?\n[image attached]', 'A red bike.', 'What brand is it?']);
		expect(imagesIn(last[1])).toHaveLength(1);
		expect(await chat.held()).toHaveLength(4);
	});

	it('honours the memory\'s window, "Re-Use Images" off and "Re-Use Images Max"', async () => {
		const pictures = await Promise.all([picture(900, 900, 'jpeg'), picture(800, 600, 'jpeg'), picture(600, 800, 'png')]);
		const files = (n: number) => ({ bytes: pictures[n], mimeType: n === 2 ? 'image/png' : 'image/jpeg', fileName: `p${n}` });
		const chat = new ChatSession(credentials(), { reuseImagesMax: 1 }, { contextWindowLength: 1 });
		server.route('*', streamText(['Three things.']));
		// Three files in one message (Binary Property * sends them all); one is kept and re-sent.
		const three = await chat.send({ text: 'Compare', files: [files(0), files(1), files(2)] });
		expect(three.run.data.resultData.error).toBeUndefined();
		expect(imagesIn(server.requests[0].json.messages[1])).toHaveLength(3);
		expect(heldShape(await chat.held())[0]).toEqual({ type: 'human', text: 'Compare\n[3 images attached]', images: ['image/jpeg'] });
		await chat.send({ text: 'More?' });
		expect(imagesIn(server.requests[1].json.messages[1])).toHaveLength(1);
		// A window of one turn: the picture turn has left it, only the last turn is sent.
		await chat.send({ text: 'And?' });
		expect(shape(server.requests[2].json.messages).map((m) => m.text)).toEqual([SYSTEM_PROMPT, 'More?', 'Three things.', 'And?']);

		const off = new ChatSession(credentials(), { reuseImages: false });
		await off.send({ text: 'What is this?', files: [files(1)] });
		await off.send({ text: 'Brand?' });
		expect(server.requests[4].json.messages.map((m: any) => imagesIn(m).length)).toEqual([0, 0, 0, 0]);
		expect(heldShape(await off.held())[0]).toEqual({ type: 'human', text: 'What is this?\n[image attached]', images: [] });
	});
});
