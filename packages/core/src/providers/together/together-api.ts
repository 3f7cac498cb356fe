import { z } from 'zod';

/** https://docs.together.ai/reference/post_images-generations */
export const togetherResponseSchema = z.object({ data: z.array(z.object({ b64_json: z.string() })).min(1) });

/** Together refuses prompts its safety model flags with a 4xx naming NSFW content. */
export function isTogetherModeration(status: number, body: string): boolean {
  return status >= 400 && status < 500 && /nsfw|safety|moderat|flagged/i.test(body);
}
