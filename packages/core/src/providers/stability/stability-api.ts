import { z } from 'zod';

/**
 * v2beta Stable Image with `Accept: application/json`: the image in base64 and whether the
 * output filter intervened (`CONTENT_FILTERED` comes with a blurred image).
 */
export const stabilityResponseSchema = z.object({
  image: z.string(),
  finish_reason: z.enum(['SUCCESS', 'CONTENT_FILTERED']),
  seed: z.number().optional(),
});

/** v2beta errors are `{id, name, errors[]}`; a prompt its moderation refuses is 403 `content_moderation`. */
export function isStabilityModeration(status: number, body: string): boolean {
  return status === 403 && /content_moderation|flagged by our content moderation/i.test(body);
}
