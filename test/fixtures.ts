/** Small real files for tests: a valid 1x1 PNG, a JPEG header, a PDF. */
export const PNG_1x1 = Buffer.from(
	'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
	'base64',
);
export const JPEG_HEAD = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01]);
export const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n');
export const ZIP = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00]);

import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

export function binaryItem(json: IDataObject, files: Record<string, { bytes: Buffer; mimeType?: string; fileName?: string }>): INodeExecutionData {
	const binary: NonNullable<INodeExecutionData['binary']> = {};
	for (const [name, file] of Object.entries(files)) {
		binary[name] = { data: file.bytes.toString('base64'), mimeType: file.mimeType ?? 'application/octet-stream', fileName: file.fileName };
	}
	return { json, binary };
}
