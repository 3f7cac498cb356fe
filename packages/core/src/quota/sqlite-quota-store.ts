import { prepare, type SqliteDatabase } from '../database.ts';
import type { QuotaStore } from './quota-store.ts';

/**
 * Each operation is one SQL statement, so it is atomic even when several processes share
 * the file: the conditional upsert only increments while the total stays within the limit.
 */
export class SqliteQuotaStore implements QuotaStore {
  private readonly reserveStatement;
  private readonly releaseStatement;
  private readonly usageStatement;

  constructor(private readonly db: SqliteDatabase) {
    this.reserveStatement = prepare<{ subject: string; day: string; units: number; limit: number }, { used: number }>(
      db,
      `INSERT INTO quota_usage (subject, day, used) SELECT @subject, @day, @units WHERE @units <= @limit
       ON CONFLICT (subject, day) DO UPDATE SET used = used + @units WHERE used + @units <= @limit
       RETURNING used`,
    );
    this.releaseStatement = prepare<{ subject: string; day: string; units: number }, { used: number }>(
      db,
      `UPDATE quota_usage SET used = MAX(used - @units, 0) WHERE subject = @subject AND day = @day RETURNING used`,
    );
    this.usageStatement = prepare<{ subject: string; day: string }, { used: number }>(
      db,
      `SELECT used FROM quota_usage WHERE subject = @subject AND day = @day`,
    );
  }

  /**
   * A read first: a refusal is then one read and never takes the write lock (a caller out of
   * quota can send as fast as it likes). The upsert still decides admission, so two
   * processes can never both take the last unit.
   */
  async reserve(subject: string, day: string, units: number, limit: number) {
    const before = await this.usage(subject, day);
    if (before + units > limit) return { admitted: false, used: before };
    const row = this.reserveStatement.get({ subject, day, units, limit });
    if (row) return { admitted: true, used: row.used };
    return { admitted: false, used: await this.usage(subject, day) };
  }

  async release(subject: string, day: string, units: number) {
    return this.releaseStatement.get({ subject, day, units })?.used ?? 0;
  }

  async usage(subject: string, day: string) {
    return this.usageStatement.get({ subject, day })?.used ?? 0;
  }

  /** Days before `oldestDayKept` no longer answer any question; drop them. */
  prune(oldestDayKept: string): void {
    prepare<[string]>(this.db, 'DELETE FROM quota_usage WHERE day < ?').run([oldestDayKept]);
  }

  async close() {}
}
