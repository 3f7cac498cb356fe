import type { SqliteDatabase } from '../database.ts';
import type { ApiKeyRecord, KeyStore } from './key-store.ts';

interface Row {
  id: string;
  name: string;
  prefix: string;
  hash: string;
  daily_limit: number | null;
  created_at: string;
  revoked_at: string | null;
}

const toRecord = (row: Row): ApiKeyRecord => ({
  id: row.id,
  name: row.name,
  prefix: row.prefix,
  hash: row.hash,
  dailyLimit: row.daily_limit,
  createdAt: row.created_at,
  revokedAt: row.revoked_at,
});

export class SqliteKeyStore implements KeyStore {
  constructor(private readonly db: SqliteDatabase) {}

  async insert(record: ApiKeyRecord) {
    this.db
      .prepare(
        `INSERT INTO api_keys (id, name, prefix, hash, daily_limit, created_at, revoked_at)
         VALUES (@id, @name, @prefix, @hash, @dailyLimit, @createdAt, @revokedAt)`,
      )
      .run(record);
  }

  async findByHash(hash: string) {
    const row = this.db.prepare<[string], Row>('SELECT * FROM api_keys WHERE hash = ?').get(hash);
    return row && toRecord(row);
  }

  async list() {
    return this.db.prepare<[], Row>('SELECT * FROM api_keys ORDER BY created_at, id').all().map(toRecord);
  }

  async revoke(id: string, at: string) {
    const exists = this.db.prepare<[string], { id: string }>('SELECT id FROM api_keys WHERE id = ?').get(id);
    if (!exists) return false;
    this.db.prepare('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?').run(at, id);
    return true;
  }
}
