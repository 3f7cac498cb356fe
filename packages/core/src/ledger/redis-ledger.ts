import type { Redis } from 'ioredis';
import { byDayThenModel, type Ledger, type LedgerEntry, type UsageRow } from './ledger.ts';

/** About thirteen months: a year of usage can always be compared with the month before. */
const KEEP_SECONDS = 400 * 86_400;

/**
 * Each entry is a hash of its own, and the day's totals per model are counters in one hash
 * per subject and day (`units|<model>`, `priced|<model>`, `cost|<model>`), written in one
 * MULTI so the totals never disagree with the entries.
 */
export class RedisLedger implements Ledger {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'aiphoto',
  ) {}

  async record(entry: LedgerEntry): Promise<void> {
    const entryKey = `${this.prefix}:generation:${entry.id}`;
    // An id is recorded once: a repeat must not count its unit twice.
    if ((await this.redis.hsetnx(entryKey, 'subject', entry.subject)) === 0) return;
    const totals = `${this.prefix}:usage:${entry.subject}:${entry.day}`;
    const fields: Record<string, string> = {
      subject: entry.subject,
      day: entry.day,
      created_at: entry.createdAt,
      operation: entry.operation,
      model: entry.model,
      provider: entry.provider,
      ...(entry.upstreamModel ? { upstream_model: entry.upstreamModel } : {}),
      ...(entry.seed === undefined ? {} : { seed: String(entry.seed) }),
      ...(entry.costUsd === undefined ? {} : { cost_usd: String(entry.costUsd) }),
      ...(entry.tokens ? { input_tokens: String(entry.tokens.input), output_tokens: String(entry.tokens.output) } : {}),
    };
    const multi = this.redis
      .multi()
      .hset(entryKey, fields)
      .expire(entryKey, KEEP_SECONDS)
      .hincrby(totals, `units|${entry.model}`, 1)
      // One key per subject, expiring like its entries (one shared set would grow with every
      // client network forever); GT: an entry recorded late never moves the time back.
      .zadd(`${this.prefix}:last-used:${entry.subject}`, 'GT', Date.parse(entry.createdAt), 'at')
      .expire(`${this.prefix}:last-used:${entry.subject}`, KEEP_SECONDS);
    if (entry.costUsd !== undefined) multi.hincrby(totals, `priced|${entry.model}`, 1).hincrbyfloat(totals, `cost|${entry.model}`, entry.costUsd);
    if (entry.tokens) multi.hincrby(totals, `input_tokens|${entry.model}`, entry.tokens.input).hincrby(totals, `output_tokens|${entry.model}`, entry.tokens.output);
    await multi.expire(totals, KEEP_SECONDS).exec();
  }

  async entry(id: string): Promise<LedgerEntry | undefined> {
    const fields = await this.redis.hgetall(`${this.prefix}:generation:${id}`);
    if (!fields.subject) return undefined;
    return {
      id,
      subject: fields.subject,
      day: fields.day!,
      createdAt: fields.created_at!,
      operation: fields.operation as LedgerEntry['operation'],
      model: fields.model!,
      provider: fields.provider!,
      ...(fields.upstream_model ? { upstreamModel: fields.upstream_model } : {}),
      ...(fields.seed === undefined ? {} : { seed: Number(fields.seed) }),
      ...(fields.cost_usd === undefined ? {} : { costUsd: Number(fields.cost_usd) }),
      ...(fields.input_tokens === undefined ? {} : { tokens: { input: Number(fields.input_tokens), output: Number(fields.output_tokens) } }),
    };
  }

  async lastUsed(subject: string): Promise<string | undefined> {
    const score = await this.redis.zscore(`${this.prefix}:last-used:${subject}`, 'at');
    return score === null ? undefined : new Date(Number(score)).toISOString();
  }

  async usage(subject: string, days: readonly string[]): Promise<UsageRow[]> {
    const pipeline = this.redis.pipeline();
    for (const day of days) pipeline.hgetall(`${this.prefix}:usage:${subject}:${day}`);
    const answers = (await pipeline.exec()) ?? [];
    const rows: UsageRow[] = [];
    answers.forEach(([error, totals], index) => {
      if (error) throw error;
      const fields = totals as Record<string, string>;
      for (const [field, value] of Object.entries(fields)) {
        if (!field.startsWith('units|')) continue;
        const model = field.slice('units|'.length);
        rows.push({
          day: days[index]!,
          model,
          units: Number(value),
          costUsd: Number(fields[`cost|${model}`] ?? 0),
          pricedUnits: Number(fields[`priced|${model}`] ?? 0),
          inputTokens: Number(fields[`input_tokens|${model}`] ?? 0),
          outputTokens: Number(fields[`output_tokens|${model}`] ?? 0),
        });
      }
    });
    return rows.sort(byDayThenModel);
  }
}
