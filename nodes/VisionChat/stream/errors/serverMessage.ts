/** The human message inside whatever a server sent: JSON error shapes of every vendor, HTML pages, raw text. */

/** Pulls the human message out of the many error shapes servers use. */
export function errorMessageOf(body: unknown): string {
	if (typeof body === 'string') {
		const trimmed = body.trim();
		if (trimmed.startsWith('{')) {
			try {
				return errorMessageOf(JSON.parse(trimmed));
			} catch {
				// not JSON after all
			}
		}
		return snippet(trimmed) || '(no message)';
	}
	if (body && typeof body === 'object') {
		const record = body as Record<string, unknown>;
		const error = record.error;
		if (typeof error === 'string') return error;
		if (error && typeof error === 'object') {
			const inner = error as Record<string, unknown>;
			const message = inner.message ?? inner.msg ?? inner.detail;
			const code = inner.code ?? inner.type;
			if (typeof message === 'string') {
				const withCode = code && typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
				return withCode + upstreamDetail(inner.metadata);
			}
			return snippet(JSON.stringify(error));
		}
		for (const key of ['message', 'detail', 'msg', 'error_description']) {
			const value = record[key];
			if (typeof value === 'string') return value;
			if (Array.isArray(value)) return snippet(JSON.stringify(value));
		}
		return snippet(JSON.stringify(body));
	}
	return String(body);
}

/** OpenRouter names the upstream provider and quotes its raw error under `error.metadata`. */
function upstreamDetail(metadata: unknown): string {
	if (!metadata || typeof metadata !== 'object') return '';
	const { raw, provider_name: provider } = metadata as { raw?: unknown; provider_name?: unknown };
	if (raw === undefined && provider === undefined) return '';
	let rawText = '';
	if (typeof raw === 'string') rawText = raw.trim().startsWith('{') ? errorMessageOf(raw) : snippet(raw);
	else if (raw !== undefined && raw !== null) rawText = errorMessageOf(raw);
	const who = typeof provider === 'string' && provider ? provider : '';
	if (!who && !rawText) return '';
	return ` — ${who}${who && rawText ? ': ' : ''}${rawText}`;
}

export function snippet(text: string, max = 300): string {
	const flat = text.replace(/\s+/g, ' ').trim();
	return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** Turns an HTML error page (a proxy's 502, a login page) into one readable line. */
export function summariseHtml(html: string): string {
	const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1];
	const heading = /<h1[^>]*>([\s\S]*?)<\/h1>/i.exec(html)?.[1];
	const parts = [title, heading]
		.map((part) => (part ? decodeEntities(part.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ').trim() : ''))
		.filter((part, i, all) => part && all.indexOf(part) === i);
	if (parts.length > 0) return `HTML page: ${parts.join(' – ')}`;
	const text = decodeEntities(
		html
			.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
			.replace(/<[^>]+>/g, ' '),
	);
	return `HTML page: ${snippet(text, 200)}`;
}

function decodeEntities(text: string): string {
	return text
		.replace(/&lt;/g, '<')
		.replace(/&gt;/g, '>')
		.replace(/&quot;/g, '"')
		.replace(/&#39;/g, "'")
		.replace(/&nbsp;/g, ' ')
		.replace(/&amp;/g, '&');
}

export function looksLikeHtml(body: string, contentType: string): boolean {
	return contentType.includes('html') || /^\s*<(!doctype|html|head|body)/i.test(body);
}

/** The server's message from an error body of any shape. */
export function serverMessageOf(body: string, contentType: string): string {
	if (!body.trim()) return '(empty body)';
	if (looksLikeHtml(body, contentType)) return summariseHtml(body);
	return errorMessageOf(body);
}
