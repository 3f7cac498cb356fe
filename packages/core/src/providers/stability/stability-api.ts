import { z } from 'zod';

/** v1 text-to-image answers with artifacts; `finishReason` says whether the filter intervened. */
export const stabilityResponseSchema = z.object({
  artifacts: z
    .array(z.object({ base64: z.string(), finishReason: z.enum(['SUCCESS', 'CONTENT_FILTERED', 'ERROR']) }))
    .min(1),
});

/** Stability's v1 errors are `{id, name, message}`; an invalid prompt is its moderation. */
export function isStabilityModeration(status: number, body: string): boolean {
  return status === 400 && /invalid_prompts|content moderation|flagged/i.test(body);
}
