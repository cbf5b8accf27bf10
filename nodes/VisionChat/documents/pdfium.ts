import { InputError } from '../helpers/inputError';

/** The slice of @hyzyla/pdfium used here, declared locally so the package loads only when a PDF arrives. */
export interface PdfPage {
	number: number;
	getOriginalSize(): { originalWidth: number; originalHeight: number };
	/** Leaves the page loaded: close it unless it is rendered next (render closes it). */
	getText(): string;
	/** RGBA pixels; closes the page. */
	render(options: { width: number; height: number; scale: 1; render: 'bitmap' }): Promise<{ width: number; height: number; data: Uint8Array }>;
}

/** PDFium keeps a page whose text was read loaded until it is closed; the wrapper does not expose that. */
export function closePage(page: PdfPage): void {
	const internals = page as unknown as { module?: { _FPDF_ClosePage?(index: number): void }; pageIdx?: number };
	if (typeof internals.module?._FPDF_ClosePage === 'function' && typeof internals.pageIdx === 'number') internals.module._FPDF_ClosePage(internals.pageIdx);
}
export interface PdfDocument {
	getPageCount(): number;
	getPage(index: number): PdfPage;
	destroy(): void;
}
interface PdfLibrary {
	loadDocument(bytes: Uint8Array, password?: string): Promise<PdfDocument>;
}

let library: Promise<PdfLibrary> | undefined;

/**
 * PDFium compiled to WebAssembly: no native add-on, so it works right after n8n's Community
 * Nodes installer on x64 and arm64, glibc and Alpine. Loaded on the first PDF only; the
 * wasm file ships inside the package and is read from disk, never fetched.
 */
function pdfium(): Promise<PdfLibrary> {
	library ??= (async () => {
		const { PDFiumLibrary } = require('@hyzyla/pdfium') as { PDFiumLibrary: { init(): Promise<PdfLibrary> } };
		return await PDFiumLibrary.init();
	})();
	library.catch(() => (library = undefined));
	return library;
}

/** Opens a PDF, turning PDFium's failures into errors that say what to do. */
export async function openPdf(bytes: Uint8Array, where: string): Promise<PdfDocument> {
	const lib = await pdfium();
	let document: PdfDocument | undefined;
	let failure = '';
	try {
		document = await lib.loadDocument(bytes);
	} catch (error) {
		failure = (error as Error).message ?? String(error);
	}
	// Thrown outside the catch: the node turns InputError into a NodeOperationError for the item.
	if (!document) {
		if (/password/i.test(failure)) {
			throw new InputError(`${where} is a password-protected PDF`, 'Remove the password first (e.g. save an unprotected copy), then send it again');
		}
		throw new InputError(`${where} is a corrupt or truncated PDF (${failure})`, 'Check that the whole file arrived: open it in a PDF viewer, or download it again');
	}
	if (document.getPageCount() === 0) {
		document.destroy();
		throw new InputError(`${where} is a PDF with no pages`, 'Send a PDF that has at least one page');
	}
	return document;
}
