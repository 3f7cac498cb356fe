import { JOB_KINDS, JOB_STATUSES, MAX_LISTED_JOBS, jobView, type JobKind, type JobWork, type QuotaSnapshot } from '@aiphoto/core';
import { z } from 'zod';
import type { Answer, Context } from '../context.ts';
import { idempotently } from '../idempotency.ts';
import { COMMON_ERRORS, procedure, uploadProcedure } from '../procedures.ts';
import { ENHANCE_ERRORS, enhanceAnswer, enhanceInput, enhanceOutputSchema } from './enhance.ts';
import { GENERATE_ERRORS, generateAnswer, generateInput, generateOutputSchema } from './generate.ts';

/**
 * Jobs: `generate` and `enhance` run in the background. REST submits them with
 * `Prefer: respond-async` on the very same paths (202 + Location); tRPC, whose procedures
 * each have one output type, has them as `generateJob` and `enhanceJob`. Watching, listing
 * and cancelling are the operations here.
 */

const timestamp = (example: string) => z.string().meta({ description: 'ISO 8601 time.', example });

export const jobSchema = z
  .object({
    id: z.string().meta({ example: 'job_3q2Lr8kV0bXyTn5Wc1aPzE7d' }),
    kind: z.enum(JOB_KINDS),
    status: z.enum(JOB_STATUSES).meta({ description: 'queued → running → succeeded, failed or canceled.' }),
    progress: z.number().min(0).max(1).meta({ description: 'Enhance: tiles done of tiles in all. Generate: images done of images asked for.', example: 0.25 }),
    stage: z.string().meta({ description: 'What the job is doing now: queued, upscaling, encoding, storing, "<provider>: <its own status>", done, failed, canceled.', example: 'upscaling' }),
    created_at: timestamp('2026-12-02T10:15:00.000Z'),
    updated_at: timestamp('2026-12-02T10:15:04.250Z'),
    result: z
      .union([generateOutputSchema, enhanceOutputSchema])
      .optional()
      .meta({ description: 'Once succeeded: exactly the body the synchronous call answers.' }),
    error: z
      .object({ error: z.string().meta({ example: 'generation_failed' }), message: z.string() })
      .optional()
      .meta({ description: "Once failed: the contract's error code and message." }),
    refunded: z.boolean().optional().meta({ description: "Failed or canceled jobs: whether the job's units were given back (see the README's refund rule)." }),
    webhook: z
      .object({
        url: z.string(),
        state: z.enum(['pending', 'delivered', 'failed']),
        attempts: z.array(z.object({ at: z.string(), status_code: z.number().int().optional(), error: z.string().optional() })),
      })
      .optional(),
  })
  .meta({ id: 'Job' });

export type JobBody = z.infer<typeof jobSchema>;

const JOB_ERRORS = ['not_found', 'invalid_request', ...COMMON_ERRORS] as const;

/** Runs `work` as a job of the caller's; the quota it answers with is the one its units left. */
async function submitJob<Body>(
  ctx: Context,
  kind: JobKind,
  work: JobWork<Answer<Body>>,
  webhookUrl: string | undefined,
): Promise<Answer<JobBody>> {
  let quota: QuotaSnapshot | undefined;
  const record = await ctx.services.jobs.submit(
    ctx.caller,
    kind,
    (signal, hooks) =>
      work(signal, {
        ...hooks,
        reserved: (reservation) => {
          quota = reservation.snapshot;
          hooks.reserved?.(reservation);
        },
      }),
    { ...(webhookUrl === undefined ? {} : { webhookUrl }), present: (answer) => answer.body },
  );
  return { body: jobView(record) as JobBody, quota: quota ?? (await ctx.services.quota.snapshot(ctx.caller.account)) };
}

/** A replayed submission answers with the job as it is now, not as it was accepted. */
const currentJob = (ctx: Context) => async (stored: JobBody) => jobView(await ctx.services.jobs.get(ctx.caller, stored.id)) as JobBody;

export const generateJob = procedure
  .meta({ errors: GENERATE_ERRORS })
  .input(generateInput)
  .output(jobSchema)
  .mutation(({ ctx, input }) =>
    idempotently(ctx, 'generate:job', input, () => submitJob(ctx, 'generate', (signal, hooks) => generateAnswer(ctx, input, signal, hooks), input.webhook_url), currentJob(ctx)),
  );

export const enhanceJob = uploadProcedure
  .meta({ errors: ENHANCE_ERRORS })
  .input(enhanceInput)
  .output(jobSchema)
  .mutation(({ ctx, input }) =>
    idempotently(ctx, 'enhance:job', input, () => submitJob(ctx, 'enhance', (signal, hooks) => enhanceAnswer(ctx, input, signal, hooks), input.webhook_url), currentJob(ctx)),
  );

const jobId = z.object({ id: z.string().max(64).meta({ description: 'The job id from the 202 answer (or its Location header).' }) });

export const job = procedure
  .meta({
    openapi: {
      method: 'GET',
      path: '/jobs/{id}',
      tags: ['jobs'],
      summary: 'Watch a job',
      description: 'The job as it is now: status, real progress, and the result or the error once it ended. Only the caller that created it can see it (others get 404). Costs nothing.',
      protect: false,
    },
    errors: JOB_ERRORS,
  })
  .input(jobId)
  .output(jobSchema)
  .query(async ({ ctx, input }) => jobView(await ctx.services.jobs.get(ctx.caller, input.id)) as JobBody);

export const jobs = procedure
  .meta({
    openapi: {
      method: 'GET',
      path: '/jobs',
      tags: ['jobs'],
      summary: "List the caller's recent jobs",
      description: 'Newest first; finished jobs are kept for AIPHOTO_JOB_TTL_HOURS. Costs nothing.',
      protect: false,
    },
    errors: JOB_ERRORS,
  })
  .input(
    z.object({
      status: z.enum(JOB_STATUSES, { error: `status must be one of: ${JOB_STATUSES.join(', ')}.` }).optional(),
      limit: z.coerce
        .number({ error: `limit must be a whole number from 1 to ${MAX_LISTED_JOBS}.` })
        .int({ error: `limit must be a whole number from 1 to ${MAX_LISTED_JOBS}.` })
        .min(1, { error: `limit must be a whole number from 1 to ${MAX_LISTED_JOBS}.` })
        .max(MAX_LISTED_JOBS, { error: `limit must be a whole number from 1 to ${MAX_LISTED_JOBS}.` })
        .default(20),
    }),
  )
  .output(z.object({ jobs: z.array(jobSchema) }).meta({ id: 'JobList' }))
  .query(async ({ ctx, input }) => ({
    jobs: (await ctx.services.jobs.list(ctx.caller, { ...(input.status ? { status: input.status } : {}), limit: input.limit })).map((record) => jobView(record) as JobBody),
  }));

export const cancelJob = procedure
  .meta({
    openapi: {
      method: 'DELETE',
      path: '/jobs/{id}',
      tags: ['jobs'],
      summary: 'Cancel a job',
      description:
        'Stops a queued or running job: a provider call is aborted, an enhancement stops at its next tile. The refund rule of a caller who hangs up applies: work a provider or a worker had begun is paid for, work still queued is refunded (`refunded` says which). A job that already ended is answered as it is.',
      protect: false,
    },
    errors: JOB_ERRORS,
  })
  .input(jobId)
  .output(jobSchema)
  .mutation(async ({ ctx, input }) => jobView(await ctx.services.jobs.cancel(ctx.caller, input.id)) as JobBody);
