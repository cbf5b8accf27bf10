import { request } from 'undici';
import { dispatcherFor } from './dispatcher';
import { VisionStreamError } from '../errors/streamError';

export interface DownloadOptions {
	maxBytes: number;
	timeoutMs: number;
	maxRedirects: number;
	signal?: AbortSignal;
	allowUnauthorizedCerts?: boolean;
}

export interface Downloaded {
	bytes: Buffer;
	contentType: string;
}

/**
 * Fetches an image URL for sending inline (private URLs, providers that cannot fetch).
 * No credentials are ever sent; redirects are followed a bounded number of times; the body
 * is cut off at the size limit instead of being buffered whole.
 */
export async function downloadImage(url: string, options: DownloadOptions): Promise<Downloaded> {
	let current = url;
	const signal = options.signal ? AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]) : AbortSignal.timeout(options.timeoutMs);
	for (let hop = 0; ; hop++) {
		let response;
		try {
			response = await request(current, {
				method: 'GET',
				headers: { accept: 'image/*, application/pdf;q=0.9', 'user-agent': 'n8n-nodes-vision-stream' },
				signal,
				headersTimeout: options.timeoutMs,
				bodyTimeout: options.timeoutMs,
				dispatcher: dispatcherFor({ connectTimeoutMs: options.timeoutMs, allowUnauthorizedCerts: options.allowUnauthorizedCerts ?? false }),
			});
		} catch (error) {
			if (options.signal?.aborted) throw error;
			const timedOut = signal.aborted || /timeout/i.test(String((error as { code?: string }).code));
			throw new VisionStreamError(
				timedOut
					? `Downloading the image ${url} took longer than ${Math.round(options.timeoutMs / 1000)} s`
					: `Could not download the image ${url}: ${(error as Error).message}`,
				{ kind: timedOut ? 'timeout' : 'network', url, hint: 'Check that n8n can reach the image URL', cause: error },
			);
		}
		const location = response.headers.location;
		if (response.statusCode >= 300 && response.statusCode < 400 && location) {
			await response.body.dump();
			if (hop >= options.maxRedirects) {
				throw new VisionStreamError(`Downloading the image ${url} was redirected more than ${options.maxRedirects} times`, { kind: 'http', url });
			}
			current = new URL(String(location), current).href;
			continue;
		}
		if (response.statusCode < 200 || response.statusCode >= 300) {
			await response.body.dump();
			throw new VisionStreamError(`Downloading the image ${url} failed with HTTP ${response.statusCode}`, {
				kind: 'http',
				httpCode: response.statusCode,
				url,
				hint: response.statusCode === 401 || response.statusCode === 403 ? 'The image is private: make it reachable for n8n, or attach it as binary data' : 'Check the image URL',
			});
		}
		const declared = Number(response.headers['content-length']);
		if (declared > options.maxBytes) {
			response.body.destroy();
			throw tooLarge(url, options.maxBytes, declared);
		}
		const chunks: Buffer[] = [];
		let size = 0;
		for await (const chunk of response.body) {
			size += chunk.length;
			if (size > options.maxBytes) {
				response.body.destroy();
				throw tooLarge(url, options.maxBytes);
			}
			chunks.push(chunk);
		}
		return { bytes: Buffer.concat(chunks, size), contentType: String(response.headers['content-type'] ?? '') };
	}
}

function tooLarge(url: string, max: number, declaredSize?: number): VisionStreamError {
	const size = declaredSize ? ` ${(declaredSize / 1048576).toFixed(1)} MB,` : '';
	return new VisionStreamError(`The image at ${url} is${size} over the ${(max / 1048576).toFixed(1)} MB limit`, {
		kind: 'protocol',
		url,
		hint: 'Use a smaller image, or raise "Max Image Size (MB)"',
	});
}
