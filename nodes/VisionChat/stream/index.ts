/** The streaming core's public API: plain values in, plain values out, no n8n imports. */
export { streamChatCompletion, DEFAULT_TIMEOUTS, type StreamChatOptions, type ChunkInfo } from './client';
export { ChatStreamAccumulator } from './accumulate';
export { ChunkDecoder, errorMessageOf } from './events';
export { InlineImage, jsonBody, bodyToString, type RequestBody } from './body';
export { VisionStreamError, redactSecret, type StreamErrorKind, type AttemptRecord } from './errors';
export { listModels, type ModelInfo, type ListModelsOptions } from './models';
export { chatCompletionsUrl, displayUrl, modelsUrl, normaliseApiKey, normaliseBaseUrl, sendsKeyInClear } from './endpoint';
export { keyHeaders, DEFAULT_KEY_HEADER, type KeyAuth, type KeyPlacement } from './auth';
export { deltaReasoning, deltaText, splitContentParts } from './contentParts';
export { decodedBody } from './responseBody';
export { backoffDelayMs, isRetriableStatus, serverRequestedDelayMs } from './retry';
export type * from './types';
