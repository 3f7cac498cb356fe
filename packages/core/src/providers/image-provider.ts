import type { ModelId, Ratio, Style } from '../catalog.ts';
import type { ImageMediaType } from '../storage/image-storage.ts';

/**
 * One small interface for every image backend, after the Vercel AI SDK's image model:
 * a setting the provider cannot honour becomes a warning, not an exception.
 */
export interface ImageGenerationRequest {
  /** The public model id the caller asked for (for logs and metrics). */
  model: ModelId;
  /** The provider's own id for the model that should draw it, from the model catalog. */
  upstreamModel: string;
  /** The catalog candidate's provider-specific settings. */
  options?: Readonly<Record<string, unknown>>;
  /** Only passed to providers whose descriptor says they honour it; the router warns otherwise. */
  seed?: number;
  negativePrompt?: string;
  /** The caller's prompt exactly as validated; providers add the style themselves. */
  prompt: string;
  style: Style;
  ratio: Ratio;
  abortSignal?: AbortSignal;
  /** Asynchronous providers report their own status here each time they poll (a job's stage). */
  onStatus?: (status: string) => void;
}

export interface ProviderWarning {
  setting: string;
  details: string;
}

export interface GeneratedImage {
  bytes: Uint8Array;
  mediaType: ImageMediaType;
  width: number;
  height: number;
}

export interface ImageGenerationResult {
  image: GeneratedImage;
  warnings: ProviderWarning[];
  /** What the provider says this image cost, in US dollars, where it says so. */
  costUsd?: number;
  /** The tokens the provider says it billed (OpenAI's GPT image models), where it says so. */
  tokens?: { input: number; output: number };
}

export interface ImageProvider {
  /** Stable name used in responses, logs and metrics ("local", "openai", "bfl", …). */
  readonly id: string;
  generate(request: ImageGenerationRequest): Promise<ImageGenerationResult>;
}

export type ProviderFailureKind = 'retryable' | 'moderation' | 'fatal';

/**
 * What a fallback chain needs to know about a failed call: whether the next candidate may
 * succeed (`retryable`: network, timeout, 408/409/429/5xx), whether the provider refused the
 * content (`moderation`), or neither (`fatal`). Never carries credentials.
 */
export class ProviderError extends Error {
  readonly provider: string;
  readonly kind: ProviderFailureKind;
  readonly statusCode: number | undefined;
  readonly url: string | undefined;
  readonly responseBody: string | undefined;

  constructor(options: {
    provider: string;
    kind: ProviderFailureKind;
    message: string;
    statusCode?: number;
    url?: string;
    responseBody?: string;
    cause?: unknown;
  }) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ProviderError';
    this.provider = options.provider;
    this.kind = options.kind;
    this.statusCode = options.statusCode;
    this.url = options.url;
    this.responseBody = options.responseBody;
  }
}

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}
