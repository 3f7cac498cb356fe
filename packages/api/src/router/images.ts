import { enhanceInputSchema, generateInputSchema, type EnhanceInput } from '@aiphoto/core';
import { z } from 'zod';
import { count } from './fields.ts';
import { callerProcedure, uploadProcedure } from '../trpc.ts';

export const generateOutputSchema = z
  .object({
    success: z.literal(true),
    url: z.url().meta({ description: 'Absolute URL of the stored image, served by this service.' }),
    model: z.string(),
    ratio: z.string(),
    usage: count(2, 'Units the caller used today, including this one.'),
    remaining: count(3, 'Daily limit minus usage.'),
    id: z.string(),
    style: z.string(),
    width: count(1344),
    height: count(768),
    provider: z.string().meta({ description: 'Which backend drew the image; "local" is the offline placeholder renderer.' }),
    warnings: z.array(z.string()).optional().meta({ description: 'Settings the provider could not honour exactly; absent when there are none.' }),
    created_at: z.string().meta({ description: 'ISO 8601 time of generation.' }),
  })
  .meta({ id: 'GenerateResponse' });

export const enhanceOutputSchema = z
  .object({
    success: z.literal(true),
    url: z.url().meta({ description: 'Absolute URL of the enhanced image, served by this service.' }),
    original_size: z.string().meta({ example: '512x512' }),
    enhanced_size: z.string().meta({ example: '2048x2048' }),
    id: z.string(),
    scale: count(4),
    strength: count(7),
    format: z.string(),
    model: z.string().meta({ description: 'The super-resolution model that ran, e.g. "esrgan-thick".' }),
    usage: count(2),
    remaining: count(3),
  })
  .meta({ id: 'EnhanceResponse' });

/**
 * The same schema, typed to also accept FormData: the typed client uploads FormData, which
 * the `uploadProcedure` middleware unpacks into the plain object this schema validates. The
 * cast is type-only, so trpc-to-openapi still documents the real multipart fields.
 */
const enhanceInput = enhanceInputSchema as unknown as z.ZodType<EnhanceInput, FormData | z.input<typeof enhanceInputSchema>>;

export const imagesRouter = {
  generate: callerProcedure
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
    })
    .input(generateInputSchema)
    .output(generateOutputSchema)
    .mutation(async ({ ctx, input }) => {
      const image = await ctx.services.images.generate(ctx.caller, input, ctx.signal);
      ctx.request.quota.used = image.usage;
      ctx.request.quota.remaining = image.remaining;
      return {
        success: true as const,
        url: ctx.imageUrl(image.fileName),
        model: image.model,
        ratio: image.ratio,
        usage: image.usage,
        remaining: image.remaining,
        id: image.id,
        style: image.style,
        width: image.width,
        height: image.height,
        provider: image.provider,
        ...(image.warnings.length > 0 ? { warnings: image.warnings } : {}),
        created_at: image.createdAt,
      };
    }),
  /**
   * Several images of one request, reserved all at once. tRPC only (no REST path of its
   * own): it is what the OpenAI-compatible /v1/images/generations route calls.
   */
  generateImages: callerProcedure
    // The upper bound is the operator's (AIPHOTO_OPENAI_MAX_N), checked by the service for
    // every surface alike.
    .input(generateInputSchema.extend({ n: z.number().int().min(1) }))
    .mutation(async ({ ctx, input }) => {
      const images = await ctx.services.images.generateMany(ctx.caller, input, input.n, ctx.signal);
      const last = images.at(-1)!;
      ctx.request.quota.used = last.usage;
      ctx.request.quota.remaining = last.remaining;
      return images.map((image) => ({ id: image.id, url: ctx.imageUrl(image.fileName), fileName: image.fileName, width: image.width, height: image.height, createdAt: image.createdAt }));
    }),
  enhance: uploadProcedure
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
    })
    .input(enhanceInput)
    .output(enhanceOutputSchema)
    .mutation(async ({ ctx, input }) => {
      const image = await ctx.services.enhance.enhance(ctx.caller, input, ctx.signal);
      ctx.request.quota.used = image.usage;
      ctx.request.quota.remaining = image.remaining;
      return {
        success: true as const,
        url: ctx.imageUrl(image.fileName),
        original_size: image.originalSize,
        enhanced_size: image.enhancedSize,
        id: image.id,
        scale: image.scale,
        strength: image.strength,
        format: image.format,
        model: image.model,
        usage: image.usage,
        remaining: image.remaining,
      };
    }),
};
