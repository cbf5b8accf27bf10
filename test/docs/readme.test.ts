/**
 * The README is the user's front door, and the pages under docs/ hold the depth: this keeps the
 * README short, its tables whole (a blank line or a stray paragraph inside a table silently turns
 * the rest of it into text), and every relative link in the README and docs/*.md pointing at a
 * file that exists. Tables are judged by what markdown-it (a CommonMark + GFM-tables parser, like
 * GitHub's) actually builds, not by how the source looks.
 */
import * as fs from 'fs';
import * as path from 'path';
import MarkdownIt from 'markdown-it';

type Token = ReturnType<MarkdownIt['parse']>[number];

const root = path.resolve(__dirname, '../..');
const readmePath = path.join(root, 'README.md');
const docsDir = path.join(root, 'docs');
const MAX_README_LINES = 300;

const md = new MarkdownIt();

interface MarkdownFile {
	file: string;
	source: string;
	lines: string[];
	tokens: Token[];
}

function load(file: string): MarkdownFile {
	const source = fs.readFileSync(file, 'utf8');
	const lines = source.split(/\r?\n/);
	if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
	return { file, source, lines, tokens: md.parse(source, {}) };
}

const readme = load(readmePath);
const docs = fs
	.readdirSync(docsDir)
	.filter((name) => name.endsWith('.md'))
	.sort()
	.map((name) => load(path.join(docsDir, name)));
const allFiles = [readme, ...docs];
const label = (doc: MarkdownFile) => path.relative(root, doc.file);

/** The cells of one table row as markdown-it splits them: on unescaped pipes, outer pipes dropped. */
function sourceCells(line: string): string[] {
	const cells: string[] = [];
	let current = '';
	const text = line.trim();
	for (let i = 0; i < text.length; i++) {
		const char = text[i];
		if (char === '\\' && text[i + 1] === '|') {
			current += '\\|';
			i++;
		} else if (char === '|') {
			cells.push(current);
			current = '';
		} else current += char;
	}
	cells.push(current);
	if (cells.length && cells[0].trim() === '') cells.shift();
	if (cells.length && cells[cells.length - 1].trim() === '') cells.pop();
	return cells;
}

interface RenderedTable {
	/** 0-based source lines [start, end) of the whole table, as markdown-it mapped it. */
	map: [number, number];
	/** 0-based source line of every row markdown-it built (header first, delimiter row excluded). */
	rowLines: number[];
}

function tablesOf(doc: MarkdownFile): RenderedTable[] {
	const tables: RenderedTable[] = [];
	let current: RenderedTable | undefined;
	for (const token of doc.tokens) {
		if (token.type === 'table_open' && token.map) current = { map: [token.map[0], token.map[1]], rowLines: [] };
		else if (token.type === 'tr_open' && current && token.map) current.rowLines.push(token.map[0]);
		else if (token.type === 'table_close' && current) {
			tables.push(current);
			current = undefined;
		}
	}
	return tables;
}

/** Lines that belong to code (fences, indented code) or raw HTML: a `|` there is not a table row. */
function verbatimLines(doc: MarkdownFile): Set<number> {
	const lines = new Set<number>();
	for (const token of doc.tokens) {
		if ((token.type === 'fence' || token.type === 'code_block' || token.type === 'html_block') && token.map) {
			for (let line = token.map[0]; line < token.map[1]; line++) lines.add(line);
		}
	}
	return lines;
}

/** Source lines that start with `|` but are not inside any table markdown-it rendered. */
function pipeLinesOutsideTables(doc: MarkdownFile): string[] {
	const tables = tablesOf(doc);
	const verbatim = verbatimLines(doc);
	const stray: string[] = [];
	doc.lines.forEach((text, line) => {
		if (!text.startsWith('|') || verbatim.has(line)) return;
		if (!tables.some(({ map }) => line >= map[0] && line < map[1])) stray.push(`${label(doc)}:${line + 1}: ${text.slice(0, 80)}`);
	});
	return stray;
}

/** Rows (and delimiter rows) whose number of cells differs from their table's header. */
function rowsWithWrongCellCount(doc: MarkdownFile): string[] {
	const wrong: string[] = [];
	for (const table of tablesOf(doc)) {
		const [headerLine] = table.rowLines;
		const expected = sourceCells(doc.lines[headerLine]).length;
		const delimiterLine = headerLine + 1;
		for (const line of [delimiterLine, ...table.rowLines.slice(1)]) {
			const found = sourceCells(doc.lines[line]).length;
			if (found !== expected) wrong.push(`${label(doc)}:${line + 1}: ${found} cells, header has ${expected}: ${doc.lines[line].slice(0, 80)}`);
		}
	}
	return wrong;
}

function walk(tokens: Token[], visit: (token: Token) => void): void {
	for (const token of tokens) {
		visit(token);
		if (token.children) walk(token.children, visit);
	}
}

/** Every link and image target in the rendered document, plus href/src of raw HTML. */
function targetsOf(doc: MarkdownFile): string[] {
	const targets: string[] = [];
	walk(doc.tokens, (token) => {
		if (token.type === 'link_open') targets.push(token.attrGet('href') ?? '');
		else if (token.type === 'image') targets.push(token.attrGet('src') ?? '');
		else if (token.type === 'html_inline' || token.type === 'html_block') {
			for (const match of token.content.matchAll(/\b(?:href|src)\s*=\s*["']([^"']*)["']/gi)) targets.push(match[1]);
		}
	});
	return targets;
}

const isRelative = (target: string) => target !== '' && !target.startsWith('#') && !target.startsWith('//') && !/^[a-z][a-z0-9+.-]*:/i.test(target);

function brokenRelativeLinks(doc: MarkdownFile): string[] {
	const broken: string[] = [];
	for (const target of targetsOf(doc).filter(isRelative)) {
		const filePart = target.split('#')[0].split('?')[0];
		if (filePart === '') continue;
		let decoded = filePart;
		try {
			decoded = decodeURIComponent(filePart);
		} catch {
			// Leave a malformed escape as written; the existence check reports it.
		}
		const resolved = decoded.startsWith('/') ? path.join(root, decoded) : path.resolve(path.dirname(doc.file), decoded);
		if (!fs.existsSync(resolved)) broken.push(`${label(doc)}: ${target} (no ${path.relative(root, resolved)})`);
	}
	return broken;
}

/** The text of every code span and code block: where a command a newcomer types is written. */
function codeTexts(doc: MarkdownFile): string[] {
	const texts: string[] = [];
	walk(doc.tokens, (token) => {
		if (token.type === 'code_inline' || token.type === 'fence' || token.type === 'code_block') texts.push(token.content);
	});
	return texts;
}

describe('README.md', () => {
	test(`is at most ${MAX_README_LINES} lines`, () => {
		expect(readme.lines.length).toBeLessThanOrEqual(MAX_README_LINES);
	});

	test('has tables, and every line starting with | is inside a table markdown-it renders', () => {
		expect(tablesOf(readme).length).toBeGreaterThan(0);
		expect(pipeLinesOutsideTables(readme)).toEqual([]);
	});

	test('every table row has as many cells as its header', () => {
		expect(rowsWithWrongCellCount(readme)).toEqual([]);
	});

	test('shows the two commands a newcomer runs: npm start and npm test', () => {
		const code = codeTexts(readme);
		for (const command of ['npm start', 'npm test']) {
			expect(code.some((text) => new RegExp(`(^|\\n)\\s*${command}(\\s|$)`).test(text))).toBe(true);
		}
	});

	test('links every page under docs/', () => {
		const linked = new Set(
			targetsOf(readme)
				.filter(isRelative)
				.map((target) => path.resolve(root, target.split('#')[0])),
		);
		const unlinked = docs.map((doc) => doc.file).filter((file) => !linked.has(file));
		expect(unlinked.map((file) => path.relative(root, file))).toEqual([]);
	});
});

describe.each(docs.map((doc) => [label(doc), doc] as const))('%s', (_name, doc) => {
	test('every line starting with | is inside a rendered table, with as many cells as its header', () => {
		expect(pipeLinesOutsideTables(doc)).toEqual([]);
		expect(rowsWithWrongCellCount(doc)).toEqual([]);
	});
});

describe.each(allFiles.map((doc) => [label(doc), doc] as const))('relative links in %s', (_name, doc) => {
	test('point to files that exist (anchors ignored)', () => {
		expect(brokenRelativeLinks(doc)).toEqual([]);
	});
});

describe('the checks themselves', () => {
	const parse = (source: string): MarkdownFile => {
		const lines = source.split('\n');
		if (lines[lines.length - 1] === '') lines.pop();
		return { file: readmePath, source, lines, tokens: md.parse(source, {}) };
	};
	const table = '| A | B |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n';

	test('a whole table passes', () => {
		expect(pipeLinesOutsideTables(parse(table))).toEqual([]);
		expect(rowsWithWrongCellCount(parse(table))).toEqual([]);
	});

	test('a blank line splitting a table is caught', () => {
		expect(pipeLinesOutsideTables(parse('| A | B |\n|---|---|\n| 1 | 2 |\n\n| 3 | 4 |\n'))).toHaveLength(1);
	});

	test('a paragraph cutting a table is caught (markdown-it swallows it as a one-cell row)', () => {
		expect(rowsWithWrongCellCount(parse('| A | B |\n|---|---|\n| 1 | 2 |\nSome text.\n| 3 | 4 |\n'))).toHaveLength(1);
	});

	test('a row with a cell too many or too few is caught, escaped pipes are not cell borders', () => {
		expect(rowsWithWrongCellCount(parse('| A | B |\n|---|---|\n| 1 | 2 | 3 |\n| 4 |\n'))).toHaveLength(2);
		expect(rowsWithWrongCellCount(parse('| A | B |\n|---|---|\n| `a \\| b` | 2 |\n'))).toEqual([]);
	});

	test('pipes inside a code block are not table rows', () => {
		expect(pipeLinesOutsideTables(parse('```\n| not | a table |\n```\n'))).toEqual([]);
	});

	test('a link to a missing file is caught, anchors and external links are not checked', () => {
		const doc = parse('[a](docs/nowhere.md) [b](docs/development.md#x) [c](#top) [d](https://example.com/x.md)\n');
		expect(brokenRelativeLinks(doc)).toEqual([expect.stringContaining('docs/nowhere.md')]);
	});
});
