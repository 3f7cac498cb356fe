import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDataDir, rateLimitOf, startTestServer } from './testing/harness.ts';

/*
 * A data directory written by AIPhoto 1.0 on better-sqlite3 12.6.2 (the build before the
 * switch to libsql): key "legacy" (daily limit 7) used twice on 2026-11-25, key "revoked"
 * revoked, and one anonymous generate from 127.0.0.1. The key below is that fixture's only.
 */
const FIXTURE = path.join(import.meta.dirname, '__fixtures__', 'aiphoto-v1-better-sqlite3.sqlite3');
const LEGACY_KEY = 'aip_DVsCPlqgKs3I4NV6M5U44uVXQdaqkk-snXwrqcFmyjE';
const FIXTURE_DAY = () => new Date('2026-11-25T18:00:00Z');

function legacyDataDir(): string {
  const dir = makeDataDir();
  fs.copyFileSync(FIXTURE, path.join(dir, 'aiphoto.db'));
  return dir;
}

describe('a data directory from the better-sqlite3 build', () => {
  it('keeps its keys, their limits and today\'s counts', async () => {
    await using t = await startTestServer({ dataDir: legacyDataDir(), clock: FIXTURE_DAY });
    const status = await t.fetch('/api/status', { headers: { authorization: `Bearer ${LEGACY_KEY}` } });
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({ usage_today: 2, limit_today: 7, remaining: 5, plan: 'pro' });
    const anonymous = await t.fetch('/api/status');
    expect(await anonymous.json()).toMatchObject({ usage_today: 1, limit_today: 5, plan: 'free' });
    const generated = await t.generate({ prompt: 'a lake' }, { authorization: `Bearer ${LEGACY_KEY}` });
    expect(generated.status).toBe(200);
    expect(rateLimitOf(generated)).toMatchObject({ limit: 7, remaining: 4 });
  });

  it('lists, honours and revokes its keys from the CLI', async () => {
    await using t = await startTestServer({ dataDir: legacyDataDir(), clock: FIXTURE_DAY });
    const listed = await t.cli('keys', 'list');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/key_Drzscay1ulCt\s+legacy\s+aip_DVsCPlqg…\s+7\s.*\sactive\n/);
    expect(listed.stdout).toMatch(/key_vGhGGsSWmzz_\s+revoked\s.*\srevoked \d{4}/);
    expect((await t.cli('keys', 'revoke', 'key_Drzscay1ulCt')).code).toBe(0);
    const refused = await t.fetch('/api/status', { headers: { authorization: `Bearer ${LEGACY_KEY}` } });
    expect(refused.status).toBe(401);
    const created = await t.cli('keys', 'create', '--name', 'after-upgrade');
    const fresh = created.stdout.trim();
    expect((await t.fetch('/api/status', { headers: { authorization: `Bearer ${fresh}` } })).status).toBe(200);
  });
});
