import { readCacheOf, prepare, type ReadCache, type SqliteDatabase } from '../database.ts';
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

/** Far more keys than an operator hands out; past it the longest cached go first. */
const CACHED_KEYS = 10_000;

/**
 * The key lookup runs on every authenticated request: its statement is prepared once and
 * its rows are cached until another process (the CLI revoking a key) commits.
 */
export class SqliteKeyStore implements KeyStore {
  private readonly byHash: ReadCache<ApiKeyRecord | undefined>;
  private readonly insertStatement;
  private readonly findByHashStatement;
  private readonly listStatement;
  private readonly revokeStatement;
  private readonly secretStatement;
  private readonly keepSecretStatement;
  private readonly replaceSecretStatement;

  constructor(db: SqliteDatabase) {
    this.byHash = readCacheOf(db, 'api_keys', CACHED_KEYS);
    this.insertStatement = prepare<ApiKeyRecord>(
      db,
      `INSERT INTO api_keys (id, name, prefix, hash, daily_limit, created_at, revoked_at)
       VALUES (@id, @name, @prefix, @hash, @dailyLimit, @createdAt, @revokedAt)`,
    );
    this.findByHashStatement = prepare<[string], Row>(db, 'SELECT * FROM api_keys WHERE hash = ?');
    this.listStatement = prepare<[], Row>(db, 'SELECT * FROM api_keys ORDER BY created_at, id');
    this.revokeStatement = prepare<[string, string], { id: string }>(
      db,
      'UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? RETURNING id',
    );
    this.secretStatement = prepare<[string], { secret: string }>(db, 'SELECT secret FROM webhook_secrets WHERE key_id = ?');
    // Only for a key that exists: the SELECT yields no row otherwise, so nothing is inserted.
    this.keepSecretStatement = prepare<[string, string]>(
      db,
      'INSERT INTO webhook_secrets (key_id, secret) SELECT id, ? FROM api_keys WHERE id = ? ON CONFLICT (key_id) DO NOTHING',
    );
    this.replaceSecretStatement = prepare<[string, string]>(
      db,
      'INSERT INTO webhook_secrets (key_id, secret) SELECT id, ? FROM api_keys WHERE id = ? ON CONFLICT (key_id) DO UPDATE SET secret = excluded.secret',
    );
  }

  async insert(record: ApiKeyRecord) {
    this.insertStatement.run(record);
  }

  async findByHash(hash: string) {
    return this.byHash.get(hash, () => {
      const row = this.findByHashStatement.get([hash]);
      return row && toRecord(row);
    });
  }

  async list() {
    return this.listStatement.all([]).map(toRecord);
  }

  async revoke(id: string, at: string) {
    const found = this.revokeStatement.get([at, id]) !== undefined;
    // Cached by hash, not id: forget them all (revoking is rare, lookups are not).
    this.byHash.clear();
    return found;
  }

  async webhookSecret(id: string) {
    return this.secretStatement.get([id])?.secret;
  }

  async setWebhookSecret(id: string, secret: string, onlyIfUnset: boolean) {
    (onlyIfUnset ? this.keepSecretStatement : this.replaceSecretStatement).run([secret, id]);
    return this.secretStatement.get([id])?.secret;
  }
}
