/** The streaming core's public API: plain values in, plain values out, no n8n imports. */
export { streamChatCompletion, DEFAULT_TIMEOUTS, type StreamChatOptions, type ChunkInfo } from './transport/client';
export { ChatStreamAccumulator } from './answer/accumulate';
export { ChunkDecoder } from './sse/chunkDecoder';
export { errorMessageOf } from './errors/serverMessage';
export { InlineImage, jsonBody, type RequestBody } from './request/body';
export { VisionStreamError, redactSecret, type StreamErrorKind, type AttemptRecord } from './errors/streamError';
export { listModels, type ModelInfo, type ListModelsOptions } from './transport/models';
export { chatCompletionsUrl, displayUrl, modelsUrl, normaliseApiKey, normaliseBaseUrl, sendsKeyInClear } from './request/endpoint';
export { keyHeaders, DEFAULT_KEY_HEADER, type KeyAuth, type KeyPlacement } from './request/auth';
export { deltaReasoning, deltaText, splitContentParts } from './answer/contentParts';
export { decodedBody } from './transport/responseBody';
export { backoffDelayMs, decideRetry, DEFAULT_RETRY, type RetrySettings, type RetryDecision } from './retry/policy';
export { isTransientStatus, serverRequestedDelayMs } from './retry/retryAfter';
export type * from './types';
export { accountScheduler, accountKey } from './schedule/registry';
export { AccountScheduler, DEFAULT_MAX_RATE_LIMIT_WAIT_MS, type AccountLimits, type Permit, type WaitBudget } from './schedule/accountScheduler';
export { readRateLimitHeaders, type RateLimitInfo, type Quota } from './schedule/rateLimitHeaders';
