import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../database.ts';
import { describeKeyStore } from './key-store.contract.ts';
import { SqliteKeyStore } from './sqlite-key-store.ts';

describeKeyStore('sqlite', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-keystore-'));
  const db = openDatabase(dir);
  return {
    open: async () => new SqliteKeyStore(db),
    cleanup: () => {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});
