'use strict';
/**
 * Loads a TypeScript module of this repository (test/server.ts, test/fixtures.ts) in plain
 * Node, by transpiling it with the project's own `typescript` (a devDependency) at run time.
 * So the plain-Node suites (e2e, streaming, ui, queue) use the very same loopback server as
 * the jest suites, not a copy.
 * Only type-free transpilation: relative imports of other .ts files are loaded the same way.
 */
const fs = require('fs');
const path = require('path');
const Module = require('module');

const cache = new Map();

function loadTs(file, root = path.resolve(__dirname, '..', '..')) {
	const full = path.resolve(file);
	if (cache.has(full)) return cache.get(full).exports;
	const ts = require(require.resolve('typescript', { paths: [root] }));
	const source = fs.readFileSync(full, 'utf8');
	const { outputText } = ts.transpileModule(source, {
		fileName: full,
		compilerOptions: {
			module: ts.ModuleKind.CommonJS,
			target: ts.ScriptTarget.ES2022,
			esModuleInterop: true,
			sourceMap: false,
		},
	});
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
