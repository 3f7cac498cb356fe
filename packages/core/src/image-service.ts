import type { ModelId, Ratio, Style } from './catalog.ts';
import type { Caller } from './access.ts';
import { ContentFilteredError, GenerationFailedError, InvalidModelError, InvalidRequestError, callerWentAway } from './errors.ts';
import type { InFlightLimiter } from './quota/in-flight-limiter.ts';
import type { ContentFilter } from './filter/content-filter.ts';
import type { GenerationObserver } from './observer.ts';
import type { PromptModeration } from './providers/openai/openai-moderation.ts';
import type { ProviderRouter, RoutedResult } from './providers/router.ts';
import { keepInLedger, type Ledger, type LedgerEntry } from './ledger/ledger.ts';
import { utcDay, type QuotaService, type QuotaSnapshot } from './quota/quota-service.ts';
import { imageExtension, newImageId, type ImageStorage, type StoredImage } from './storage/image-storage.ts';
import type { WorkHooks } from './work-hooks.ts';

/** A generate request, validated by the API's input schema before it reaches the service. */
export interface GenerateInput {
  prompt: string;
  model: ModelId;
  style: Style;
  ratio: Ratio;
  /** Image i of a request uses seed + i, so `n` images differ yet each can be reproduced. */
  seed?: number;
  negativePrompt?: string;
}

/**
 * A caller's cancellation, or what makes it on first use (the same signal on every call):
 * making an AbortSignal costs more than the rest of a refusal's checks, and most refused
 * requests never reach work that could be cancelled.
 */
export type AbortSignalSource = AbortSignal | (() => AbortSignal);

const signalFrom = (source: AbortSignalSource | undefined) => (typeof source === 'function' ? source() : source);

export interface GeneratedImageRecord {
  id: string;
  /** "<id>.<ext>": served at /images/<fileName> on whichever address the caller used. */
  fileName: string;
  model: ModelId;
  style: Style;
  ratio: Ratio;
  width: number;
  height: number;
  provider: string;
  /** The provider's own id of the model that drew it. */
  upstreamModel: string;
  /** The seed it was drawn with, when the provider honoured one. */
  seed?: number;
  /** What the provider says it cost, in US dollars, where it says so. */
  costUsd?: number;
  /** The tokens the provider says it billed, where it says so. */
  tokens?: { input: number; output: number };
  /** Settings the provider could not honour exactly (e.g. a pixel size it picks itself). */
  warnings: string[];
  createdAt: string;
  /** The caller's quota after this request (its units included). */
  quota: QuotaSnapshot;
}


/**
 * generate = content filter → remote moderation (if enabled) → a place among the caller's
 * generations in flight → reserve units → provider → store → commit.
 *
 * Refund rule: the units come back when the work itself fails (every provider failed or
 * refused, storage failed, the server cancelled it). A caller that hangs up after the
 * request reached a provider pays: the provider has been asked, and charges the operator.
 */
export class ImageService {
  constructor(
    private readonly deps: {
      filter: ContentFilter;
      /** Remote moderation, after the local filter, when the operator enabled it. */
      moderation?: PromptModeration;
      observer?: GenerationObserver;
      quota: QuotaService;
      router: ProviderRouter;
      storage: ImageStorage;
      inFlight: InFlightLimiter;
      /** Images one request may ask for, on every surface. */
      maxImagesPerRequest: number;
      ledger?: Ledger;
      logger?: { warn(object: object, message: string): void };
      clock?: () => Date;
    },
  ) {}

  get maxImagesPerRequest(): number {
    return this.deps.maxImagesPerRequest;
  }

  async generate(caller: Caller, input: GenerateInput, abortSignal?: AbortSignal): Promise<GeneratedImageRecord> {
    const [record] = await this.generateMany(caller, input, 1, abortSignal);
    return record!;
  }

  /**
   * `count` images of the same request, each one unit, reserved all at once: either every
   * unit is available or none is taken. If any image fails, every unit is refunded and the
   * request fails as a whole (no partial charge for a partial answer).
   */
  async generateMany(caller: Caller, input: GenerateInput, count: number, abortSignal?: AbortSignalSource, hooks: WorkHooks = {}): Promise<GeneratedImageRecord[]> {
    if (!Number.isInteger(count) || count < 1 || count > this.deps.maxImagesPerRequest) {
      throw new InvalidRequestError(`n must be a whole number from 1 to ${this.deps.maxImagesPerRequest}.`, { field: 'n' });
    }
    const model = this.deps.router.resolve(input.model);
    if (model === undefined) {
      const known = Object.keys(this.deps.router.describe()).join(', ');
      throw new InvalidModelError(`model must be one of: ${known} (or an alias listed by GET /api/models).`, { field: 'model' });
    }
    this.deps.filter.assertAllowed(input.prompt);
    await this.deps.moderation?.check(input.prompt, signalFrom(abortSignal));
    const release = this.deps.inFlight.acquire(caller.account.subject);
    try {
      return await this.generateReserved(caller, { ...input, model }, count, abortSignal, hooks);
    } finally {
      release();
    }
  }

  private async generateReserved(caller: Caller, input: GenerateInput, count: number, abortSignalSource: AbortSignalSource | undefined, hooks: WorkHooks) {
    const reservation = await this.deps.quota.reserve(caller.account, count);
    const abortSignal = signalFrom(abortSignalSource);
    hooks.reserved?.(reservation);
    let imagesDone = 0;
    const report = (stage: string): void => hooks.progress?.({ stage, progress: imagesDone / count });
    const started = performance.now();
    const observe = (provider: string, outcome: 'success' | 'content_filtered' | 'failed') =>
      this.deps.observer?.generation({ model: input.model, provider, outcome, seconds: (performance.now() - started) / 1000 });
    const finished: { result: RoutedResult; stored: StoredImage }[] = [];
    const attempts: { provider: string; upstreamModel: string }[] = [];
    // One entry per charged unit, so the usage report counts what the quota counted: a unit
    // whose image was never delivered names the provider asked last, without a cost (the
    // answer that reports it was never read).
    const recordInLedger = (now: Date) =>
      keepInLedger(
        this.deps.ledger,
        Array.from({ length: count }, (_, index): LedgerEntry => {
          const done = finished[index];
          const askedLast = done?.result ?? attempts[index];
          return {
            id: done?.stored.id ?? newImageId(),
            subject: caller.account.subject,
            day: utcDay(now),
            createdAt: now.toISOString(),
            operation: 'generate',
            model: input.model,
            provider: askedLast?.provider ?? 'none',
            ...(askedLast ? { upstreamModel: askedLast.upstreamModel } : {}),
            ...(done?.result.seed === undefined ? {} : { seed: done.result.seed }),
            ...(done?.result.costUsd === undefined ? {} : { costUsd: done.result.costUsd }),
            ...(done?.result.tokens === undefined ? {} : { tokens: done.result.tokens }),
          };
        }),
        this.deps.logger,
      );
    try {
      await Promise.all(
        Array.from({ length: count }, async (_, index) => {
          const seed = input.seed === undefined ? {} : { seed: (input.seed + index) % 2 ** 32 };
          const result = await this.deps.router.generate({
            ...input,
            ...seed,
            ...(abortSignal ? { abortSignal } : {}),
            onStatus: report,
            onAttempt: (attempt) => (attempts[index] = attempt),
          });
          observe(result.provider, 'success');
          report('storing');
          const stored = await this.deps.storage.save(result.image.bytes, imageExtension(result.image.mediaType) ?? 'png');
          imagesDone++;
          finished[index] = { result, stored };
        }),
      );
      abortSignal?.throwIfAborted();
      reservation.commit();
      const now = this.deps.clock?.() ?? new Date();
      const createdAt = now.toISOString();
      const records = finished.map(({ result, stored }) => ({
        id: stored.id,
        fileName: stored.fileName,
        model: input.model,
        style: input.style,
        ratio: input.ratio,
        width: result.image.width,
        height: result.image.height,
        provider: result.provider,
        upstreamModel: result.upstreamModel,
        ...(result.seed === undefined ? {} : { seed: result.seed }),
        ...(result.costUsd === undefined ? {} : { costUsd: result.costUsd }),
        ...(result.tokens === undefined ? {} : { tokens: result.tokens }),
        warnings: result.warnings.map((warning) => `${warning.setting}: ${warning.details}`),
        createdAt,
        quota: reservation.snapshot,
      }));
      await recordInLedger(now);
      return records;
    } catch (error) {
      // The providers were already asked when the caller left: that work is paid for.
      if (callerWentAway(abortSignal)) {
        reservation.commit();
        await recordInLedger(this.deps.clock?.() ?? new Date());
      } else await reservation.refund();
      if (!(error instanceof ContentFilteredError || error instanceof GenerationFailedError)) throw error;
      observe('none', error instanceof ContentFilteredError ? 'content_filtered' : 'failed');
      throw error;
    }
  }
}
