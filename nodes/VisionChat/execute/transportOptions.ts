import type { INodeProperties } from 'n8n-workflow';
import { DEFAULT_TIMEOUTS } from '../stream/transport/timeouts';
import { DEFAULT_RETRY } from '../stream/retry/policy';
import { DEFAULT_MAX_RATE_LIMIT_WAIT_MS, type AccountScheduler } from '../stream/schedule/accountScheduler';

/** Items in flight at once per execution, unless the user says otherwise. */
export const DEFAULT_CONCURRENCY = 4;

/** Timeouts, retries, TLS and parallelism: how the streaming core is driven for each item. */
export interface TransportOptions {
	timeout?: number;
	firstByteTimeout?: number;
	totalTimeout?: number;
	allowUnauthorizedCerts?: boolean;
	maxRetries?: number;
	maxRateLimitWait?: number;
	concurrency?: number;
}

/** Entries of the node's Options collection; parameter names are a public interface, never rename one. */
export const transportOptionFields: INodeProperties[] = [
	{
		displayName: 'Allow Self-Signed Certificates',
		name: 'allowUnauthorizedCerts',
		type: 'boolean',
		default: false,
		description: 'Whether to accept TLS certificates that cannot be verified, e.g. a private gateway with a self-signed certificate. Leave off for public services.',
	},
	{
		displayName: 'Concurrency',
		name: 'concurrency',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 64 },
		default: DEFAULT_CONCURRENCY,
		description: 'How many items are sent at once. Results keep the input order.',
	},
	{
		displayName: 'First Byte Timeout (Ms)',
		name: 'firstByteTimeout',
		type: 'number',
		typeOptions: { minValue: 1000 },
		default: DEFAULT_TIMEOUTS.firstByteTimeoutMs,
		description: 'How long to wait for the server to start answering (its response headers), in milliseconds. After that, "Timeout" applies between pieces of data.',
	},
	{
		displayName: 'Max Rate Limit Wait (Ms)',
		name: 'maxRateLimitWait',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: DEFAULT_MAX_RATE_LIMIT_WAIT_MS,
		description: 'The most time one item may wait for rate limits in all (the provider\'s 429s and rate-limit headers, the credential\'s limits), in milliseconds; then it fails naming the limit. These waits do not use up Max Retries. 0 turns pacing off for this node: 429s are only retried within Max Retries.',
	},
	{
		displayName: 'Max Retries',
		name: 'maxRetries',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 10 },
		default: DEFAULT_RETRY.maxRetries,
		description: 'How many times to retry server errors (5xx) and network failures that happen before the answer starts (and 429s when Max Rate Limit Wait is 0). A stream is never retried once text has arrived.',
	},
	{
		displayName: 'Timeout (Ms)',
		name: 'timeout',
		type: 'number',
		typeOptions: { minValue: 1000 },
		default: DEFAULT_TIMEOUTS.idleTimeoutMs,
		description: 'How long to wait without receiving any data before giving up, in milliseconds. Slow vision models can pause for minutes.',
	},
	{
		displayName: 'Total Timeout (Ms)',
		name: 'totalTimeout',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 0,
		description: 'Upper limit for one item\'s whole request, retries included, in milliseconds. 0 means no limit: a healthy slow stream may run as long as it keeps sending.',
	},
];

/** The options as the streaming core names them; with an account scheduler unless pacing is off (0). */
export function transportSettings(
	options: TransportOptions,
	scheduler?: AccountScheduler,
): { idleTimeoutMs?: number; firstByteTimeoutMs?: number; totalTimeoutMs?: number; maxRetries?: number; scheduler?: AccountScheduler; maxRateLimitWaitMs?: number } {
	const maxRateLimitWaitMs = options.maxRateLimitWait ?? DEFAULT_MAX_RATE_LIMIT_WAIT_MS;
	return {
		scheduler: maxRateLimitWaitMs > 0 ? scheduler : undefined,
		maxRateLimitWaitMs,
		idleTimeoutMs: options.timeout,
		firstByteTimeoutMs: options.firstByteTimeout,
		// 0 in the form means no limit.
		totalTimeoutMs: options.totalTimeout || undefined,
		maxRetries: options.maxRetries,
	};
}
