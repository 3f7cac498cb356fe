import type { Readable } from 'node:stream';
import {
  AIPhotoError,
  InvalidRequestError,
  OUTPUT_FORMATS,
  PayloadTooLargeError,
  SCALES,
  UnsupportedMediaTypeError,
  type EnhanceInput,
  type EnhancedImageRecord,
  type Scale,
  type WorkHooks,
} from '@aiphoto/core';
import multipart from '@fastify/multipart';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Answer, Context } from '../context.ts';
import { idempotently } from '../idempotency.ts';
import type { CallFor } from '../direct-caller.ts';
import { COMMON_ERRORS, uploadProcedure } from '../procedures.ts';
import { accepted, prefersAsync } from './async.ts';
import { count, webhookUrlField } from './fields.ts';
import { assertNoWebhookWithoutJob } from './generate.ts';

/** POST /api/enhance: a photo in, the URL of its AI-upscaled version out. */

/** A whole number in [min, max]; every way of missing it gets the same message. */
const wholeNumber = (message: string, min: number, max: number, defaultValue: number) =>
  z.coerce
    .number({ error: message })
    .int({ error: message })
    .min(min, { error: message })
    .max(max, { error: message })
    .default(defaultValue);

const isScale = (value: number): value is Scale => (SCALES as readonly number[]).includes(value);

/**
 * Multipart fields arrive as strings, typed callers may send numbers, so numbers are
 * coerced. The `image` field's errors map to `invalid_image`, the rest to `invalid_request`.
 */
export const enhanceInputSchema = z.object({
  image: z
    .file({ error: (issue) => (issue.input === undefined ? 'image is required: send the photo as the "image" file field.' : 'image must be a file.') })
    .meta({ description: 'The photo: PNG, JPEG, WebP, AVIF, TIFF or GIF (first frame).' }),
  strength: wholeNumber('strength must be a whole number from 1 to 10.', 1, 10, 5).meta({
    description: "How much of the model's reconstructed detail is used over a Lanczos upscale: 10 is the model's full output, 1 almost classical.",
    example: 7,
  }),
  scale: wholeNumber(`scale must be ${SCALES.join(', ').replace(/, (\d+)$/, ' or $1')}.`, SCALES[0], SCALES.at(-1)!, 4)
    .refine(isScale)
    .meta({ description: 'Upscaling factor: 2, 3 or 4.', example: 4 }),
  format: z
    .enum(OUTPUT_FORMATS, { error: `format must be one of: ${OUTPUT_FORMATS.join(', ')}.` })
    .default('png')
    .meta({ description: 'Output format; JPEG flattens transparency onto white.' }),
  webhook_url: webhookUrlField,
}) satisfies z.ZodType<EnhanceInput, unknown>;

export const enhanceOutputSchema = z
  .object({
    success: z.literal(true),
    url: z.url().meta({ description: 'Absolute URL of the enhanced image, served by this service.' }),
    original_size: z.string().meta({ example: '512x512' }),
    enhanced_size: z.string().meta({ example: '2048x2048' }),
    id: z.string().meta({ example: 'q9cZ2bT0mJ4xW8eR1uYtK3aL' }),
    scale: count(4),
    strength: count(7),
    format: z.enum(OUTPUT_FORMATS).meta({ example: 'png' }),
    model: z.string().meta({ description: 'The super-resolution model that ran.', example: 'esrgan-thick' }),
    usage: count(2, 'Units the caller used today, including this one.'),
    remaining: count(3, 'Daily limit minus usage.'),
  })
  .meta({ id: 'EnhanceResponse' });

export type EnhanceResponse = z.infer<typeof enhanceOutputSchema>;

export const ENHANCE_ERRORS = [
  'invalid_image',
  'invalid_request',
  'payload_too_large',
  'unsupported_media_type',
  'idempotency_mismatch',
  'idempotency_in_progress',
  'rate_limited',
  ...COMMON_ERRORS,
] as const;

function enhanceBody(image: EnhancedImageRecord, ctx: Context): EnhanceResponse {
  return {
    success: true,
    url: ctx.imageUrl(image.fileName),
    original_size: image.originalSize,
    enhanced_size: image.enhancedSize,
    id: image.id,
    scale: image.scale,
    strength: image.strength,
    format: image.format,
    model: image.model,
    usage: image.quota.used,
    remaining: image.quota.remaining,
  };
}

/**
 * The same schema, typed to also accept FormData: the typed client uploads FormData, which
 * `uploadProcedure` unpacks into the plain object this schema validates. The cast is
 * type-only, so trpc-to-openapi still documents the real multipart fields.
 */
export const enhanceInput = enhanceInputSchema as unknown as z.ZodType<EnhanceInput & { webhook_url?: string | undefined }, FormData | z.input<typeof enhanceInputSchema>>;

export const enhance = uploadProcedure
  .meta({
    openapi: {
      method: 'POST',
      path: '/enhance',
      tags: ['images'],
      summary: 'Upscale a photo with AI super-resolution',
      description:
        'Upscales the uploaded photo ×2, ×3 or ×4 with an ESRGAN model that runs inside this service, blended over a Lanczos upscale by `strength`. Transparency is kept (upscaled classically), EXIF orientation applied, animated images use their first frame. Costs one unit of the daily quota, refunded if enhancing fails.',
      contentTypes: ['multipart/form-data'],
      protect: false,
    },
    errors: ENHANCE_ERRORS,
  })
  .input(enhanceInput)
  .output(enhanceOutputSchema)
  .mutation(async ({ ctx, input }) => {
    assertNoWebhookWithoutJob(input);
    return idempotently(ctx, 'enhance', input, () => enhanceAnswer(ctx, input, ctx.signal));
  });

/** The work of one enhance request, for the synchronous call and for a job alike. */
export async function enhanceAnswer(ctx: Context, input: EnhanceInput, signal: AbortSignal, hooks?: WorkHooks): Promise<Answer<EnhanceResponse>> {
  const image = await ctx.services.enhance.enhance(ctx.caller, input, signal, hooks);
  return { body: enhanceBody(image, ctx), quota: image.quota };
}

const FIELDS = new Set(['strength', 'scale', 'format', 'webhook_url']);

const hasFastifyCode = (error: unknown) => typeof (error as { code?: unknown })?.code === 'string';

/**
 * Collects a file part, refusing the moment it passes the limit: busboy would otherwise
 * read (and drop) the rest of an oversized upload before saying anything.
 */
async function readWithinLimit(file: Readable, maxBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  const chunks: Buffer[] = [];
  // busboy stops the file at `fileSize` and says so with 'limit'; failing the stream there
  // ends the read at once instead of after the rest of the body.
  const onLimit = () => file.destroy(new PayloadTooLargeError(`The upload is larger than the ${maxBytes}-byte limit.`));
  file.once('limit', onLimit);
  try {
    for await (const chunk of file as AsyncIterable<Buffer>) chunks.push(chunk);
  } finally {
    file.off('limit', onLimit);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/**
 * The REST route for `enhance`: trpc-to-openapi's adapter accepts JSON only, so this route
 * reads the multipart body as it streams and calls the very same procedure.
 */
export const enhanceRestRoute: FastifyPluginAsync<{
  maxUploadBytes: number;
  call: CallFor;
}> = async (app, { maxUploadBytes, call }) => {
  await app.register(multipart, {
    limits: { fileSize: maxUploadBytes, files: 1, fields: FIELDS.size, fieldSize: 4096, parts: FIELDS.size + 1 },
  });

  app.post('/api/enhance', async (request, reply) => {
    if (!request.isMultipart()) {
      throw new UnsupportedMediaTypeError('Send the photo as multipart/form-data with an "image" file field.');
    }
    const fields: Record<string, unknown> = {};
    try {
      for await (const part of request.parts()) {
        if (part.type === 'file') {
          if (part.fieldname !== 'image') {
            throw new InvalidRequestError(`Unexpected file field "${part.fieldname}"; send the photo as "image".`);
          }
          const bytes = await readWithinLimit(part.file, maxUploadBytes);
          fields.image = new File([bytes], part.filename || 'upload', { type: part.mimetype });
        } else if (FIELDS.has(part.fieldname)) {
          fields[part.fieldname] = part.value;
        }
      }
    } catch (error) {
      if (error instanceof AIPhotoError || hasFastifyCode(error)) throw error;
      // busboy's own complaints (a body cut short, a broken boundary) are the client's.
      throw new InvalidRequestError('The multipart body is malformed or was cut short.');
    }
    // The schema validates what the parts held; the cast only says so to the typed caller.
    const input = fields as z.input<typeof enhanceInputSchema>;
    if (prefersAsync(request.headers.prefer)) return accepted(reply, await call(request, reply).enhanceJob(input));
    return call(request, reply).enhance(input);
  });
};
