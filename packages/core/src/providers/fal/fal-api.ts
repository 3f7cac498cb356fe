import { z } from 'zod';

/** https://docs.fal.ai/model-endpoints/queue */
export const falSubmitSchema = z.object({ request_id: z.string(), status_url: z.url(), response_url: z.url() });
export const falStatusSchema = z.object({ status: z.string() });
export const falResultSchema = z.object({
  images: z.array(z.object({ url: z.string(), width: z.number().nullish(), height: z.number().nullish() })).min(1),
  has_nsfw_concepts: z.array(z.boolean()).nullish(),
});
