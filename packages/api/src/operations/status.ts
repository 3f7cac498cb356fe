import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { CallFor } from '../direct-caller.ts';
import { deliver } from '../context.ts';
import { COMMON_ERRORS, procedure } from '../procedures.ts';
import { count } from './fields.ts';

/** GET /api/status: today's quota for the caller; costs nothing. */

export const statusOutputSchema = z
  .object({
    status: z.literal('ok'),
    version: z.literal('1.0'),
    usage_today: count(2),
    limit_today: count(5),
    remaining: count(3),
    reset_at: z.string().meta({ description: 'Next 00:00 UTC, ISO 8601 with Z.', example: '2026-05-10T00:00:00Z' }),
    plan: z.enum(['free', 'pro']),
  })
  .meta({ id: 'StatusResponse' });

/** ISO 8601 without milliseconds, as the published API shows it. */
export const isoSeconds = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

export const status = procedure
  .meta({
    openapi: {
      method: 'GET',
      path: '/status',
      tags: ['account'],
      summary: "Today's quota for the caller",
      description: 'Usage and limit for the API key, or for the client network when called without a key. Costs nothing.',
      protect: false,
    },
    errors: COMMON_ERRORS,
  })
  .input(z.void())
  .output(statusOutputSchema)
  .query(({ ctx }) => {
    const { quota } = ctx;
    return deliver(ctx, {
      body: {
        status: 'ok' as const,
        version: '1.0' as const,
        usage_today: quota.used,
        limit_today: quota.limit,
        remaining: quota.remaining,
        reset_at: isoSeconds(quota.resetAt),
        plan: ctx.caller.plan,
      },
      quota,
    });
  });

/**
 * Served by Fastify itself, through the procedure (called directly, see direct-caller.ts):
 * the most frequent call skips trpc-to-openapi's web Request, AbortController and URL
 * parsing. HEAD is the tRPC surfaces' own route, as for every GET operation.
 */
export const statusRestRoute: FastifyPluginAsync<{ call: CallFor }> = async (app, { call }) => {
  app.get('/api/status', { exposeHeadRoute: false }, async (request, reply) => call(request, reply).status());
};
