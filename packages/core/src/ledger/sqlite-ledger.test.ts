import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../database.ts';
import { keepInLedger, lastDays, usageReport } from './ledger.ts';
import { describeLedger } from './ledger.contract.ts';
import { SqliteLedger } from './sqlite-ledger.ts';

describeLedger('sqlite', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-ledger-'));
  const db = openDatabase(dir);
  return {
    open: async () => new SqliteLedger(db),
    cleanup: () => {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('lastDays', () => {
  it('counts back in UTC days, across a month end, oldest first', () => {
    expect(lastDays('2026-12-01', 3)).toEqual(['2026-11-29', '2026-11-30', '2026-12-01']);
  });
});

describe('usageReport and keepInLedger', () => {
  const entry = (id: string, day: string, model: string, costUsd?: number) => ({
    id,
    subject: 'key:k',
    day,
    createdAt: `${day}T08:00:00.000Z`,
    operation: 'generate' as const,
    model,
    provider: 'p',
    ...(costUsd === undefined ? {} : { costUsd }),
  });

  it('sums by day and over the window, listing only days with usage', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-ledger-'));
    const db = openDatabase(dir);
    try {
      const ledger = new SqliteLedger(db);
      await keepInLedger(ledger, [entry('1', '2026-11-24', 'b', 0.5), entry('2', '2026-11-24', 'a'), entry('3', '2026-11-25', 'b', 0.25), entry('4', '2026-11-01', 'b', 9)]);
      const report = await usageReport(ledger, 'key:k', '2026-11-25', 2);
      const totals = (units: number, costUsd: number, pricedUnits: number) => ({ units, costUsd, pricedUnits, inputTokens: 0, outputTokens: 0 });
      expect(report).toEqual({
        from: '2026-11-24',
        to: '2026-11-25',
        days: [
          { day: '2026-11-24', ...totals(2, 0.5, 1), models: [{ model: 'a', ...totals(1, 0, 0) }, { model: 'b', ...totals(1, 0.5, 1) }] },
          { day: '2026-11-25', ...totals(1, 0.25, 1), models: [{ model: 'b', ...totals(1, 0.25, 1) }] },
        ],
        totals: totals(3, 0.75, 2),
      });
    } finally {
      db.close();
    }
  });

  it('logs a ledger that fails instead of failing the delivered work, and does nothing without a ledger', async () => {
    const warnings: [object, string][] = [];
    const broken = { record: async () => Promise.reject(new Error('disk full')), entry: async () => undefined, usage: async () => [], lastUsed: async () => undefined };
    await expect(keepInLedger(broken, [entry('x', '2026-11-25', 'a')], { warn: (object, message) => warnings.push([object, message]) })).resolves.toBeUndefined();
    expect(warnings).toEqual([[{ err: 'Error: disk full', ids: ['x'] }, 'usage ledger could not record delivered work']]);
    await expect(keepInLedger(undefined, [entry('y', '2026-11-25', 'a')])).resolves.toBeUndefined();
  });
});
