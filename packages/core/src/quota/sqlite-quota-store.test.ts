import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../database.ts';
import { describeQuotaStore } from './quota-store.contract.ts';
import { SqliteQuotaStore } from './sqlite-quota-store.ts';

describeQuotaStore('sqlite', { persistent: true }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-quota-'));
  const databases: ReturnType<typeof openDatabase>[] = [];
  return {
    open: async () => {
      const db = openDatabase(dir);
      databases.push(db);
      return new SqliteQuotaStore(db);
    },
    cleanup: () => {
      for (const db of databases) db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('pruning old days', () => {
  it('drops days before the oldest kept and keeps that day and later ones', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-prune-'));
    const db = openDatabase(dir);
    const store = new SqliteQuotaStore(db);
    for (const day of ['2026-11-22', '2026-11-23', '2026-11-24']) await store.reserve('ip:1', day, 2, 5);
    store.prune('2026-11-23');
    expect([await store.usage('ip:1', '2026-11-22'), await store.usage('ip:1', '2026-11-23'), await store.usage('ip:1', '2026-11-24')]).toEqual([0, 2, 2]);
    db.close();
  });
});
