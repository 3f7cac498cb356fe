import type { ModelId } from '../catalog.ts';
import { ContentFilteredError, GenerationFailedError } from '../errors.ts';
import {
  ProviderError,
  type ImageGenerationRequest,
  type ImageGenerationResult,
  type ImageProvider,
} from './image-provider.ts';

export interface RoutedResult extends ImageGenerationResult {
  provider: string;
}

export interface RouterLogger {
  warn(object: object, message: string): void;
}

/**
 * Tries a model's candidates in order. A retryable failure moves to the next candidate;
 * the provider's moderation ends the attempt as `content_filtered`; anything else, or the
 * end of the list, is `generation_failed` with a message that names the model and nothing
 * of the provider's internals.
 */
export class ProviderRouter {
  constructor(
    private readonly candidates: ReadonlyMap<ModelId, readonly ImageProvider[]>,
    private readonly logger?: RouterLogger,
  ) {}

  /** Which provider would serve each model now, first candidate first. */
  describe(): Record<ModelId, string[]> {
    const result = {} as Record<ModelId, string[]>;
    for (const [model, providers] of this.candidates) result[model] = providers.map((provider) => provider.id);
    return result;
  }

  async generate(request: ImageGenerationRequest): Promise<RoutedResult> {
    const providers = this.candidates.get(request.model) ?? [];
    if (providers.length === 0) {
      throw new GenerationFailedError(
        `No image provider is configured for model "${request.model}"; try another model or ask the operator to configure one.`,
      );
    }
    for (const provider of providers) {
      request.abortSignal?.throwIfAborted();
      try {
        const result = await provider.generate(request);
        return { ...result, provider: provider.id };
      } catch (error) {
        if (request.abortSignal?.aborted) throw error;
        const failure =
          error instanceof ProviderError
            ? error
            : new ProviderError({ provider: provider.id, kind: 'fatal', message: String(error), cause: error });
        this.logger?.warn(
          { provider: provider.id, model: request.model, kind: failure.kind, statusCode: failure.statusCode, err: failure.message },
          'image provider failed',
        );
        if (failure.kind === 'moderation') {
          throw new ContentFilteredError(
            "The prompt was rejected by the image provider's content moderation; rephrase it and try again.",
            { cause: failure },
          );
        }
        if (failure.kind === 'fatal') break;
      }
    }
    throw new GenerationFailedError(
      `Model "${request.model}" could not generate the image; retry, or try a different model.`,
    );
  }
}
