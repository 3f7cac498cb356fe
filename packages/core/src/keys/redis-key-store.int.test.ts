import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis } from '../redis.ts';
import { TestRedisServer } from '../testing/redis-server.ts';
import { KeyService, hashKey } from './key-service.ts';
import { describeKeyStore } from './key-store.contract.ts';
import { RedisKeyStore } from './redis-key-store.ts';

describe('KeyService on Redis', () => {
  let server: TestRedisServer;
  let redis: Redis;
  beforeAll(async () => {
    server = await TestRedisServer.start();
    redis = await connectRedis(server.url, { commandTimeoutMs: 1_500 });
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  it('creates, verifies, lists and revokes keys that every client of the same Redis sees', async () => {
    const keys = new KeyService(new RedisKeyStore(redis, 'k1'));
    const other = await connectRedis(server.url, { commandTimeoutMs: 1_500 });
    try {
      const elsewhere = new KeyService(new RedisKeyStore(other, 'k1'));
      const { key, record } = await keys.create({ name: 'shared', dailyLimit: 7 });
      expect(await elsewhere.verify(key)).toMatchObject({ status: 'valid', key: { id: record.id, dailyLimit: 7 } });
      expect((await elsewhere.list()).map((listed) => listed.name)).toEqual(['shared']);
      expect(await keys.revoke(record.id)).toBe(true);
      expect((await elsewhere.verify(key)).status).toBe('revoked');
      expect(await keys.revoke('key_nope')).toBe(false);
      expect(await elsewhere.verify(`aip_${'B'.repeat(43)}`)).toEqual({ status: 'not_found' });
    } finally {
      other.disconnect();
    }
  });

  it('stores only the hash: the key is in no Redis value', async () => {
    const keys = new KeyService(new RedisKeyStore(redis, 'k2'));
    const { key } = await keys.create({ name: 'secret' });
    const dump = JSON.stringify([await redis.hgetall('k2:keys'), await redis.hgetall('k2:keys:by-hash')]);
    expect(dump).not.toContain(key.slice(4));
    expect(dump).toContain(hashKey(key));
  });
});

describeKeyStore('redis', () => {
  let server: TestRedisServer | undefined;
  let redis: Redis | undefined;
  return {
    open: async () => {
      server ??= await TestRedisServer.start();
      redis ??= await connectRedis(server.url, { commandTimeoutMs: 1_500 });
      return new RedisKeyStore(redis);
    },
    cleanup: async () => {
      redis?.disconnect();
      await server?.stop();
    },
  };
});

describe('RedisKeyStore layout', () => {
  it('keeps records under aiphoto:keys and the hash index under aiphoto:keys:by-hash by default', async () => {
    const server = await TestRedisServer.start();
    const redis = await connectRedis(server.url, { commandTimeoutMs: 1_500 });
    try {
      const { key, record } = await new KeyService(new RedisKeyStore(redis)).create({ name: 'layout' });
      expect(await redis.hget('aiphoto:keys:by-hash', hashKey(key))).toBe(record.id);
      expect(JSON.parse((await redis.hget('aiphoto:keys', record.id))!)).toMatchObject({ name: 'layout' });
    } finally {
      redis.disconnect();
      await server.stop();
    }
  });
});
