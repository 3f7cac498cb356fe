import { describe, expect, it } from 'vitest';
import { AccessService, networkSubject } from './access.ts';
import { UnauthorizedError } from './errors.ts';
import { KeyService } from './keys/key-service.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from './database.ts';
import { SqliteKeyStore } from './keys/sqlite-key-store.ts';

describe('networkSubject', () => {
  it('keeps IPv4 addresses whole and unwraps IPv4-mapped IPv6', () => {
    expect(networkSubject('203.0.113.7')).toBe('ip:203.0.113.7');
    expect(networkSubject('::ffff:203.0.113.7')).toBe('ip:203.0.113.7');
  });

  it('groups IPv6 addresses by their /64, however they are written', () => {
    const a = networkSubject('2001:db8:abcd:12::1');
    expect(a).toBe('ip6:2001:0db8:abcd:0012::/64');
    expect(networkSubject('2001:0db8:abcd:0012:ffff:ffff:ffff:ffff')).toBe(a);
    expect(networkSubject('2001:db8:abcd:13::1')).not.toBe(a);
    expect(networkSubject('::1')).toBe('ip6:0000:0000:0000:0000::/64');
  });
});

describe('AccessService', () => {
  const keys = new KeyService(new SqliteKeyStore(openDatabase(fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-access-')))));
  const access = new AccessService(keys, { free: 5, pro: 1000 });

  it('treats a missing Authorization header as the anonymous free plan of the caller\'s network', async () => {
    expect(await access.identify(undefined, '203.0.113.7')).toEqual({ plan: 'free', account: { subject: 'ip:203.0.113.7', limit: 5 } });
    expect(access.anonymous('2001:db8::1')).toEqual({ plan: 'free', account: { subject: 'ip6:2001:0db8:0000:0000::/64', limit: 5 } });
    expect(networkSubject('not-an-ip')).toBe('ip:not-an-ip');
  });

  it('gives a valid key the pro plan with its own limit, or the pro default', async () => {
    const limited = await keys.create({ name: 'limited', dailyLimit: 7 });
    const plain = await keys.create({ name: 'plain' });
    expect(await access.identify(`Bearer ${limited.key}`, '203.0.113.7')).toEqual({
      plan: 'pro',
      keyId: limited.record.id,
      account: { subject: `key:${limited.record.id}`, limit: 7 },
    });
    expect(await access.identify(`bearer\t${plain.key} `, '203.0.113.7')).toMatchObject({ plan: 'pro', account: { limit: 1000 } });
  });

  it('refuses a malformed header, an unknown key and a revoked key, each with its own message', async () => {
    const refusal = (header: string) =>
      access.identify(header, '203.0.113.7').then(() => undefined, (error: unknown) => error as UnauthorizedError) as Promise<UnauthorizedError>;
    const malformed = await refusal('Token abc');
    expect(malformed).toBeInstanceOf(UnauthorizedError);
    expect(malformed.message).toContain('must be "Bearer <your API key>"');
    const unknown = await refusal(`Bearer aip_${'A'.repeat(43)}`);
    expect(unknown).toBeInstanceOf(UnauthorizedError);
    expect(unknown.message).toContain('not valid');
    const notAKey = await refusal('Bearer hello');
    expect(notAKey.message).toContain('not valid');
    const { key, record } = await keys.create({ name: 'gone' });
    await keys.revoke(record.id);
    const revoked = await refusal(`Bearer ${key}`);
    expect(revoked).toBeInstanceOf(UnauthorizedError);
    expect(revoked.message).toContain('revoked');
  });
});
