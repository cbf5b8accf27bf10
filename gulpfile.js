// Copies what tsc does not emit (icons, codex files) next to the compiled nodes and credentials.
const { src, dest } = require('gulp');

function copyAssets() {
	return src(['nodes/**/*.{svg,png,json}', 'credentials/**/*.{svg,png}'], { base: '.', encoding: false }).pipe(dest('dist'));
}

exports.build = copyAssets;
exports.default = copyAssets;
