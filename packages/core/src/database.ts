import fs from 'node:fs';
import path from 'node:path';
import Database from 'libsql';
import { Lru } from 'toad-cache';

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
  run(params: Params): { changes: number };
}

export function prepare<Params extends unknown[] | object, Row = never>(db: SqliteDatabase, sql: string): TypedStatement<Params, Row> {
  return db.prepare(sql) as unknown as TypedStatement<Params, Row>;
}

/** The first 96 bytes of the -shm file: the WAL-index header, twice (sqlite.org/walformat.html). */
const WAL_INDEX_HEADERS_BYTES = 96;
/** WAL-index format version 3007000 and isInit = 1: a header this code knows how to read. */
const isWalIndexHeader = (bytes: Buffer) => bytes.readUInt32LE(0) === 3_007_000 && bytes[12] === 1;
/** iChange: a counter every commit increments by one. */
const CHANGE_COUNTER_OFFSET = 8;

/**
 * Tells a connection's caches when any connection (the CLI, another process on the same
 * file) has committed. Every commit in WAL mode rewrites the WAL-index header at the start
 * of the -shm file before it returns (its change counter moves), so reading those 96 bytes
 * with one pread — no lock, no query — sees every commit that finished before it: a key
 * revoked by the CLI is refused on the very next request. Where the header cannot be read
 * it asks SQLite's data_version instead (two file-lock calls and a query, every time).
 *
 * Requests share looks. Each asks for `nextLook()` before its first read; one look, taken in
 * the event loop's check phase once every request read in that poll has asked, answers them
 * all, and reads answer from it until the next iteration's check phase. Every request it
 * answers arrived before it was taken, so each still sees every commit that finished before
 * it arrived. (A read outside any request may answer from a look one turn of the loop old.)
 * The batch is also what made the service cheap per request under load: the requests read
 * in one poll then run together, and a status answer cost ~40 % less CPU (README).
 */
export class CommitWatch {
  private readonly versionStatement;
  private readonly seen = Buffer.alloc(WAL_INDEX_HEADERS_BYTES);
  private readonly now = Buffer.alloc(WAL_INDEX_HEADERS_BYTES);
  private shm: number | undefined;
  private lastVersion = -1;
  private changes = 0;
  /** Requests waiting for the next look. */
  private waiting: (() => void)[] = [];
  /** Reads answer from the look taken for the latest batch of requests. */
  private lookShared = false;

  constructor(db: SqliteDatabase, file: string | undefined) {
    this.versionStatement = prepare<[], { data_version: number }>(db, 'PRAGMA data_version');
    if (file === undefined) return;
    try {
      this.shm = fs.openSync(`${file}-shm`, 'r');
    } catch {
      this.shm = undefined;
    }
  }

  /** A number that moves on whenever a commit may have happened since the previous call. */
  generation(): number {
    if (!this.lookShared) this.look();
    return this.changes;
  }

  /** Resolves after a look taken once every request read in this poll of the event loop has asked. */
  nextLook(): Promise<void> {
    return new Promise((resolve) => {
      if (this.waiting.push(resolve) === 1) setImmediate(this.lookForWaiting);
    });
  }

  private readonly lookForWaiting = () => {
    const waiting = this.waiting;
    this.waiting = [];
    try {
      this.look();
      this.lookShared = true;
      // Scheduled from the check phase, so it runs in the next one, before the next batch's look.
      setImmediate(this.endSharedLook);
    } catch {
      // (A closed database, say.) Each read then looks for itself and fails in its own request.
    }
    for (const resolve of waiting) resolve();
  };

  private readonly endSharedLook = () => {
    this.lookShared = false;
  };

  private look(): void {
    if (this.shm !== undefined ? this.headerMoved() : this.versionMoved()) this.changes++;
  }

  /**
   * Runs one write of this connection's own. Its commit moves the header too, which would
   * empty every cache although the writer keeps them up to date itself (a generate writes
   * twice, so the key and count read by the next request would always be re-queried). A
   * write that changed rows committed exactly once (autocommit), so when the header's change
   * counter (iChange, +1 for every commit) moved by exactly one, that commit was its own.
   * Anything else leaves the header as last seen, and the next generation() counts the
   * change: another commit, a write that changed nothing (a commit elsewhere in the meantime
   * would move the counter by one too), or one that failed.
   */
  ownCommit<T>(write: () => T, changedRows: (result: T) => boolean): T {
    // data_version never moves for this connection's own commits: nothing to tell apart.
    const shm = this.shm;
    if (shm === undefined) return write();
    // Measured from the last look, not a fresh one: a commit elsewhere since then moves the
    // counter by more than one, so the write is not taken for this connection's alone and
    // the next read finds that commit, as a fresh look would have had it do.
    const before = this.seen.readUInt32LE(CHANGE_COUNTER_OFFSET);
    const result = write();
    // A header adopted here that is not one this code can read is caught by the next look.
    if (changedRows(result)) {
      fs.readSync(shm, this.now, 0, WAL_INDEX_HEADERS_BYTES, 0);
      if (this.now.readUInt32LE(CHANGE_COUNTER_OFFSET) === ((before + 1) >>> 0)) {
        this.now.copy(this.seen);
        return result;
      }
    }
    // Whatever else moved the header is for the next read to find, not for a shared look to hide.
    this.lookShared = false;
    return result;
  }

  close(): void {
    if (this.shm !== undefined) fs.closeSync(this.shm);
    this.shm = undefined;
  }

  private headerMoved(): boolean {
    const read = fs.readSync(this.shm!, this.now, 0, WAL_INDEX_HEADERS_BYTES, 0);
    if (read !== WAL_INDEX_HEADERS_BYTES || !isWalIndexHeader(this.now)) {
      this.close();
      return true;
    }
    if (this.now.equals(this.seen)) return false;
    this.now.copy(this.seen);
    return true;
  }

  private versionMoved(): boolean {
    const version = this.versionStatement.get([])!.data_version;
    if (version === this.lastVersion) return false;
    this.lastVersion = version;
    return true;
  }
}

const databaseFiles = new WeakMap<SqliteDatabase, string>();
const watches = new WeakMap<SqliteDatabase, CommitWatch>();
const caches = new WeakMap<SqliteDatabase, Map<string, ReadCache<unknown>>>();

/** The one watch of a connection, shared by every cache of reads from it. */
export function commitWatchOf(db: SqliteDatabase): CommitWatch {
  let watch = watches.get(db);
  if (!watch) watches.set(db, (watch = new CommitWatch(db, databaseFiles.get(db))));
  return watch;
}

/**
 * A connection's one cache of a table: every store on the connection reads and updates the
 * same entries, so a write through one store is never hidden from another by a stale copy.
 */
export function readCacheOf<Value>(db: SqliteDatabase, table: string, maxEntries: number): ReadCache<Value> {
  let tables = caches.get(db);
  if (!tables) caches.set(db, (tables = new Map()));
  let cache = tables.get(table);
  if (!cache) tables.set(table, (cache = new ReadCache<unknown>(commitWatchOf(db), maxEntries)));
  return cache as ReadCache<Value>;
}

/**
 * Rows read from one connection, kept until a commit. Bounded: past `maxEntries` the least
 * recently used entry goes, so callers that invent subjects cost memory once. A read that
 * finds nothing (undefined) is not kept: unknown keys made up by a caller must not push out
 * the ones in use.
 */
export class ReadCache<Value> {
  private readonly entries;
  private filledAt = -1;

  constructor(
    private readonly watch: CommitWatch,
    maxEntries: number,
  ) {
    this.entries = new Lru<Value>(maxEntries);
  }

  /** The cached value, or `read()`'s (kept), as of now. */
  get(key: string, read: () => Value): Value {
    this.dropIfStale();
    const cached = this.entries.get(key);
    if (cached !== undefined) return cached;
    const value = read();
    if (value !== undefined) this.entries.set(key, value);
    return value;
  }

  /** What this connection itself just wrote, as the statement returned it. */
  set(key: string, value: Value): void {
    this.entries.set(key, value);
  }

  clear(): void {
    this.entries.clear();
  }

  private dropIfStale(): void {
    const generation = this.watch.generation();
    if (generation === this.filledAt) return;
    this.entries.clear();
    this.filledAt = generation;
  }
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
  databaseFiles.set(db, path.join(dataDir, DATABASE_FILE_NAME));
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
