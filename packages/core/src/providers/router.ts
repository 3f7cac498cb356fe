import type { ModelId } from '../catalog.ts';
import type { GenerationObserver } from '../observer.ts';
import { ContentFilteredError, GenerationFailedError } from '../errors.ts';
import { ProviderError, type ImageGenerationRequest, type ImageGenerationResult, type ImageProvider } from './image-provider.ts';

export interface RoutedResult extends ImageGenerationResult {
  provider: string;
  /** The provider's own id of the model that drew the image. */
  upstreamModel: string;
  /** The seed the provider was given, when it honours one. */
  seed?: number;
}

/** One way to serve a model: a provider, the model id it knows it by, and its settings. */
export interface Candidate {
  provider: ImageProvider;
  upstreamModel: string;
  options?: Readonly<Record<string, unknown>>;
  /** What the provider honours (its descriptor's); a setting it cannot is dropped with a warning. */
  capabilities?: { seed: boolean; negativePrompt: boolean };
}

/** A request as the router takes it: each candidate supplies its own upstream model. */
export type RouterRequest = Omit<ImageGenerationRequest, 'upstreamModel'> & {
  /** Told before each provider is asked: a caller who hangs up pays for the one asked last. */
  onAttempt?: (attempt: { provider: string; upstreamModel: string }) => void;
};

export interface RouterLogger {
  warn(object: object, message: string): void;
}

export interface RouterOptions {
  logger?: RouterLogger;
  observer?: Pick<GenerationObserver, 'providerAttempt'>;
  /** The whole chain's deadline. */
  timeoutMs?: number;
  /** Lower-cased id or alias → model id; without it, only exact ids resolve. */
  aliases?: ReadonlyMap<string, string>;
  /** Consecutive failures after which a provider is skipped… */
  breakerThreshold?: number;
  /** …for this long, before one request may try it again. */
  breakerCooldownMs?: number;
  clock?: () => number;
}

interface Breaker {
  failures: number;
  openUntil: number;
}

/**
 * Tries a model's candidates in order. The provider's own moderation ends the request as
 * `content_filtered` (another provider would only be asked to draw the same thing). Any other
 * failure moves to the next candidate; when none is left, or the deadline passes, the
 * answer is `generation_failed`, naming the model and nothing of the providers' internals.
 *
 * A short-lived circuit breaker skips a provider after repeated failures, so a provider
 * that is down costs one timeout per cooldown instead of one per request.
 */
export class ProviderRouter {
  private readonly breakers = new Map<string, Breaker>();
  private readonly clock: () => number;

  constructor(
    private readonly candidates: ReadonlyMap<ModelId, readonly Candidate[]>,
    private readonly options: RouterOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
  }

  /** The model id a caller's id or alias names (case-insensitively), if any. */
  resolve(name: string): string | undefined {
    if (this.options.aliases) return this.options.aliases.get(name.toLowerCase());
    return this.candidates.has(name) ? name : undefined;
  }

  /** Which provider would serve each model now, first candidate first. */
  describe(): Record<ModelId, string[]> {
    const result = {} as Record<ModelId, string[]>;
    for (const [model, candidates] of this.candidates) result[model] = candidates.map((candidate) => candidate.provider.id);
    return result;
  }

  async generate(request: RouterRequest): Promise<RoutedResult> {
    const candidates = this.candidates.get(request.model) ?? [];
    if (candidates.length === 0) {
      throw new GenerationFailedError(
        `No image provider is configured for model "${request.model}"; try another model or ask the operator to configure one.`,
      );
    }
    const deadline = AbortSignal.timeout(this.options.timeoutMs ?? 180_000);
    const abortSignal = AbortSignal.any([deadline, ...(request.abortSignal ? [request.abortSignal] : [])]);
    for (const { provider, upstreamModel, options, capabilities } of candidates) {
      if (this.isOpen(provider.id)) continue;
      const started = performance.now();
      const observe = (outcome: 'success' | 'moderation' | 'retryable' | 'fatal') =>
        this.options.observer?.providerAttempt({ provider: provider.id, outcome, seconds: (performance.now() - started) / 1000 });
      try {
        const { seed, negativePrompt, onStatus, onAttempt, ...common } = request;
        onAttempt?.({ provider: provider.id, upstreamModel });
        onStatus?.(`${provider.id}: requesting`);
        const honoured = {
          ...(seed !== undefined && capabilities?.seed ? { seed } : {}),
          ...(negativePrompt !== undefined && capabilities?.negativePrompt ? { negativePrompt } : {}),
        };
        const result = await provider.generate({
          ...common,
          ...honoured,
          upstreamModel,
          ...(options ? { options } : {}),
          abortSignal,
          ...(onStatus ? { onStatus: (status: string) => onStatus(`${provider.id}: ${status}`) } : {}),
        });
        observe('success');
        this.breakers.delete(provider.id);
        const dropped = [
          ...(seed !== undefined && honoured.seed === undefined ? [{ setting: 'seed', details: `${provider.id} cannot fix the seed; it was not used.` }] : []),
          ...(negativePrompt !== undefined && honoured.negativePrompt === undefined
            ? [{ setting: 'negative_prompt', details: `${provider.id} takes no negative prompt; it was not used.` }]
            : []),
        ];
        return { ...result, warnings: [...dropped, ...result.warnings], provider: provider.id, upstreamModel, ...(honoured.seed === undefined ? {} : { seed: honoured.seed }) };
      } catch (error) {
        if (request.abortSignal?.aborted) throw request.abortSignal.reason;
        if (deadline.aborted) break;
        const failure =
          error instanceof ProviderError
            ? error
            : new ProviderError({ provider: provider.id, kind: 'retryable', message: String(error), cause: error });
        this.options.logger?.warn(
          {
            provider: provider.id,
            model: request.model,
            upstreamModel,
            kind: failure.kind,
            statusCode: failure.statusCode,
            url: failure.url,
            err: failure.message,
            responseBody: failure.responseBody,
          },
          'image provider failed',
        );
        observe(failure.kind);
        if (failure.kind === 'moderation') {
          throw new ContentFilteredError(
            "The prompt was rejected by the image provider's content moderation; rephrase it and try again.",
            { cause: failure },
          );
        }
        this.recordFailure(provider.id);
      }
    }
    throw new GenerationFailedError(
      deadline.aborted
        ? `Model "${request.model}" took too long to generate the image; retry, or try a different model.`
        : `Model "${request.model}" could not generate the image; retry, or try a different model.`,
    );
  }

  private isOpen(providerId: string): boolean {
    const breaker = this.breakers.get(providerId);
    return breaker !== undefined && breaker.openUntil > this.clock();
  }

  private recordFailure(providerId: string): void {
    const breaker = this.breakers.get(providerId) ?? { failures: 0, openUntil: 0 };
    breaker.failures++;
    if (breaker.failures >= (this.options.breakerThreshold ?? 3)) {
      breaker.openUntil = this.clock() + (this.options.breakerCooldownMs ?? 30_000);
      // Half-open afterwards: one more failure reopens it at once.
      breaker.failures = (this.options.breakerThreshold ?? 3) - 1;
    }
    this.breakers.set(providerId, breaker);
  }
}
