import { z } from 'zod';

/** https://replicate.com/docs/reference/http#predictions.create */
export const replicatePredictionSchema = z.object({
  id: z.string(),
  status: z.enum(['starting', 'processing', 'succeeded', 'failed', 'canceled', 'aborted']),
  output: z.union([z.string(), z.array(z.string())]).nullish(),
  error: z.unknown().nullish(),
  urls: z.object({ get: z.url() }),
});

/** Replicate reports a safety-checker refusal as a failed prediction with this kind of error. */
export function isReplicateModerationError(error: unknown): boolean {
  return /nsfw|sensitive|flagged|safety|E005/i.test(typeof error === 'string' ? error : JSON.stringify(error ?? ''));
}
