import { MAX_PROMPT_CHARACTERS, RATIOS, RATIO_SIZES, SCALES, STYLES } from '@aiphoto/core';
import { z } from 'zod';
import { COMMON_ERRORS, procedure } from '../procedures.ts';
import { count } from './fields.ts';

export const modelsOutputSchema = z
  .object({
    models: z.array(
      z.object({
        id: z.string().meta({ example: 'flux-pro' }),
        name: z.string().meta({ example: 'FLUX 1.1 [pro]' }),
        description: z.string().meta({ example: "Black Forest Labs' flagship text-to-image model." }),
        aliases: z.array(z.string()).meta({ description: 'Other names accepted for this model.', example: ['gpt-image-2'] }),
        providers: z.array(z.string()).meta({ description: 'Candidates in the order they are tried; empty when none is available.', example: ['bfl', 'fal'] }),
        offline: z.boolean().meta({ description: 'True when the offline placeholder renderer serves this model.' }),
      }),
    ),
    styles: z.array(z.string()).meta({ example: ['Photorealistic', 'Watercolor'] }),
    ratios: z.array(z.object({ id: z.string().meta({ example: '16:9' }), width: count(1344), height: count(768) })),
    limits: z
      .object({
        max_prompt_characters: count(400),
        max_upload_bytes: count(10485760),
        max_input_pixels: count(4194304),
        max_output_pixels: count(4194304),
        enhance_scales: z.array(count(4)),
        enhance_job_timeout_seconds: z.number().min(0).meta({ example: 120 }),
        max_images_per_request: count(4),
        max_generates_in_flight: count(4, 'Generations one caller may run at once.'),
        max_enhances_in_flight: count(1, 'Enhancements one caller may run at once.'),
        image_retention_days: count(30, 'Days a stored image is kept before retention deletes it.'),
      })
      .meta({ description: 'Limits a client can check before sending a request.' }),
  })
  .meta({ id: 'ModelsResponse' });

/** GET /api/models: what callers can ask for, who serves it, and the limits to check first. */
export const models = procedure
  .meta({
    openapi: {
      method: 'GET',
      path: '/models',
      tags: ['catalog'],
      summary: 'Models, styles and ratios, and which provider serves each model',
      protect: false,
    },
    errors: COMMON_ERRORS,
  })
  .input(z.void())
  .output(modelsOutputSchema)
  .query(({ ctx }) => {
    const served = ctx.services.router.describe();
    return {
      models: ctx.services.config.models.map((model) => ({
        id: model.id,
        name: model.name,
        description: model.description,
        aliases: model.aliases,
        providers: served[model.id] ?? [],
        offline: served[model.id]?.[0] === 'local',
      })),
      styles: [...STYLES],
      ratios: RATIOS.map((id) => ({ id, ...RATIO_SIZES[id] })),
      limits: {
        max_prompt_characters: MAX_PROMPT_CHARACTERS,
        max_upload_bytes: ctx.services.config.limits.maxUploadBytes,
        max_input_pixels: ctx.services.config.limits.maxInputPixels,
        max_output_pixels: ctx.services.config.limits.maxOutputPixels,
        enhance_scales: [...SCALES],
        enhance_job_timeout_seconds: ctx.services.config.enhance.jobTimeoutMs / 1000,
        max_images_per_request: ctx.services.config.openaiMaxImages,
        max_generates_in_flight: ctx.services.config.inFlightPerCaller.generates,
        max_enhances_in_flight: ctx.services.config.inFlightPerCaller.enhances,
        image_retention_days: ctx.services.config.imageTtlDays,
      },
    };
  });
