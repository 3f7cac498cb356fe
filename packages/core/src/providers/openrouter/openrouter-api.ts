import { z } from 'zod';

/**
 * Chat completions with `modalities: ["image", "text"]`: the images come back on the
 * assistant message as data URLs, and `usage.cost` is what OpenRouter charged in USD
 * (openrouter.ai/docs/guides/overview/multimodal/image-generation).
 */
export const openrouterResponseSchema = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({
          images: z.array(z.object({ image_url: z.object({ url: z.string() }) })).optional(),
        }),
      }),
    )
    .min(1),
  usage: z.object({ cost: z.number().nullish() }).nullish(),
});

/** A prompt a model's moderation flagged is 403 with `error.metadata.reasons` (openrouter.ai/docs/api/reference/errors). */
export function isOpenRouterModeration(status: number, body: string): boolean {
  return status === 403 && /"reasons"|flagged/i.test(body);
}
