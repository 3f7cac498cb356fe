import { z } from 'zod';

export const bflSubmitSchema = z.object({ id: z.string(), polling_url: z.url() });

/** https://docs.bfl.ai: statuses of GET polling_url. */
export const bflResultSchema = z.object({
  status: z.string(),
  result: z.object({ sample: z.url() }).nullish(),
});

export const BFL_MODERATED = new Set(['Request Moderated', 'Content Moderated']);
export const BFL_PENDING = new Set(['Pending', 'Queued', 'Processing']);
