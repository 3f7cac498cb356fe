import { prepare, type SqliteDatabase } from '../database.ts';
import type { Claim, IdempotencyStore, StoredAnswer } from './idempotency-store.ts';

export class SqliteIdempotencyStore implements IdempotencyStore {
  private readonly expire;
  private readonly sweep;
  private readonly insert;
  private readonly read;
  private readonly finish;
  private readonly remove;

  constructor(
    db: SqliteDatabase,
    private readonly clock: () => number = Date.now,
  ) {
    // Only the key being claimed: sweeping the whole table on every request would make each
    // POST pay for everyone's keys. `prune` sweeps the rest at startup.
    this.expire = prepare<{ scope: string; key: string; now: number }>(
      db,
      'DELETE FROM idempotency WHERE scope = @scope AND key = @key AND expires_at <= @now',
    );
    this.sweep = prepare<{ now: number }>(db, 'DELETE FROM idempotency WHERE expires_at <= @now');
    // One statement, so two processes claiming the same key cannot both succeed.
    this.insert = prepare<{ scope: string; key: string; fingerprint: string; expiresAt: number }, { key: string }>(
      db,
      `INSERT INTO idempotency (scope, key, fingerprint, answer, expires_at) VALUES (@scope, @key, @fingerprint, NULL, @expiresAt)
       ON CONFLICT (scope, key) DO NOTHING RETURNING key`,
    );
    this.read = prepare<{ scope: string; key: string }, { fingerprint: string; answer: string | null }>(
      db,
      'SELECT fingerprint, answer FROM idempotency WHERE scope = @scope AND key = @key',
    );
    this.finish = prepare<{ scope: string; key: string; answer: string; expiresAt: number }>(
      db,
      'UPDATE idempotency SET answer = @answer, expires_at = @expiresAt WHERE scope = @scope AND key = @key',
    );
    this.remove = prepare<{ scope: string; key: string }>(db, 'DELETE FROM idempotency WHERE scope = @scope AND key = @key AND answer IS NULL');
  }

  async claim(scope: string, key: string, fingerprint: string, ttlSeconds: number): Promise<Claim> {
    const now = this.clock();
    this.expire.run({ scope, key, now });
    if (this.insert.get({ scope, key, fingerprint, expiresAt: now + ttlSeconds * 1000 })) return { state: 'claimed' };
    const row = this.read.get({ scope, key });
    if (!row) return this.claim(scope, key, fingerprint, ttlSeconds);
    return row.answer === null
      ? { state: 'running', fingerprint: row.fingerprint }
      : { state: 'done', fingerprint: row.fingerprint, answer: JSON.parse(row.answer) as StoredAnswer };
  }

  /** Forgets every expired key (run at startup, as the quota store prunes old days). */
  prune(): void {
    this.sweep.run({ now: this.clock() });
  }

  async complete(scope: string, key: string, answer: StoredAnswer, ttlSeconds: number): Promise<void> {
    this.finish.run({ scope, key, answer: JSON.stringify(answer), expiresAt: this.clock() + ttlSeconds * 1000 });
  }

  async release(scope: string, key: string): Promise<void> {
    this.remove.run({ scope, key });
  }
}
