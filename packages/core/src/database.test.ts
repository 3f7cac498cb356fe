import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'libsql';
import { afterEach, describe, expect, it } from 'vitest';
import { CommitWatch, ReadCache, commitWatchOf, openDatabase, type SqliteDatabase } from './database.ts';
import { SqliteKeyStore } from './keys/sqlite-key-store.ts';
import { SqliteQuotaStore } from './quota/sqlite-quota-store.ts';
import { SqliteLedger } from './ledger/sqlite-ledger.ts';

const opened: SqliteDatabase[] = [];
const dirs: string[] = [];

/** Two connections to one new data directory, as the server and the CLI hold them. */
function twoConnections(): [SqliteDatabase, SqliteDatabase, string] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-db-'));
  dirs.push(dir);
  const connections = [openDatabase(dir), openDatabase(dir)] as const;
  opened.push(...connections);
  return [...connections, dir];
}

afterEach(() => {
  for (const db of opened.splice(0)) {
    commitWatchOf(db).close();
    db.close();
  }
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** What the stores tell ownCommit: a write that changed no row did not commit. */
const changed = (result: { changes: number }) => result.changes > 0;

const record = (id: string, hash: string) => ({ id, name: id, prefix: 'aip_x', hash, dailyLimit: null, createdAt: '2026-12-02T00:00:00.000Z', revokedAt: null });

describe('CommitWatch', () => {
  it('moves on after a commit on another connection, and only then', () => {
    const [server, cli] = twoConnections();
    const watch = commitWatchOf(server);
    const first = watch.generation();
    expect(watch.generation()).toBe(first);
    cli.prepare('SELECT COUNT(*) FROM api_keys').get();
    expect(watch.generation()).toBe(first);
    cli.prepare("INSERT INTO quota_usage (subject, day, used) VALUES ('ip:1', '2026-12-02', 1)").run();
    const second = watch.generation();
    expect(second).not.toBe(first);
    expect(watch.generation()).toBe(second);
  });

  it('still sees commits after a checkpoint has emptied the WAL', () => {
    const [server, cli] = twoConnections();
    const watch = commitWatchOf(server);
    cli.prepare("INSERT INTO quota_usage (subject, day, used) VALUES ('ip:1', '2026-12-02', 1)").run();
    cli.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    const afterCheckpoint = watch.generation();
    cli.prepare("UPDATE quota_usage SET used = 2 WHERE subject = 'ip:1'").run();
    expect(watch.generation()).not.toBe(afterCheckpoint);
  });

  it('moves on after a commit on its own connection too, so no write is ever hidden from a cache', () => {
    const [server] = twoConnections();
    const watch = commitWatchOf(server);
    const first = watch.generation();
    server.prepare("INSERT INTO quota_usage (subject, day, used) VALUES ('ip:1', '2026-12-02', 1)").run();
    expect(watch.generation()).not.toBe(first);
  });

  it("stays put after a commit of its own connection's made through ownCommit, when no other commit came in between", () => {
    const [server] = twoConnections();
    const watch = commitWatchOf(server);
    const first = watch.generation();
    watch.ownCommit(() => server.prepare("INSERT INTO quota_usage (subject, day, used) VALUES ('ip:1', '2026-12-02', 1)").run(), changed);
    watch.ownCommit(() => server.prepare("UPDATE quota_usage SET used = 2 WHERE subject = 'ip:1'").run(), changed);
    expect(watch.generation()).toBe(first);
  });

  it('moves on when another connection commits while an own write runs, or before it unnoticed', () => {
    const [server, cli] = twoConnections();
    const watch = commitWatchOf(server);
    const first = watch.generation();
    watch.ownCommit(() => {
      cli.prepare("INSERT INTO quota_usage (subject, day, used) VALUES ('ip:cli', '2026-12-02', 1)").run();
      return server.prepare("INSERT INTO quota_usage (subject, day, used) VALUES ('ip:1', '2026-12-02', 1)").run();
    }, changed);
    const second = watch.generation();
    expect(second).not.toBe(first);
    cli.prepare("UPDATE quota_usage SET used = 3 WHERE subject = 'ip:cli'").run();
    watch.ownCommit(() => server.prepare("UPDATE quota_usage SET used = 2 WHERE subject = 'ip:1'").run(), changed);
    expect(watch.generation()).not.toBe(second);
  });

  it('stays put after an own write that commits nothing or fails, and never takes a commit elsewhere for its own', () => {
    const [server, cli] = twoConnections();
    const watch = commitWatchOf(server);
    const first = watch.generation();
    watch.ownCommit(() => server.prepare("UPDATE quota_usage SET used = 9 WHERE subject = 'nobody'").run(), changed);
    expect(() => watch.ownCommit(() => server.prepare("INSERT INTO quota_usage (subject, day, used) VALUES ('ip:1', '2026-12-02', -1)").run(), changed)).toThrow(/CHECK/);
    expect(watch.generation()).toBe(first);
    // A commit elsewhere just before an own write that commits nothing moves the counter by
    // one too: it must not pass for the write's own.
    cli.prepare("INSERT INTO quota_usage (subject, day, used) VALUES ('ip:cli', '2026-12-02', 1)").run();
    watch.ownCommit(() => server.prepare("UPDATE quota_usage SET used = 9 WHERE subject = 'nobody'").run(), changed);
    const second = watch.generation();
    expect(second).not.toBe(first);
    // The same, the other commit landing after the check before the write.
    watch.ownCommit(() => {
      cli.prepare("UPDATE quota_usage SET used = 2 WHERE subject = 'ip:cli'").run();
      return server.prepare("UPDATE quota_usage SET used = 9 WHERE subject = 'nobody'").run();
    }, changed);
    expect(watch.generation()).not.toBe(second);
  });

  it('falls back to data_version when the -shm file is not a WAL index it can read', () => {
    const [server, cli, dir] = twoConnections();
    const lookalike = path.join(dir, 'not-a-database');
    fs.writeFileSync(`${lookalike}-shm`, Buffer.alloc(96, 7));
    const watch = new CommitWatch(server, lookalike);
    const first = watch.generation();
    cli.prepare("INSERT INTO quota_usage (subject, day, used) VALUES ('ip:1', '2026-12-02', 1)").run();
    const second = watch.generation();
    expect(second).not.toBe(first);
    cli.prepare("UPDATE quota_usage SET used = 2 WHERE subject = 'ip:1'").run();
    expect(watch.generation()).not.toBe(second);
  });

  it('runs an own write through to its result when the -shm file turns out unreadable, and falls back to data_version', () => {
    const [server, cli, dir] = twoConnections();
    const lookalike = path.join(dir, 'not-a-database');
    fs.writeFileSync(`${lookalike}-shm`, Buffer.alloc(96, 7));
    const watch = new CommitWatch(server, lookalike);
    expect(watch.ownCommit(() => 'written', () => true)).toBe('written');
    const first = watch.generation();
    cli.prepare("INSERT INTO quota_usage (subject, day, used) VALUES ('ip:1', '2026-12-02', 1)").run();
    expect(watch.generation()).not.toBe(first);
  });

  it("asks SQLite's data_version where it has no -shm file to read", () => {
    const [, cli, dir] = twoConnections();
    const bare = new Database(path.join(dir, 'aiphoto.db'));
    opened.push(bare as SqliteDatabase);
    const watch = new CommitWatch(bare as SqliteDatabase, undefined);
    const first = watch.generation();
    expect(watch.generation()).toBe(first);
    cli.prepare("INSERT INTO quota_usage (subject, day, used) VALUES ('ip:1', '2026-12-02', 1)").run();
    expect(watch.generation()).not.toBe(first);
  });
});

/** One turn of the event loop: what runs in this check phase has run when it resolves. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('CommitWatch shared looks', () => {
  const insert = (db: SqliteDatabase, subject: string) => db.prepare(`INSERT INTO quota_usage (subject, day, used) VALUES ('${subject}', '2026-12-02', 1)`).run();

  /** The server's watch right after a shared look, and a second connection to commit elsewhere. */
  async function afterSharedLook() {
    const [server, cli] = twoConnections();
    const watch = commitWatchOf(server);
    await watch.nextLook();
    return { server, cli, watch, shared: watch.generation() };
  }

  it('answers the requests that asked together from one look, taken after the last of them asked', async () => {
    const { cli, watch, shared: before } = await afterSharedLook();
    // One request asks, a commit finishes, another request asks, all in one turn: the look
    // must come after the commit, or the second request would not see it.
    const first = watch.nextLook();
    insert(cli, 'ip:1');
    await Promise.all([first, watch.nextLook(), watch.nextLook()]);
    const shared = watch.generation();
    expect(shared).not.toBe(before);
    // A commit after the look is the next batch's to see, not this one's.
    insert(cli, 'ip:2');
    expect(watch.generation()).toBe(shared);
    const next = watch.nextLook();
    expect(watch.generation()).toBe(shared);
    await next;
    expect(watch.generation()).not.toBe(shared);
  });

  it('lets no read answer from a look older than the next turn of the event loop', async () => {
    const { cli, watch, shared } = await afterSharedLook();
    insert(cli, 'ip:1');
    await nextTurn();
    expect(watch.generation()).not.toBe(shared);
    const seen = watch.generation();
    insert(cli, 'ip:2');
    expect(watch.generation()).not.toBe(seen);
  });

  it('keeps a shared look across an own write, and gives it up when another commit came in between', async () => {
    const { server, cli, watch, shared } = await afterSharedLook();
    watch.ownCommit(() => insert(server, 'ip:1'), changed);
    expect(watch.generation()).toBe(shared);
    insert(cli, 'ip:2');
    watch.ownCommit(() => insert(server, 'ip:3'), changed);
    expect(watch.generation()).not.toBe(shared);
  });

  it('answers every request waiting for a look even when the look fails, and leaves the failure to each read', async () => {
    // A disk that fails under SQLite cannot be made here; a connection whose every query fails stands in.
    const failing = { prepare: () => ({ get: () => { throw new Error('SQLITE_IOERR: disk I/O error'); } }) } as unknown as SqliteDatabase;
    const watch = new CommitWatch(failing, undefined);
    await expect(Promise.all([watch.nextLook(), watch.nextLook()])).resolves.toEqual([undefined, undefined]);
    expect(() => watch.generation()).toThrow(/disk I\/O error/);
  });
});

describe('ReadCache', () => {
  it('keeps at most maxEntries, dropping the least recently used first', () => {
    const [db] = twoConnections();
    const cache = new ReadCache<number>(commitWatchOf(db), 2);
    let reads = 0;
    const read = (value: number) => () => (reads++, value);
    cache.get('a', read(1));
    cache.get('b', read(2));
    expect(cache.get('a', read(-1))).toBe(1);
    cache.get('c', read(3));
    expect(reads).toBe(3);
    expect(cache.get('a', read(-1))).toBe(1);
    expect(cache.get('c', read(-1))).toBe(3);
    expect(cache.get('b', read(20))).toBe(20);
    expect(reads).toBe(4);
  });

  it("keeps its entries across its own connection's writes made through ownCommit", () => {
    const [db] = twoConnections();
    const cache = new ReadCache<number>(commitWatchOf(db), 10);
    let reads = 0;
    cache.get('a', () => (reads++, 1));
    commitWatchOf(db).ownCommit(() => db.prepare("INSERT INTO quota_usage (subject, day, used) VALUES ('ip:1', '2026-12-02', 1)").run(), changed);
    expect(cache.get('a', () => (reads++, -1))).toBe(1);
    db.prepare("INSERT INTO quota_usage (subject, day, used) VALUES ('ip:2', '2026-12-02', 1)").run();
    expect(cache.get('a', () => (reads++, 2))).toBe(2);
    expect(reads).toBe(2);
  });

  it('never keeps a read that found nothing, so made-up keys cannot push out real ones', () => {
    const [db] = twoConnections();
    const cache = new ReadCache<number | undefined>(commitWatchOf(db), 2);
    expect(cache.get('real', () => 1)).toBe(1);
    for (const madeUp of ['x1', 'x2', 'x3']) expect(cache.get(madeUp, () => undefined)).toBeUndefined();
    expect(cache.get('real', () => -1)).toBe(1);
    expect(cache.get('x1', () => 7)).toBe(7);
  });
});

describe('cached reads against another process', () => {
  it('refuses a key revoked on another connection at the next lookup', async () => {
    const [server, cli] = twoConnections();
    const serving = new SqliteKeyStore(server);
    await new SqliteKeyStore(cli).insert(record('key_1', 'h1'));
    expect((await serving.findByHash('h1'))?.revokedAt).toBeNull();
    await new SqliteKeyStore(cli).revoke('key_1', '2026-12-02T10:00:00.000Z');
    expect((await serving.findByHash('h1'))?.revokedAt).toBe('2026-12-02T10:00:00.000Z');
  });

  it('refuses a key revoked elsewhere at the next lookup even when this connection wrote in between', async () => {
    const [server, cli] = twoConnections();
    const serving = new SqliteKeyStore(server);
    const quota = new SqliteQuotaStore(server);
    const ledger = new SqliteLedger(server);
    await new SqliteKeyStore(cli).insert(record('key_4', 'h4'));
    expect((await serving.findByHash('h4'))?.revokedAt).toBeNull();
    await quota.reserve('key:key_4', '2026-12-02', 1, 10);
    expect((await serving.findByHash('h4'))?.revokedAt).toBeNull();
    await new SqliteKeyStore(cli).revoke('key_4', '2026-12-02T12:00:00.000Z');
    await ledger.record({ id: 'img_1', subject: 'key:key_4', day: '2026-12-02', createdAt: '2026-12-02T12:00:01.000Z', operation: 'generate', model: 'flux-pro', provider: 'local' });
    await quota.release('key:key_4', '2026-12-02', 1);
    expect((await serving.findByHash('h4'))?.revokedAt).toBe('2026-12-02T12:00:00.000Z');
  });

  it('finds a key created elsewhere right after looking for it in vain', async () => {
    const [server, cli] = twoConnections();
    const serving = new SqliteKeyStore(server);
    expect(await serving.findByHash('h2')).toBeUndefined();
    await new SqliteKeyStore(cli).insert(record('key_2', 'h2'));
    expect((await serving.findByHash('h2'))?.id).toBe('key_2');
  });

  it('sees counts change elsewhere, both ways, before it refuses or admits', async () => {
    const [server, other] = twoConnections();
    const serving = new SqliteQuotaStore(server);
    const elsewhere = new SqliteQuotaStore(other);
    expect(await serving.usage('ip:1', '2026-12-02')).toBe(0);
    expect((await elsewhere.reserve('ip:1', '2026-12-02', 5, 5)).admitted).toBe(true);
    expect(await serving.reserve('ip:1', '2026-12-02', 1, 5)).toEqual({ admitted: false, used: 5 });
    expect(await elsewhere.release('ip:1', '2026-12-02', 2)).toBe(3);
    expect(await serving.reserve('ip:1', '2026-12-02', 1, 5)).toEqual({ admitted: true, used: 4 });
  });

  // A connection opened without openDatabase has no -shm file known to it: its caches learn
  // of its own writes only from the stores, so every store on it must share and update them.
  it('shares one cache among the stores of one connection, and each write updates it', async () => {
    const [, , dir] = twoConnections();
    const connection = new Database(path.join(dir, 'aiphoto.db')) as SqliteDatabase;
    opened.push(connection);
    const [first, second] = [new SqliteKeyStore(connection), new SqliteKeyStore(connection)];
    await first.insert(record('key_3', 'h3'));
    expect((await second.findByHash('h3'))?.revokedAt).toBeNull();
    await first.revoke('key_3', '2026-12-02T11:00:00.000Z');
    expect((await second.findByHash('h3'))?.revokedAt).toBe('2026-12-02T11:00:00.000Z');

    const [counting, reading] = [new SqliteQuotaStore(connection), new SqliteQuotaStore(connection)];
    expect(await reading.usage('ip:2', '2026-12-02')).toBe(0);
    await counting.reserve('ip:2', '2026-12-02', 3, 5);
    expect(await reading.usage('ip:2', '2026-12-02')).toBe(3);
    await counting.release('ip:2', '2026-12-02', 1);
    expect(await reading.usage('ip:2', '2026-12-02')).toBe(2);
    counting.prune('2026-12-03');
    expect(await reading.usage('ip:2', '2026-12-02')).toBe(0);
  });
});
