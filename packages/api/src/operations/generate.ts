import {
  DEFAULT_MODEL,
  DEFAULT_RATIO,
  DEFAULT_STYLE,
  MAX_PROMPT_CHARACTERS,
  RATIOS,
  STYLES,
  findStyle,
  type GeneratedImageRecord,
  type Style,
} from '@aiphoto/core';
import { z } from 'zod';
import { deliver, type Context } from '../context.ts';
import { COMMON_ERRORS, procedure } from '../procedures.ts';
import { count } from './fields.ts';

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
});

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
    warnings: z.array(z.string()).optional().meta({ description: 'Settings the provider could not honour exactly; absent when there are none.' }),
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
  'rate_limited',
  'generation_failed',
  ...COMMON_ERRORS,
] as const;

function generateBody(image: GeneratedImageRecord, ctx: Context): z.input<typeof generateOutputSchema> {
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
    ...(image.warnings.length > 0 ? { warnings: image.warnings } : {}),
    created_at: image.createdAt,
  };
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
  .input(generateInputSchema)
  .output(generateOutputSchema)
  .mutation(async ({ ctx, input }) => {
    const image = await ctx.services.images.generate(ctx.caller, input, ctx.signal);
    return deliver(ctx, { body: generateBody(image, ctx), quota: image.quota });
  });

/**
 * Several images of one request, reserved all at once. tRPC only (no REST path of its own):
 * it is what OpenAI's /v1/images/generations calls. The upper bound on `n` is the operator's
 * (AIPHOTO_OPENAI_MAX_N), checked by the service for every surface alike.
 */
export const generateImages = procedure
  .input(generateInputSchema.extend({ n: z.number().int().min(1) }))
  .mutation(async ({ ctx, input }) => {
    const images = await ctx.services.images.generateMany(ctx.caller, input, input.n, ctx.signal);
    return deliver(ctx, {
      body: images.map((image) => ({ ...generateBody(image, ctx), fileName: image.fileName })),
      quota: images.at(-1)!.quota,
    });
  });
