import type { Caller } from '../access.ts';
import { PayloadTooLargeError, callerWentAway } from '../errors.ts';
import type { InFlightLimiter } from '../quota/in-flight-limiter.ts';
import { keepInLedger, type Ledger } from '../ledger/ledger.ts';
import type { GenerationObserver } from '../observer.ts';
import { utcDay, type QuotaService, type QuotaSnapshot, type Reservation } from '../quota/quota-service.ts';
import { imageExtension, newImageId, type ImageStorage, type StoredImage } from '../storage/image-storage.ts';
import type { EnhancePool, EnhanceTicket } from './enhance-pool.ts';
import type { WorkHooks } from '../work-hooks.ts';
import type { Scale } from '../catalog.ts';
import { decodePixels, inspectUpload, type OutputFormat, type UploadLimits } from './image-io.ts';

/** An enhance request, validated by the API's input schema before it reaches the service. */
export interface EnhanceInput {
  image: File;
  /** 1–10: how much of the model's detail is blended over a Lanczos upscale. */
  strength: number;
  scale: Scale;
  format: OutputFormat;
}

export interface EnhancedImageRecord {
  id: string;
  /** "<id>.<ext>": served at /images/<fileName> on whichever address the caller used. */
  fileName: string;
  originalSize: string;
  enhancedSize: string;
  scale: Scale;
  strength: number;
  format: OutputFormat;
  model: string;
  /** The caller's quota after this request (its unit included). */
  quota: QuotaSnapshot;
}


/**
 * enhance = check the upload's header → a place among the caller's enhancements in flight
 * → a place in the worker queue → decode the pixels → reserve a unit → upscale in a worker
 * → store → commit. Pixels are decoded only once the queue has room, so a crowd of uploads
 * cannot make the server decode what it would refuse anyway.
 *
 * Refund rule: the unit comes back when the work fails or is stopped by the server (its
 * time limit, a shutdown). A caller that hangs up while its job waits in the queue pays
 * nothing (the job is dropped unstarted); one that hangs up once it runs pays, and the
 * worker stops at the next tile.
 */
export class EnhanceService {
  constructor(
    private readonly deps: {
      quota: QuotaService;
      storage: ImageStorage;
      pool: EnhancePool;
      limits: UploadLimits & { maxUploadBytes: number };
      modelName: string;
      precision: string;
      inFlight: InFlightLimiter;
      observer?: Pick<GenerationObserver, 'enhancement'>;
      ledger?: Ledger;
      logger?: { warn(object: object, message: string): void };
      clock?: () => Date;
    },
  ) {}

  async enhance(caller: Caller, input: EnhanceInput, abortSignal?: AbortSignal, hooks: WorkHooks = {}): Promise<EnhancedImageRecord> {
    if (input.image.size > this.deps.limits.maxUploadBytes) {
      throw new PayloadTooLargeError(`The image is larger than the ${this.deps.limits.maxUploadBytes}-byte upload limit.`);
    }
    const scale = input.scale;
    const inspected = await inspectUpload(new Uint8Array(await input.image.arrayBuffer()), scale, this.deps.limits);
    const releaseCallerPlace = this.deps.inFlight.acquire(caller.account.subject);
    let ticket: EnhanceTicket | undefined;
    let reservation: Reservation | undefined;
    let started: number | undefined;
    let stored: StoredImage | undefined;
    // Also for a caller who hung up once the work had started: the usage report counts every
    // unit the quota counted.
    const recordInLedger = () => {
      const now = this.deps.clock?.() ?? new Date();
      const id = stored?.id ?? newImageId();
      const entry = { id, subject: caller.account.subject, day: utcDay(now), createdAt: now.toISOString(), operation: 'enhance' as const, model: this.deps.modelName, provider: 'local' };
      return keepInLedger(this.deps.ledger, [entry], this.deps.logger);
    };
    let observed = false;
    const observe = (outcome: 'success' | 'failed' | 'canceled', size?: string) => {
      if (observed || started === undefined) return;
      observed = true;
      const { modelName: model, precision } = this.deps;
      this.deps.observer?.enhancement({ model, precision, scale, ...(size ? { size } : {}), outcome, seconds: (performance.now() - started) / 1000 });
    };
    try {
      ticket = this.deps.pool.admit();
      const decoded = await decodePixels(inspected, this.deps.limits);
      reservation = await this.deps.quota.reserve(caller.account);
      hooks.reserved?.(reservation);
      hooks.progress?.({ stage: 'queued', progress: 0 });
      const output = await ticket.run({ ...decoded, scale, strength: input.strength, format: input.format }, abortSignal, {
        onStart: () => {
          started = performance.now();
          hooks.progress?.({ stage: 'upscaling', progress: 0 });
        },
        onTile: (done, total) => hooks.progress?.({ stage: done === total ? 'encoding' : 'upscaling', progress: done / total }),
      });
      observe('success', `${output.width}x${output.height}`);
      hooks.progress?.({ stage: 'storing', progress: 1 });
      stored = await this.deps.storage.save(output.bytes, imageExtension(input.format)!);
      abortSignal?.throwIfAborted();
      reservation.commit();
      await recordInLedger();
      return {
        id: stored.id,
        fileName: stored.fileName,
        originalSize: `${decoded.width}x${decoded.height}`,
        enhancedSize: `${output.width}x${output.height}`,
        scale,
        strength: input.strength,
        format: input.format,
        model: this.deps.modelName,
        quota: reservation.snapshot,
      };
    } catch (error) {
      observe(abortSignal?.aborted ? 'canceled' : 'failed');
      if (callerWentAway(abortSignal) && ticket?.started && reservation) {
        reservation.commit();
        await recordInLedger();
      } else await reservation?.refund();
      throw error;
    } finally {
      ticket?.release();
      releaseCallerPlace();
    }
  }
}
