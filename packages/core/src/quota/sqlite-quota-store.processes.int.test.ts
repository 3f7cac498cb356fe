import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../database.ts';
import { SqliteQuotaStore } from './sqlite-quota-store.ts';

const run = promisify(execFile);
const child = path.join(import.meta.dirname, '../testing/reserve-many.ts');

describe('the SQLite quota store shared by several processes', () => {
  it('admits exactly the limit when four processes race on one file', { timeout: 60_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-race-'));
    openDatabase(dir).close();
    const startAt = Date.now() + 5_000;
    const results = await Promise.all(
      Array.from({ length: 4 }, () => run(process.execPath, ['--import', 'tsx', child, dir, '4000', '6000', String(startAt)])),
    );
    const runs = results.map((result) => JSON.parse(result.stdout) as { admitted: number; firstAt: number; lastAt: number });
    // The four bursts overlapped in time, so the store really was raced.
    expect(Math.max(...runs.map((r) => r.firstAt))).toBeLessThan(Math.min(...runs.map((r) => r.lastAt)));
    expect(runs.reduce((sum, r) => sum + r.admitted, 0)).toBe(6000);
    const db = openDatabase(dir);
    expect(await new SqliteQuotaStore(db).usage('ip:203.0.113.9', '2026-11-25')).toBe(6000);
    db.close();
  });
});
