import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../database.ts';
import { lastDays } from './ledger.ts';
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
