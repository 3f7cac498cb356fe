export * from './access.ts';
export * from './catalog.ts';
export { BUILT_IN_MODELS, type ModelSpec } from './model-catalog.ts';
export * from './config.ts';
export * from './errors.ts';
export * from './image-service.ts';
export * from './services.ts';
export { ContentFilter } from './filter/content-filter.ts';
export { KeyService, hashKey, looksLikeKey } from './keys/key-service.ts';
export type { ApiKeyRecord } from './keys/key-store.ts';
export { QuotaService, nextUtcMidnight, secondsUntil, utcDay, type QuotaSnapshot } from './quota/quota-service.ts';
export { ProviderError, type ImageProvider } from './providers/image-provider.ts';
export { parseImageFileName, type ImageStorage } from './storage/image-storage.ts';
export type { EnhanceInput, EnhancedImageRecord } from './enhance/enhance-service.ts';
export { OUTPUT_FORMATS, type OutputFormat } from './enhance/image-io.ts';

export type { GenerationObserver } from './observer.ts';
export { IMAGE_FORMATS, etagOf, parseRange } from './storage/image-storage.ts';
export { configuredSecrets, redactSecrets, redactingStream } from './redact.ts';
