import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
