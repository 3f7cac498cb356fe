import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE_NAME, openDatabase, type SqliteDatabase } from '../database.ts';
import { KeyService, hashKey } from './key-service.ts';
import { SqliteKeyStore } from './sqlite-key-store.ts';

describe('KeyService on SQLite', () => {
  let dir: string;
  let db: SqliteDatabase;
  let keys: KeyService;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-keys-'));
    db = openDatabase(dir);
    keys = new KeyService(new SqliteKeyStore(db));
  });
  afterEach(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates aip_ keys with 32 random bytes that verify', async () => {
    const { key, record } = await keys.create({ name: 'ci' });
    expect(key).toMatch(/^aip_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(key.slice(4), 'base64url')).toHaveLength(32);
    expect(record.prefix).toBe(key.slice(0, 12));
    expect(await keys.verify(key)).toMatchObject({ status: 'valid', key: { id: record.id, name: 'ci' } });
    const second = await keys.create({ name: 'ci' });
    expect(second.key).not.toBe(key);
  });

  it('stores only the SHA-256 hash: the key is nowhere in the database file', async () => {
    const { key } = await keys.create({ name: 'secret-holder', dailyLimit: 50 });
    db.pragma('wal_checkpoint(TRUNCATE)');
    const bytes = fs.readFileSync(path.join(dir, DATABASE_FILE_NAME));
    expect(bytes.includes(Buffer.from(key))).toBe(false);
    expect(bytes.includes(Buffer.from(key.slice(12)))).toBe(false);
    expect(bytes.includes(Buffer.from(hashKey(key)))).toBe(true);
    const [listed] = await keys.list();
    expect(listed).toMatchObject({ name: 'secret-holder', dailyLimit: 50, hash: hashKey(key) });
  });

  it('tells malformed, unknown and revoked keys apart', async () => {
    const { key, record } = await keys.create({ name: 'x' });
    expect(await keys.verify('not-a-key')).toEqual({ status: 'malformed' });
    expect(await keys.verify(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`)).toEqual({ status: 'not_found' });
    expect(await keys.revoke(record.id)).toBe(true);
    expect((await keys.verify(key)).status).toBe('revoked');
    expect(await keys.revoke('key_doesnotexist')).toBe(false);
  });

  it('hashes keys with SHA-256, hex-encoded (a known vector)', () => {
    // echo -n 'aip_DVsCPlqgKs3I4NV6M5U44uVXQdaqkk-snXwrqcFmyjE' | sha256sum
    expect(hashKey('aip_DVsCPlqgKs3I4NV6M5U44uVXQdaqkk-snXwrqcFmyjE')).toBe('9a052fbc3d3544e2c60c90389f0fdec88ea80cd202bcabe5455595c32b5886ab');
    // The empty string's SHA-256, to pin the algorithm independently of the key format.
    expect(hashKey('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
