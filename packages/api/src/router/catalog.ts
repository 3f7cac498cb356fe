import { MAX_PROMPT_CHARACTERS, MODELS, RATIOS, RATIO_SIZES, SCALES, STYLES } from '@aiphoto/core';
import { z } from 'zod';
import { callerProcedure } from '../trpc.ts';

export const modelsOutputSchema = z
  .object({
    models: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        description: z.string(),
        providers: z.array(z.string()).meta({ description: 'Candidates in the order they are tried; empty when none is available.' }),
        offline: z.boolean().meta({ description: 'True when the offline placeholder renderer serves this model.' }),
      }),
    ),
    styles: z.array(z.string()),
    ratios: z.array(z.object({ id: z.string(), width: z.number().int(), height: z.number().int() })),
    limits: z
      .object({
        max_prompt_characters: z.number().int(),
        max_upload_bytes: z.number().int(),
        max_input_pixels: z.number().int(),
        max_output_pixels: z.number().int(),
        enhance_scales: z.array(z.number().int()),
        enhance_job_timeout_seconds: z.number(),
        max_images_per_request: z.number().int(),
        max_generates_in_flight: z.number().int().meta({ description: 'Generations one caller may run at once.' }),
        max_enhances_in_flight: z.number().int().meta({ description: 'Enhancements one caller may run at once.' }),
      })
      .meta({ description: 'Limits a client can check before sending a request.' }),
  })
  .meta({ id: 'ModelsResponse' });

export const catalogRouter = {
  models: callerProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/models',
        tags: ['catalog'],
        summary: 'Models, styles and ratios, and which provider serves each model',
        protect: false,
      },
    })
    .input(z.void())
    .output(modelsOutputSchema)
    .query(({ ctx }) => {
      const served = ctx.services.router.describe();
      return {
        models: MODELS.map((model) => ({
          ...model,
          providers: served[model.id],
          offline: served[model.id][0] === 'local',
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
        },
      };
    }),
};
