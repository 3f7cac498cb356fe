import { commitWatchOf, readCacheOf, prepare, type CommitWatch, type ReadCache, type SqliteDatabase } from '../database.ts';
import type { QuotaStore } from './quota-store.ts';

/** Subjects (keys, client networks) whose count today is kept in memory. */
const CACHED_COUNTS = 50_000;

/**
 * Each write is one SQL statement, so it is atomic even when several processes share the
 * file: the conditional upsert only increments while the total stays within the limit.
 * Counts are cached until another process commits (a status read, a refusal then cost no
 * query); admission is always the upsert's.
 */
export class SqliteQuotaStore implements QuotaStore {
  private readonly counts: ReadCache<number>;
  private readonly watch: CommitWatch;
  private readonly reserveStatement;
  private readonly releaseStatement;
  private readonly usageStatement;

  constructor(private readonly db: SqliteDatabase) {
    this.counts = readCacheOf(db, 'quota_usage', CACHED_COUNTS);
    this.watch = commitWatchOf(db);
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
   * The count first: a refusal then never takes the write lock (a caller out of quota can
   * send as fast as it likes). The upsert still decides admission, so two processes can
   * never both take the last unit.
   */
  async reserve(subject: string, day: string, units: number, limit: number) {
    const before = this.count(subject, day);
    if (before + units > limit) return { admitted: false, used: before };
    const row = this.watch.ownCommit(() => this.reserveStatement.get({ subject, day, units, limit }), returnedRow);
    if (row) {
      this.counts.set(countKey(subject, day), row.used);
      return { admitted: true, used: row.used };
    }
    // Another process took the last units between the count and the upsert.
    this.counts.clear();
    return { admitted: false, used: this.count(subject, day) };
  }

  async release(subject: string, day: string, units: number) {
    const used = this.watch.ownCommit(() => this.releaseStatement.get({ subject, day, units }), returnedRow)?.used ?? 0;
    this.counts.set(countKey(subject, day), used);
    return used;
  }

  async usage(subject: string, day: string) {
    return this.count(subject, day);
  }

  /** Days before `oldestDayKept` no longer answer any question; drop them. */
  prune(oldestDayKept: string): void {
    prepare<[string]>(this.db, 'DELETE FROM quota_usage WHERE day < ?').run([oldestDayKept]);
    this.counts.clear();
  }

  private count(subject: string, day: string): number {
    return this.counts.get(countKey(subject, day), () => this.usageStatement.get({ subject, day })?.used ?? 0);
  }

  async close() {}
}

const countKey = (subject: string, day: string) => `${day} ${subject}`;
/** Both statements return the row they changed, and nothing when they changed none. */
const returnedRow = (row: { used: number } | undefined) => row !== undefined;
