'use strict';
/**
 * PDF pages to images: the node's own path (PDFium in WebAssembly, PNG through Node's zlib) on
 * a 20-page mixed PDF at the default long edge, beside pdftoppm (poppler) rendering the same
 * pages at the same size and format in the same run. Each measurement runs in a fresh child
 * process so its peak RSS is its own. Run alone: `node bench/pdf.js` after `npm run build`.
 */
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const { spawnSync, execFileSync } = require('node:child_process');
const { performance } = require('node:perf_hooks');

const DIST = process.env.BENCH_DIST ? path.resolve(process.env.BENCH_DIST) : path.join(__dirname, '..', 'dist');
const PDF = path.join(__dirname, '..', 'test', 'fixtures', 'pdf', 'bench-20pages.pdf');
const LONG_EDGE = 1600;

/** In a child: render `pages` pages as the node does, report time and memory. */
async function child(pages) {
	const { pdfContent } = require(path.join(DIST, 'nodes/VisionChat/documents/pdfContent'));
	const bytes = fs.readFileSync(PDF);
	// Warm the WebAssembly module on a one-page render so the row measures pages, not start-up.
	await pdfContent(bytes, 'warm.pdf', { pdfPages: '1', pdfRenderLongEdge: LONG_EDGE }, 'warm-up');
	global.gc?.();
	const before = process.memoryUsage().rss;
	const t0 = performance.now();
	const out = await pdfContent(bytes, 'bench.pdf', { pdfPages: `1-${pages}`, pdfMaxPages: pages, pdfRenderLongEdge: LONG_EDGE }, 'bench');
	const ms = performance.now() - t0;
	const peak = process.resourceUsage().maxRSS * 1024;
	console.log(JSON.stringify({ ms, pages: out.report.sent.length, bytes: out.report.bytesSent, extraRss: Math.max(0, peak - before) }));
}

function runChild(pages) {
	const result = spawnSync(process.execPath, ['--expose-gc', __filename, '--child', String(pages)], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
	const line = result.stdout.trim().split('\n').pop();
	if (result.status !== 0 || !line) throw new Error(`pdf bench child failed: ${result.stderr}`);
	return JSON.parse(line);
}

/** pdftoppm at the same long edge and format, whole process timed. */
function pdftoppm() {
	try {
		execFileSync('pdftoppm', ['-v'], { stdio: 'ignore' });
	} catch {
		return { missing: 'pdftoppm is not installed (apt-get install poppler-utils)' };
	}
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vision-pdftoppm-'));
	try {
		const t0 = performance.now();
		execFileSync('pdftoppm', ['-scale-to', String(LONG_EDGE), '-png', PDF, path.join(dir, 'p')]);
		const ms = performance.now() - t0;
		const bytes = fs.readdirSync(dir).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
		return { ms, bytes };
	} finally {
		fs.rmSync(dir, { recursive: true, force: true });
	}
}

/** One run: pdftoppm, the node's 20 pages, and 5 pages to show memory does not grow with the count. */
function measurePdf() {
	const anchor = pdftoppm();
	const twenty = runChild(20);
	const five = runChild(5);
	return { anchor, twenty, five };
}

module.exports = { measurePdf };

if (process.argv[2] === '--child') {
	child(Number(process.argv[3])).catch((error) => {
			console.error(error);
			process.exit(1);
		});
} else if (require.main === module) {
	const r = measurePdf();
	console.log(r.anchor.missing ?? `pdftoppm: ${r.anchor.ms.toFixed(0)} ms for 20 pages (${(r.anchor.bytes / 1e6).toFixed(1)} MB PNG)`);
	console.log(`node:     ${r.twenty.ms.toFixed(0)} ms for ${r.twenty.pages} pages = ${((r.twenty.pages / r.twenty.ms) * 1000).toFixed(1)} pages/s, ${(r.twenty.bytes / 1e6).toFixed(1)} MB PNG, peak extra RSS ${(r.twenty.extraRss / 1e6).toFixed(0)} MB`);
	console.log(`node, 5 pages: peak extra RSS ${(r.five.extraRss / 1e6).toFixed(0)} MB`);
	if (!r.anchor.missing) console.log(`node ÷ pdftoppm: ${(r.twenty.ms / r.anchor.ms).toFixed(2)}×`);
}
