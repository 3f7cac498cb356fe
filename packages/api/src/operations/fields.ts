import { z } from 'zod';

/**
 * A whole number of zero or more with a realistic example, so the generated document (and
 * the docs page built from it) shows "usage": 2, not the smallest safe integer.
 */
export const count = (example: number, description?: string) =>
  z
    .number()
    .int()
    .min(0)
    .meta({ example, ...(description ? { description } : {}) });

/** Where a job's result is POSTed when it ends (jobs only; see the README's "Jobs"). */
export const webhookUrlField = z
  .string({ error: 'webhook_url must be a string.' })
  .max(2048, { error: 'webhook_url must be at most 2048 characters.' })
  .optional()
  .meta({
    description:
      'Jobs only (`Prefer: respond-async`), with an API key: when the job ends, its body is POSTed here, signed as Standard Webhooks says with the key\'s secret. https to a public address, or a host the operator allows.',
    example: 'https://example.com/hooks/aiphoto',
  });
