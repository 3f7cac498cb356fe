import { commitWatchOf, prepare, type CommitWatch, type SqliteDatabase } from '../database.ts';
import type { Ledger, LedgerEntry, UsageRow } from './ledger.ts';

export class SqliteLedger implements Ledger {
  private readonly insert;
  private readonly byDay;
  private readonly byId;
  private readonly latest;
  private readonly watch: CommitWatch;

  constructor(db: SqliteDatabase) {
    this.watch = commitWatchOf(db);
    this.insert = prepare<Record<string, string | number | null>>(
      db,
      `INSERT OR IGNORE INTO generations (id, subject, day, created_at, operation, model, provider, upstream_model, seed, cost_usd, input_tokens, output_tokens)
       VALUES (@id, @subject, @day, @createdAt, @operation, @model, @provider, @upstreamModel, @seed, @costUsd, @inputTokens, @outputTokens)`,
    );
    this.byDay = prepare<{ subject: string; days: string }, UsageRow>(
      db,
      `SELECT day, model, COUNT(*) AS units, COALESCE(SUM(cost_usd), 0) AS costUsd, COUNT(cost_usd) AS pricedUnits,
              COALESCE(SUM(input_tokens), 0) AS inputTokens, COALESCE(SUM(output_tokens), 0) AS outputTokens
       FROM generations WHERE subject = @subject AND day IN (SELECT value FROM json_each(@days))
       GROUP BY day, model ORDER BY day, model`,
    );
    this.byId = prepare<
      { id: string },
      {
        id: string;
        subject: string;
        day: string;
        created_at: string;
        operation: string;
        model: string;
        provider: string;
        upstream_model: string | null;
        seed: number | null;
        cost_usd: number | null;
        input_tokens: number | null;
        output_tokens: number | null;
      }
    >(db, 'SELECT * FROM generations WHERE id = @id');
    this.latest = prepare<{ subject: string }, { at: string | null }>(db, 'SELECT MAX(created_at) AS at FROM generations WHERE subject = @subject');
  }

  async lastUsed(subject: string): Promise<string | undefined> {
    return this.latest.get({ subject })?.at ?? undefined;
  }

  async entry(id: string): Promise<LedgerEntry | undefined> {
    const row = this.byId.get({ id });
    if (!row) return undefined;
    return {
      id: row.id,
      subject: row.subject,
      day: row.day,
      createdAt: row.created_at,
      operation: row.operation as LedgerEntry['operation'],
      model: row.model,
      provider: row.provider,
      ...(row.upstream_model === null ? {} : { upstreamModel: row.upstream_model }),
      ...(row.seed === null ? {} : { seed: row.seed }),
      ...(row.cost_usd === null ? {} : { costUsd: row.cost_usd }),
      ...(row.input_tokens === null || row.output_tokens === null ? {} : { tokens: { input: row.input_tokens, output: row.output_tokens } }),
    };
  }

  async record(entry: LedgerEntry): Promise<void> {
    const row = {
      id: entry.id,
      subject: entry.subject,
      day: entry.day,
      createdAt: entry.createdAt,
      operation: entry.operation,
      model: entry.model,
      provider: entry.provider,
      upstreamModel: entry.upstreamModel ?? null,
      seed: entry.seed ?? null,
      costUsd: entry.costUsd ?? null,
      inputTokens: entry.tokens?.input ?? null,
      outputTokens: entry.tokens?.output ?? null,
    };
    this.watch.ownCommit(() => this.insert.run(row), (result) => result.changes > 0);
  }

  async usage(subject: string, days: readonly string[]): Promise<UsageRow[]> {
    return this.byDay.all({ subject, days: JSON.stringify(days) });
  }
}
