'use strict';
/** Small helpers for the benchmark table: medians and number formatting. */

function median(values) {
	const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
	if (sorted.length === 0) return NaN;
	const mid = sorted.length >> 1;
	return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function summary(values) {
	const finite = values.filter((v) => Number.isFinite(v));
	return { median: median(finite), min: Math.min(...finite), max: Math.max(...finite), n: finite.length };
}

/** Thousands separators, a fixed number of decimals. */
function num(value, decimals = 0) {
	if (!Number.isFinite(value)) return '–';
	return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** Three significant digits or so, for figures of very different sizes. */
function sig(value) {
	if (!Number.isFinite(value)) return '–';
	const abs = Math.abs(value);
	if (abs >= 100) return num(value, 0);
	if (abs >= 10) return num(value, 1);
	if (abs >= 1) return num(value, 2);
	return num(value, 3);
}

module.exports = { median, summary, num, sig };
