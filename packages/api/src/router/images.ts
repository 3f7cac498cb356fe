import { generateInputSchema } from '@aiphoto/core';
import { z } from 'zod';
import { callerProcedure } from '../trpc.ts';

export const generateOutputSchema = z
  .object({
    success: z.literal(true),
    url: z.url().meta({ description: 'Absolute URL of the stored image, served by this service.' }),
    model: z.string(),
    ratio: z.string(),
    usage: z.number().int().meta({ description: "Units the caller used today, including this one." }),
    remaining: z.number().int().meta({ description: 'Daily limit minus usage.' }),
    id: z.string(),
    style: z.string(),
    width: z.number().int(),
    height: z.number().int(),
    provider: z.string().meta({ description: 'Which backend drew the image; "local" is the offline placeholder renderer.' }),
    created_at: z.string().meta({ description: 'ISO 8601 time of generation.' }),
  })
  .meta({ id: 'GenerateResponse' });

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
        url: image.url,
        model: image.model,
        ratio: image.ratio,
        usage: image.usage,
        remaining: image.remaining,
        id: image.id,
        style: image.style,
        width: image.width,
        height: image.height,
        provider: image.provider,
        created_at: image.createdAt,
      };
    }),
};
