import { InputError } from '../helpers/inputError';

export interface PageChoice {
	/** 1-based page numbers to send, in page order. */
	pages: number[];
	/** Pages left out because of the page limit, for `warnings` ("11-24"). */
	leftOut?: string;
}

/**
 * Which pages to send: a selection like `1-3, 5, 8-` (empty = all, up to the limit). An
 * explicit selection longer than the limit, or outside the document, is an error that
 * names the numbers; without one, the first pages are sent and the rest reported.
 */
export function choosePages(selection: string | undefined, pageCount: number, maxPages: number, where: string): PageChoice {
	const text = (selection ?? '').trim();
	if (!text) {
		const count = Math.min(pageCount, maxPages);
		const pages = Array.from({ length: count }, (_, i) => i + 1);
		return count < pageCount ? { pages, leftOut: ranges(count + 1, pageCount) } : { pages };
	}
	const chosen = new Set<number>();
	for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
		const match = /^(\d+)\s*(-\s*(\d*))?$/.exec(part);
		if (!match) throw new InputError(`"PDF Pages" has "${part}", which is not a page or a range`, 'Use page numbers and ranges such as 1-3, 5, 8-');
		const from = Number(match[1]);
		const to = match[2] ? (match[3] ? Number(match[3]) : pageCount) : from;
		if (from < 1 || to < from) throw new InputError(`"PDF Pages" has "${part}", which is not a valid range`, 'Pages count from 1, ranges go upwards: 2-4');
		if (to > pageCount) {
			throw new InputError(`Pages ${part} asked, ${where} has ${pageCount} page${pageCount === 1 ? '' : 's'}`, `Choose pages from 1 to ${pageCount} in "PDF Pages", or leave it empty for all`);
		}
		for (let page = from; page <= to; page++) chosen.add(page);
	}
	const pages = [...chosen].sort((a, b) => a - b);
	if (pages.length > maxPages) {
		throw new InputError(`"PDF Pages" selects ${pages.length} pages of ${where}, more than "PDF Max Pages" (${maxPages})`, `Select at most ${maxPages} pages, or raise "PDF Max Pages"`);
	}
	return { pages };
}

function ranges(from: number, to: number): string {
	return from === to ? String(from) : `${from}-${to}`;
}
