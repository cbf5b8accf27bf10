/**
 * How the API key travels. Most servers take `Authorization: Bearer`; Azure OpenAI's classic
 * API wants an `api-key` header, some gateways `x-api-key`, and local servers need nothing.
 */
export type KeyPlacement = 'bearer' | 'header' | 'none';

export interface KeyAuth {
	placement?: KeyPlacement;
	/** Header that carries the bare key when `placement` is 'header'. */
	headerName?: string;
}

export const DEFAULT_KEY_HEADER = 'api-key';

/** The headers that carry the key; an empty key sends none (local servers without auth). */
export function keyHeaders(apiKey: string, auth: KeyAuth | undefined): Record<string, string> {
	const placement = auth?.placement ?? 'bearer';
	if (placement === 'none' || !apiKey) return {};
	if (placement === 'header') {
		const name = (auth?.headerName ?? '').trim() || DEFAULT_KEY_HEADER;
		if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
			throw new TypeError(`The key header name "${name}" is not a valid HTTP header name: fix "Key Header Name" in the credential`);
		}
		return { [name.toLowerCase()]: apiKey };
	}
	return { authorization: `Bearer ${apiKey}` };
}
