import fs from 'node:fs';
import path from 'node:path';
import Database from 'libsql';

/*
 * libsql rather than better-sqlite3: the same synchronous API and the same file format, but
 * its binary ships inside the npm registry (@libsql/<platform>), so installing needs no
 * compiler, no Node headers and no download from another host.
 */
export type SqliteDatabase = Database.Database;

/** Each entry upgrades the schema by one version; never edit one that has shipped. */
const MIGRATIONS: string[] = [
  `CREATE TABLE quota_usage (
     subject TEXT NOT NULL,
     day TEXT NOT NULL,
     used INTEGER NOT NULL CHECK (used >= 0),
     PRIMARY KEY (subject, day)
   ) WITHOUT ROWID;
   CREATE TABLE api_keys (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     prefix TEXT NOT NULL,
     hash TEXT NOT NULL UNIQUE,
     daily_limit INTEGER,
     created_at TEXT NOT NULL,
     revoked_at TEXT
   );`,
  `CREATE TABLE generations (
     id TEXT PRIMARY KEY,
     subject TEXT NOT NULL,
     day TEXT NOT NULL,
     created_at TEXT NOT NULL,
     operation TEXT NOT NULL,
     model TEXT NOT NULL,
     provider TEXT NOT NULL,
     upstream_model TEXT,
     seed INTEGER,
     cost_usd REAL,
     input_tokens INTEGER,
     output_tokens INTEGER
   );
   CREATE INDEX generations_by_subject_day ON generations (subject, day);
   CREATE TABLE idempotency (
     scope TEXT NOT NULL,
     key TEXT NOT NULL,
     fingerprint TEXT NOT NULL,
     answer TEXT,
     expires_at INTEGER NOT NULL,
     PRIMARY KEY (scope, key)
   ) WITHOUT ROWID;`,
  `CREATE TABLE jobs (
     id TEXT PRIMARY KEY,
     subject TEXT NOT NULL,
     status TEXT NOT NULL,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     lease_until INTEGER NOT NULL,
     record TEXT NOT NULL
   );
   CREATE INDEX jobs_by_subject ON jobs (subject, created_at);
   CREATE INDEX jobs_by_lease ON jobs (status, lease_until);
   CREATE TABLE webhook_secrets (
     key_id TEXT PRIMARY KEY,
     secret TEXT NOT NULL
   );`,
];

export const DATABASE_FILE_NAME = 'aiphoto.db';

/**
 * A prepared statement with the parameter and row types the SQL promises. Parameters are
 * always an array (positional) or an object (named): libsql aborts the whole process on a
 * boolean and refuses a bare null, so callers bind only strings, numbers and null fields.
 */
export interface TypedStatement<Params extends unknown[] | object, Row> {
  get(params: Params): Row | undefined;
  all(params: Params): Row[];
  run(params: Params): unknown;
}

export function prepare<Params extends unknown[] | object, Row = never>(db: SqliteDatabase, sql: string): TypedStatement<Params, Row> {
  return db.prepare(sql) as unknown as TypedStatement<Params, Row>;
}

/**
 * Opens (creating if needed) the service's one SQLite file in the data directory.
 * WAL lets the CLI and the server use the file at the same time; the busy timeout makes a
 * writer wait for the other instead of failing.
 */
export function openDatabase(dataDir: string): SqliteDatabase {
  fs.mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, DATABASE_FILE_NAME));
  db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;');
  migrate(db);
  return db;
}

export function schemaVersion(db: SqliteDatabase): number {
  // libsql's pragma({ simple: true }) returns the whole row, so read the column by name.
  return prepare<[], { user_version: number }>(db, 'PRAGMA user_version').get([])!.user_version;
}

function migrate(db: SqliteDatabase): void {
  db.transaction(() => {
    for (let version = schemaVersion(db); version < MIGRATIONS.length; version++) {
      db.exec(MIGRATIONS[version]!);
    }
    db.exec(`PRAGMA user_version = ${MIGRATIONS.length}`);
  }).immediate();
}
