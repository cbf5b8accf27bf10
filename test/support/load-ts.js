'use strict';
/**
 * Loads a TypeScript module of this repository (test/server.ts, test/fixtures.ts) in plain
 * Node, by transpiling it with the project's own `typescript` (a devDependency) at run time.
 * So the plain-Node suites (e2e, streaming, ui, queue) use the very same loopback server as
 * the jest suites, not a copy.
 * Only type-free transpilation: relative imports of other .ts files are loaded the same way.
 *
 * With VISION_LOAD_TS_CACHE=<folder> the transpiled output is kept there (keyed by path and
 * source) and reused without loading the compiler: bench/run.js fills it once so that the
 * benchmark's measuring processes do not carry the TypeScript compiler in their memory.
 */
const fs = require('fs');
const path = require('path');
const Module = require('module');
const crypto = require('crypto');

const cache = new Map();

function transpileNow(full, source, root) {
	const ts = require(require.resolve('typescript', { paths: [root] }));
	return ts.transpileModule(source, {
		fileName: full,
		compilerOptions: {
			module: ts.ModuleKind.CommonJS,
			target: ts.ScriptTarget.ES2022,
			esModuleInterop: true,
			sourceMap: false,
		},
	}).outputText;
}

function transpile(full, source, root) {
	const cacheDir = process.env.VISION_LOAD_TS_CACHE;
	if (!cacheDir) return transpileNow(full, source, root);
	const key = crypto.createHash('sha256').update(full).update('\0').update(source).digest('hex');
	const cached = path.join(cacheDir, `${key}.js`);
	if (fs.existsSync(cached)) return fs.readFileSync(cached, 'utf8');
	const outputText = transpileNow(full, source, root);
	fs.mkdirSync(cacheDir, { recursive: true });
	const partial = `${cached}.${process.pid}.tmp`;
	fs.writeFileSync(partial, outputText);
	fs.renameSync(partial, cached);
	return outputText;
}

function loadTs(file, root = path.resolve(__dirname, '..', '..')) {
	const full = path.resolve(file);
	if (cache.has(full)) return cache.get(full).exports;
	const source = fs.readFileSync(full, 'utf8');
	const outputText = transpile(full, source, root);
	const mod = new Module(full, module);
	mod.filename = full;
	mod.paths = Module._nodeModulePaths(path.dirname(full));
	cache.set(full, mod);
	const baseRequire = mod.require.bind(mod);
	mod.require = (request) => {
		if (request.startsWith('.')) {
			const base = path.resolve(path.dirname(full), request);
			for (const candidate of [`${base}.ts`, path.join(base, 'index.ts')]) {
				if (fs.existsSync(candidate)) return loadTs(candidate, root);
			}
		}
		return baseRequire(request);
	};
	mod._compile(outputText, full);
	return mod.exports;
}

module.exports = { loadTs };
