import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { openDatabase } from '../database.ts';
import { describeIdempotencyStore } from './idempotency-store.contract.ts';
import { SqliteIdempotencyStore } from './sqlite-idempotency-store.ts';

describeIdempotencyStore('sqlite', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-idempotency-'));
  const db = openDatabase(dir);
  return {
    open: async () => new SqliteIdempotencyStore(db),
    cleanup: () => {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

it('forgets a key once its day is over', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-idempotency-'));
  const db = openDatabase(dir);
  try {
    let now = Date.parse('2026-11-25T10:00:00Z');
    const store = new SqliteIdempotencyStore(db, () => now);
    await store.claim('key:a', 'k', 'fp', 86_400);
    await store.complete('key:a', 'k', { body: 1 }, 86_400);
    now += 86_400_000 - 1;
    expect((await store.claim('key:a', 'k', 'fp', 86_400)).state).toBe('done');
    now += 1;
    expect((await store.claim('key:a', 'k', 'fp', 86_400)).state).toBe('claimed');
    // Other expired keys are swept by prune, not by every claim.
    await store.claim('key:b', 'old', 'fp', 1);
    now += 1_000;
    expect(db.prepare('SELECT COUNT(*) AS n FROM idempotency').get()).toMatchObject({ n: 2 });
    store.prune();
    expect(db.prepare('SELECT COUNT(*) AS n FROM idempotency').get()).toMatchObject({ n: 1 });
  } finally {
    db.close();
  }
});
