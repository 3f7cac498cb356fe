import { z } from 'zod';
import type { Caller } from '../access.ts';
import { PayloadTooLargeError, callerWentAway } from '../errors.ts';
import type { InFlightLimiter } from '../quota/in-flight-limiter.ts';
import type { Reservation } from '../quota/quota-service.ts';
import type { QuotaService } from '../quota/quota-service.ts';
import { imageExtension, type ImageStorage } from '../storage/image-storage.ts';
import type { EnhancePool, EnhanceTicket } from './enhance-pool.ts';
import type { Scale } from './esrgan-models.ts';
import { OUTPUT_FORMATS, decodePixels, inspectUpload, type OutputFormat, type UploadLimits } from './image-io.ts';

/** A whole number in [min, max]; every way of missing it gets the same message. */
const wholeNumber = (message: string, min: number, max: number, defaultValue: number) =>
  z.coerce
    .number({ error: message })
    .int({ error: message })
    .min(min, { error: message })
    .max(max, { error: message })
    .default(defaultValue);

/**
 * The enhance request: multipart fields arrive as strings, typed callers may send numbers,
 * so numbers are coerced. The `image` field's errors map to `invalid_image`, the rest to
 * `invalid_request`.
 */
export const enhanceInputSchema = z.object({
  image: z
    .file({ error: (issue) => (issue.input === undefined ? 'image is required: send the photo as the "image" file field.' : 'image must be a file.') })
    .meta({ description: 'The photo: PNG, JPEG, WebP, AVIF, TIFF or GIF (first frame).' }),
  strength: wholeNumber('strength must be a whole number from 1 to 10.', 1, 10, 5).meta({
    description: "How much of the model's reconstructed detail is used over a Lanczos upscale: 10 is the model's full output, 1 almost classical.",
  }),
  scale: wholeNumber('scale must be 2, 3 or 4.', 2, 4, 4).meta({ description: 'Upscaling factor: 2, 3 or 4.' }),
  format: z
    .enum(OUTPUT_FORMATS, { error: `format must be one of: ${OUTPUT_FORMATS.join(', ')}.` })
    .default('png')
    .meta({ description: 'Output format; JPEG flattens transparency onto white.' }),
});

export type EnhanceInput = z.output<typeof enhanceInputSchema>;

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
  usage: number;
  remaining: number;
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
      inFlight: InFlightLimiter;
    },
  ) {}

  async enhance(caller: Caller, input: EnhanceInput, abortSignal?: AbortSignal): Promise<EnhancedImageRecord> {
    if (input.image.size > this.deps.limits.maxUploadBytes) {
      throw new PayloadTooLargeError(`The image is larger than the ${this.deps.limits.maxUploadBytes}-byte upload limit.`);
    }
    const scale = input.scale as Scale;
    const inspected = await inspectUpload(new Uint8Array(await input.image.arrayBuffer()), scale, this.deps.limits);
    const releaseCallerPlace = this.deps.inFlight.acquire(caller.account.subject);
    let ticket: EnhanceTicket | undefined;
    let reservation: Reservation | undefined;
    try {
      ticket = this.deps.pool.admit();
      const decoded = await decodePixels(inspected, this.deps.limits);
      reservation = await this.deps.quota.reserve(caller.account);
      const output = await ticket.run({ ...decoded, scale, strength: input.strength, format: input.format }, abortSignal);
      const stored = await this.deps.storage.save(output.bytes, imageExtension(input.format)!);
      abortSignal?.throwIfAborted();
      reservation.commit();
      return {
        id: stored.id,
        fileName: stored.fileName,
        originalSize: `${decoded.width}x${decoded.height}`,
        enhancedSize: `${output.width}x${output.height}`,
        scale,
        strength: input.strength,
        format: input.format,
        model: this.deps.modelName,
        usage: reservation.used,
        remaining: reservation.remaining,
      };
    } catch (error) {
      if (callerWentAway(abortSignal) && ticket?.started) reservation?.commit();
      else await reservation?.refund();
      throw error;
    } finally {
      ticket?.release();
      releaseCallerPlace();
    }
  }
}
