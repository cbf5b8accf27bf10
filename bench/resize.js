#!/usr/bin/env node
'use strict';
/*
 * Image downscale benchmark for the "Downscale images" option (issue 7).
 *
 *   node bench/resize.js [--runs 3] [--png | --input FILE] [--libs sharp,jimp,wasm-vips]
 *
 * Task measured: read a ~20 MB 6000x4000 photo-like JPEG (--png: a ~25 MB PNG of the same
 * scene with finer grain), honour its orientation, shrink it
 * so the long edge is 2048 px, encode JPEG quality 85. Every run is a fresh child process
 * (so library load, first-call JIT/WASM compile and peak RSS are counted honestly); the table
 * shows the median of the runs.
 *
 * Columns: load = require()/WASM instantiation; work = decode + resize + encode;
 * peak RSS = process.resourceUsage().maxRSS of the child (includes Node's own ~45 MB);
 * out = bytes of the encoded JPEG.
 *
 * sharp is this package's optional dependency. The other candidates are not dependencies;
 * to re-run them install them for the run only and remove them afterwards:
 *   npm install --no-save jimp@1.6.1 wasm-vips@0.0.19 && node bench/resize.js
 *   npm uninstall --no-save jimp wasm-vips
 * Missing libraries are reported as "not installed" and skipped.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const WIDTH = 6000;
const HEIGHT = 4000;
const MAX_EDGE = 2048;
const QUALITY = 85;

function arg(name, fallback) {
	const i = process.argv.indexOf(`--${name}`);
	return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

/* ------------------------------------------------------------------ child side ----- */

const candidates = {
	async sharp(input) {
		let t = performance.now();
		const sharp = require('sharp');
		const load = performance.now() - t;
		t = performance.now();
		const { data, info } = await sharp(input)
			.rotate()
			.resize(MAX_EDGE, MAX_EDGE, { fit: 'inside', withoutEnlargement: true })
			.jpeg({ quality: QUALITY })
			.toBuffer({ resolveWithObject: true });
		return { load, work: performance.now() - t, out: data.length, w: info.width, h: info.height, version: require('sharp').versions.sharp };
	},

	async jimp(input) {
		let t = performance.now();
		const { Jimp } = require('jimp');
		const load = performance.now() - t;
		t = performance.now();
		const image = await Jimp.read(input); // applies EXIF orientation on read
		image.scaleToFit({ w: MAX_EDGE, h: MAX_EDGE });
		const out = await image.getBuffer('image/jpeg', { quality: QUALITY });
		return { load, work: performance.now() - t, out: out.length, w: image.bitmap.width, h: image.bitmap.height, version: pkgVersion('jimp') };
	},

	async 'wasm-vips'(input) {
		let t = performance.now();
		const Vips = require('wasm-vips');
		const vips = await Vips({ dynamicLibraries: [] }); // skip the HEIF/JXL/SVG side modules
		const load = performance.now() - t;
		t = performance.now();
		// thumbnail honours EXIF orientation and shrinks on load (JPEG DCT scaling)
		const image = vips.Image.thumbnailBuffer(input, MAX_EDGE, { height: MAX_EDGE, size: 'down' });
		const out = image.writeToBuffer('.jpg', { Q: QUALITY });
		const result = { load, work: performance.now() - t, out: out.length, w: image.width, h: image.height, version: pkgVersion('wasm-vips') };
		image.delete();
		vips.shutdown();
		return result;
	},
};

function pkgVersion(name) {
	// Some packages do not export ./package.json; read it from disk instead.
	let dir = path.dirname(require.resolve(name));
	while (!fs.existsSync(path.join(dir, 'package.json')) || JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).name !== name) {
		const up = path.dirname(dir);
		if (up === dir) return '?';
		dir = up;
	}
	return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
}

async function child(lib, file) {
	const input = fs.readFileSync(file);
	const result = await candidates[lib](input);
	result.maxRssMB = process.resourceUsage().maxRSS / 1024;
	process.stdout.write(JSON.stringify(result) + '\n');
	process.exit(0); // wasm-vips keeps worker threads alive
}

/* ----------------------------------------------------------------- parent side ----- */

async function makeInput(file, png) {
	if (fs.existsSync(file)) return;
	const sharp = require('sharp');
	// Photo-like: smooth colour gradients and waves, plus independent per-channel noise
	// (sensor grain), which is what makes real photos large as JPEG.
	const raw = Buffer.alloc(WIDTH * HEIGHT * 3);
	const amplitude = png ? 1.2 : 44; // PNG is lossless: strong grain would make it ~70 MB
	let seed = 12345;
	const noise = () => {
		seed = (seed * 1103515245 + 12345) & 0x7fffffff;
		return (seed / 0x7fffffff - 0.5) * amplitude;
	};
	const clamp = (v) => (v < 0 ? 0 : v > 255 ? 255 : v);
	for (let y = 0; y < HEIGHT; y++) {
		for (let x = 0; x < WIDTH; x++) {
			const i = (y * WIDTH + x) * 3;
			raw[i] = clamp((x * 255) / WIDTH + noise());
			raw[i + 1] = clamp((y * 255) / HEIGHT + noise());
			raw[i + 2] = clamp(128 + 64 * Math.sin(x / 300) * Math.cos(y / 200) + noise());
		}
	}
	const image = sharp(raw, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } });
	await (png ? image.png() : image.jpeg({ quality: 92, chromaSubsampling: '4:4:4' }).withMetadata({ orientation: 1 })).toFile(file);
}

function median(values) {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function installed(lib) {
	try {
		require.resolve(lib);
		return true;
	} catch {
		return false;
	}
}

async function main() {
	const runs = Number(arg('runs', '3'));
	const png = process.argv.includes('--png');
	const file = arg('input', path.join(os.tmpdir(), `resize-bench-${WIDTH}x${HEIGHT}.${png ? 'png' : 'jpg'}`));
	const libs = arg('libs', Object.keys(candidates).join(',')).split(',');
	await makeInput(file, png);
	const size = fs.statSync(file).size;
	console.log(`input: ${file}, ${(size / 1e6).toFixed(1)} MB; task: long edge ${MAX_EDGE}, JPEG q=${QUALITY}`);
	console.log(`node ${process.version} ${process.platform}-${process.arch}, ${os.cpus().length} CPUs, ${runs} fresh processes per library, medians\n`);
	const rows = [['library', 'version', 'load ms', 'work ms', 'total ms', 'peak RSS MB', 'output', 'out bytes']];
	for (const lib of libs) {
		if (!installed(lib)) {
			rows.push([lib, 'not installed', '', '', '', '', '', '']);
			continue;
		}
		const results = [];
		for (let r = 0; r < runs; r++) {
			const proc = spawnSync(process.execPath, [__filename, '--child', lib, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
			if (proc.status !== 0) {
				console.error(`${lib} run ${r + 1} failed:\n${proc.stderr}`);
				process.exitCode = 1;
				break;
			}
			results.push(JSON.parse(proc.stdout.trim().split('\n').pop()));
		}
		if (results.length === 0) continue;
		const first = results[0];
		rows.push([
			lib,
			first.version,
			median(results.map((r) => r.load)).toFixed(0),
			median(results.map((r) => r.work)).toFixed(0),
			median(results.map((r) => r.load + r.work)).toFixed(0),
			median(results.map((r) => r.maxRssMB)).toFixed(0),
			`${first.w}x${first.h}`,
			String(median(results.map((r) => r.out))),
		]);
	}
	const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
	const line = (row) => '| ' + row.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join(' | ') + ' |';
	console.log(line(rows[0]));
	console.log('|' + widths.map((w, c) => (c < 2 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|');
	for (const row of rows.slice(1)) console.log(line(row));
}

if (process.argv[2] === '--child') {
	child(process.argv[3], process.argv[4]).catch((error) => {
		console.error(error);
		process.exit(1);
	});
} else {
	main().catch((error) => {
		console.error(error);
		process.exit(1);
	});
}
