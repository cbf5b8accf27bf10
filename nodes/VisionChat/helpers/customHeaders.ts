/** "Name: Value" lines from the credential; the node's own Authorization always wins. */
export function parseHeaderLines(text: string): Record<string, string> {
	const headers: Record<string, string> = {};
	for (const line of text.split(/\r?\n/)) {
		if (!line.trim()) continue;
		const colon = line.indexOf(':');
		const name = colon > 0 ? line.slice(0, colon).trim() : '';
		if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new Error(`The custom header line "${line.trim()}" is not "Name: Value"`);
		if (/^(authorization|content-type|content-length|host)$/i.test(name)) throw new Error(`The custom header "${name}" is set by the node and cannot be overridden`);
		headers[name.toLowerCase()] = line.slice(colon + 1).trim();
	}
	return headers;
}
