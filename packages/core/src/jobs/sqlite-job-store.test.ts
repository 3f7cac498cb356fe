import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { openDatabase } from '../database.ts';
import { describeJobStore, jobRecord } from './job-store.contract.ts';
import { SqliteJobStore } from './sqlite-job-store.ts';

describeJobStore('sqlite', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-jobs-'));
  const db = openDatabase(dir);
  return {
    open: async () => new SqliteJobStore(db),
    cleanup: () => {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

it('prunes finished jobs older than the cut-off and keeps active ones', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-jobs-'));
  const db = openDatabase(dir);
  try {
    const store = new SqliteJobStore(db);
    const old = jobRecord({ status: 'succeeded', updatedAt: '2026-11-01T00:00:00.000Z' });
    const oldActive = jobRecord({ status: 'running', updatedAt: '2026-11-01T00:00:00.000Z' });
    const recent = jobRecord({ status: 'failed', updatedAt: '2026-12-02T00:00:00.000Z' });
    for (const job of [old, oldActive, recent]) await store.create(job);
    expect(await store.prune('2026-12-01T00:00:00.000Z')).toBe(1);
    expect(await store.get(old.id)).toBeUndefined();
    expect(await store.get(oldActive.id)).toBeDefined();
    expect(await store.get(recent.id)).toBeDefined();
  } finally {
    db.close();
  }
});
