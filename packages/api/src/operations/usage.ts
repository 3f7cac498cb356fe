import { usageReport, utcDay, type UsageReport, type UsageTotals } from '@aiphoto/core';
import { z } from 'zod';
import { COMMON_ERRORS, procedure } from '../procedures.ts';
import { count } from './fields.ts';

/** GET /api/usage: what the caller's units bought, by day and model, with the costs providers reported. */

const totals = {
  units: count(3, 'Units used (images generated or enhanced).'),
  cost_usd: z.number().min(0).meta({ description: 'Sum of the costs providers reported, in US dollars; units without a reported cost add nothing.', example: 0.075 }),
  priced_units: count(2, 'How many of the units had a reported cost; the others are unknown, not free.'),
  input_tokens: count(31, 'Input tokens providers reported billing (OpenAI prices its GPT image models by token).'),
  output_tokens: count(1056, 'Output tokens providers reported billing.'),
};

export const usageOutputSchema = z
  .object({
    plan: z.enum(['free', 'pro']),
    from: z.string().meta({ example: '2026-10-27' }),
    to: z.string().meta({ example: '2026-11-25' }),
    days: z.array(
      z.object({
        day: z.string().meta({ example: '2026-11-24' }),
        ...totals,
        models: z.array(z.object({ model: z.string().meta({ example: 'flux-2-pro' }), ...totals })),
      }),
    ),
    totals: z.object(totals),
  })
  .meta({ id: 'UsageResponse' });

const toWire = (value: UsageTotals) => ({
  units: value.units,
  cost_usd: Math.round(value.costUsd * 1e6) / 1e6,
  priced_units: value.pricedUnits,
  input_tokens: value.inputTokens,
  output_tokens: value.outputTokens,
});

export const usage = procedure
  .meta({
    openapi: {
      method: 'GET',
      path: '/usage',
      tags: ['account'],
      summary: "The caller's usage by day and model, with the costs providers reported",
      description:
        'For the API key (or, without one, the client network): units per UTC day and model over the last `days` days, the cost providers reported in dollars (OpenRouter reports one; `priced_units` says how many units are priced) and the tokens they reported billing (OpenAI’s GPT image models). Costs nothing.',
      protect: false,
    },
    errors: ['invalid_request', ...COMMON_ERRORS],
  })
  .input(
    z.object({
      days: z.coerce
        .number({ error: 'days must be a whole number from 1 to 90.' })
        .int({ error: 'days must be a whole number from 1 to 90.' })
        .min(1, { error: 'days must be a whole number from 1 to 90.' })
        .max(90, { error: 'days must be a whole number from 1 to 90.' })
        .default(30)
        .meta({ description: 'How many UTC days back, today included.', example: 30 }),
    }),
  )
  .output(usageOutputSchema)
  .query(async ({ ctx, input }) => {
    const report = await usageReport(ctx.services.ledger, ctx.caller.account.subject, utcDay(ctx.services.clock()), input.days);
    return { plan: ctx.caller.plan, ...usageBody(report) };
  });

/** A usage report as the API spells it (snake_case); `aiphoto keys usage --json` prints the same. */
export function usageBody(report: UsageReport) {
  return {
    from: report.from,
    to: report.to,
    days: report.days.map((day) => ({ day: day.day, ...toWire(day), models: day.models.map((model) => ({ model: model.model, ...toWire(model) })) })),
    totals: toWire(report.totals),
  };
}
