import {
  InvalidRequestError,
  UnsupportedMediaTypeError,
  DEFAULT_MODEL,
  DEFAULT_RATIO,
  DEFAULT_STYLE,
  MAX_PROMPT_CHARACTERS,
  RATIOS,
  STYLES,
  findStyle,
  type AbortSignalSource,
  type GeneratedImageRecord,
  type Style,
  type WorkHooks,
} from '@aiphoto/core';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Answer, Context } from '../context.ts';
import { mediaTypeOf } from '../edge/request-guards.ts';
import { idempotently } from '../idempotency.ts';
import { COMMON_ERRORS, procedure } from '../procedures.ts';
import type { CallFor } from '../direct-caller.ts';
import { accepted, prefersAsync } from './async.ts';
import { count, webhookUrlField } from './fields.ts';

/** POST /api/generate: a text prompt in, the URL of a stored image out. */

const countCharacters = (text: string) => [...text].length;

/** Each field's message is the one a person sees; a failing field maps to its own error code. */
export const generateInputSchema = z.object({
  prompt: z
    .string({ error: (issue) => (issue.input === undefined ? 'prompt is required.' : 'prompt must be a string.') })
    .transform((prompt) => prompt.trim())
    .refine((prompt) => prompt.length > 0, { error: 'prompt must not be empty.' })
    .refine((prompt) => countCharacters(prompt) <= MAX_PROMPT_CHARACTERS, {
      error: `prompt must be at most ${MAX_PROMPT_CHARACTERS} characters.`,
    })
    .meta({
      description: `Text description of the image to generate. At most ${MAX_PROMPT_CHARACTERS} characters (Unicode code points, after trimming).`,
      example: 'A serene mountain lake at golden hour, photorealistic',
    }),
  // Which ids exist is the operator's catalog: the service checks it (invalid_model), and the
  // OpenAPI document lists them.
  model: z
    .string({ error: 'model must be a string.' })
    .max(100, { error: 'model must be at most 100 characters.' })
    .default(DEFAULT_MODEL)
    .meta({ description: 'Image model id, or one of its aliases (GET /api/models lists both).', example: 'flux-pro' }),
  style: z
    .string({ error: `style must be one of: ${STYLES.join(', ')}.` })
    .default(DEFAULT_STYLE)
    .transform((style, ctx): Style => {
      const found = findStyle(style);
      if (!found) {
        ctx.addIssue({ code: 'custom', message: `style must be one of: ${STYLES.join(', ')}.` });
        return z.NEVER;
      }
      return found;
    })
    .meta({ description: `Style preset, matched case-insensitively: ${STYLES.join(', ')}.`, example: 'Photorealistic' }),
  ratio: z
    .enum(RATIOS, { error: `ratio must be one of: ${RATIOS.join(', ')}.` })
    .default(DEFAULT_RATIO)
    .meta({ description: 'Aspect ratio.' }),
  seed: z
    .number({ error: 'seed must be a whole number from 0 to 4294967295.' })
    .int({ error: 'seed must be a whole number from 0 to 4294967295.' })
    .min(0, { error: 'seed must be a whole number from 0 to 4294967295.' })
    .max(2 ** 32 - 1, { error: 'seed must be a whole number from 0 to 4294967295.' })
    .optional()
    .meta({ description: 'Fixes the random seed where the provider honours one (image i of n uses seed + i); `warnings` says when it did not.', example: 42 }),
  negative_prompt: z
    .string({ error: 'negative_prompt must be a string.' })
    .max(MAX_PROMPT_CHARACTERS, { error: `negative_prompt must be at most ${MAX_PROMPT_CHARACTERS} characters.` })
    .optional()
    .meta({ description: 'What the image should not show, where the provider takes one; `warnings` says when it did not.', example: 'text, watermark' }),
  n: z
    .number({ error: 'n must be a whole number.' })
    .int({ error: 'n must be a whole number.' })
    .min(1, { error: 'n must be at least 1.' })
    .default(1)
    .meta({ description: 'Images to generate, one unit each, reserved all-or-nothing; at most the limit in GET /api/models (`max_images_per_request`).', example: 1 }),
  webhook_url: webhookUrlField,
});

export type GenerateInput = z.output<typeof generateInputSchema>;

/** Fields this operation reads; anything else a caller sends is named in `warnings`, not ignored in silence. */
const KNOWN_FIELDS = new Set(Object.keys(generateInputSchema.shape));

/** The generate body as a caller may send it: unknown fields are kept so they can be named. */
export const generateInput = generateInputSchema.catchall(z.unknown());

export const generateOutputSchema = z
  .object({
    success: z.literal(true),
    url: z.url().meta({ description: 'Absolute URL of the stored image, served by this service.' }),
    model: z.string().meta({ example: 'flux-pro' }),
    ratio: z.string().meta({ example: '16:9' }),
    usage: count(2, 'Units the caller used today, including this one.'),
    remaining: count(3, 'Daily limit minus usage.'),
    id: z.string().meta({ example: 'V1StGXR8_Z5jdHi6B-myT9xk' }),
    style: z.string().meta({ example: 'Photorealistic' }),
    width: count(1344),
    height: count(768),
    provider: z.string().meta({ description: 'Which backend drew the image; "local" is the offline placeholder renderer.', example: 'bfl' }),
    warnings: z
      .array(z.string())
      .optional()
      .meta({ description: 'Settings the provider could not honour exactly, and fields this service does not know; absent when there are none.' }),
    seed: count(42, 'The seed the image was drawn with, when the provider honoured one.').optional(),
    images: z
      .array(z.object({ id: z.string(), url: z.url(), width: count(1344), height: count(768), seed: count(43).optional() }))
      .optional()
      .meta({ description: 'Every image when `n` > 1 (the first one is also the top-level image); absent for one image.' }),
    created_at: z.string().meta({ description: 'ISO 8601 time of generation.', example: '2026-05-09T14:03:11.204Z' }),
  })
  .meta({ id: 'GenerateResponse' });

export const GENERATE_ERRORS = [
  'invalid_prompt',
  'invalid_model',
  'invalid_style',
  'invalid_ratio',
  'invalid_request',
  'payload_too_large',
  'unsupported_media_type',
  'content_filtered',
  'idempotency_mismatch',
  'idempotency_in_progress',
  'rate_limited',
  'generation_failed',
  ...COMMON_ERRORS,
] as const;

function generateBody(image: GeneratedImageRecord, ctx: Context, notes: readonly string[] = []): z.input<typeof generateOutputSchema> {
  const warnings = [...notes, ...image.warnings];
  return {
    success: true,
    url: ctx.imageUrl(image.fileName),
    model: image.model,
    ratio: image.ratio,
    usage: image.quota.used,
    remaining: image.quota.remaining,
    id: image.id,
    style: image.style,
    width: image.width,
    height: image.height,
    provider: image.provider,
    ...(warnings.length > 0 ? { warnings } : {}),
    ...(image.seed === undefined ? {} : { seed: image.seed }),
    created_at: image.createdAt,
  };
}

export type GenerateBody = z.input<typeof generateOutputSchema>;
export type GenerateResponse = z.infer<typeof generateOutputSchema>;

/**
 * The work of one generate request, for the synchronous call and for a job alike: the same
 * service call, the same body.
 */
export async function generateAnswer(ctx: Context, input: GenerateInput & Record<string, unknown>, signal: AbortSignalSource, hooks?: WorkHooks): Promise<Answer<GenerateBody>> {
  const unknown = Object.keys(input).filter((field) => !KNOWN_FIELDS.has(field));
  const notes = unknown.slice(0, 10).map((field) => `${field.slice(0, 40)}: not a field of this operation; it was ignored.`);
  const request = {
    prompt: input.prompt,
    model: input.model,
    style: input.style,
    ratio: input.ratio,
    ...(input.seed === undefined ? {} : { seed: input.seed }),
    ...(input.negative_prompt === undefined ? {} : { negativePrompt: input.negative_prompt }),
  };
  const images = await ctx.services.images.generateMany(ctx.caller, request, input.n, signal, hooks);
  const body = generateBody(images[0]!, ctx, notes);
  const all = images.map((image) => ({
    id: image.id,
    url: ctx.imageUrl(image.fileName),
    width: image.width,
    height: image.height,
    ...(image.seed === undefined ? {} : { seed: image.seed }),
  }));
  return { body: images.length > 1 ? { ...body, images: all } : body, quota: images.at(-1)!.quota };
}

/** A webhook is a job's: a synchronous caller is already waiting for the answer. */
export function assertNoWebhookWithoutJob(input: { webhook_url?: string | undefined }): void {
  if (input.webhook_url !== undefined) {
    throw new InvalidRequestError('webhook_url is for jobs: send the request with the header "Prefer: respond-async".', { field: 'webhook_url' });
  }
}

export const generate = procedure
  .meta({
    openapi: {
      method: 'POST',
      path: '/generate',
      tags: ['images'],
      summary: 'Generate an image from a text prompt',
      description:
        'Generates an image and stores it on this service; the returned URL stays valid until retention removes it. Costs one unit of the daily quota, refunded if generation fails.',
      protect: false,
    },
    errors: GENERATE_ERRORS,
  })
  .input(generateInput)
  .output(generateOutputSchema)
  .mutation(async ({ ctx, input }) => {
    assertNoWebhookWithoutJob(input);
    return idempotently(ctx, 'generate', input, () => generateAnswer(ctx, input, () => ctx.signal));
  });

/**
 * Several images of one request, reserved all at once. tRPC only (no REST path of its own):
 * it is what OpenAI's /v1/images/generations calls. The upper bound on `n` is the operator's
 * (AIPHOTO_OPENAI_MAX_N), checked by the service for every surface alike.
 */
export const generateImages = procedure
  .input(generateInputSchema)
  .mutation(async ({ ctx, input }) => {
    assertNoWebhookWithoutJob(input);
    const request = { prompt: input.prompt, model: input.model, style: input.style, ratio: input.ratio };
    return idempotently(ctx, 'generateImages', input, async () => {
      const images = await ctx.services.images.generateMany(ctx.caller, request, input.n, () => ctx.signal);
      return { body: images.map((image) => ({ ...generateBody(image, ctx), fileName: image.fileName })), quota: images.at(-1)!.quota };
    });
  });

/**
 * The REST route for `generate` and its job twin: the same JSON body either way; with
 * `Prefer: respond-async` the answer is 202 and a job instead of the image.
 */
export const generateRestRoute: FastifyPluginAsync<{ call: CallFor }> = async (app, { call }) => {
  app.post('/api/generate', async (request, reply) => {
    // Fastify would read text/plain as a string; this operation reads JSON only.
    if (request.body !== undefined && mediaTypeOf(request.headers['content-type']) !== 'application/json') {
      throw new UnsupportedMediaTypeError('Send the request body as application/json.');
    }
    const input = (request.body ?? {}) as z.input<typeof generateInput>;
    if (prefersAsync(request.headers.prefer)) return accepted(reply, await call(request, reply).generateJob(input));
    return call(request, reply).generate(input);
  });
};
