import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ServiceUnavailableError } from '../errors.ts';
import { connectRedis } from '../redis.ts';
import { TestRedisServer } from '../testing/redis-server.ts';
import { describeQuotaStore } from './quota-store.contract.ts';
import { RedisQuotaStore } from './redis-quota-store.ts';

let server: TestRedisServer;
let prefixCounter = 0;
beforeAll(async () => {
  server = await TestRedisServer.start();
});
afterAll(() => server.stop());

describeQuotaStore('redis', { persistent: true }, () => {
  const prefix = `test${prefixCounter++}`;
  const clients: Redis[] = [];
  return {
    open: async () => {
      const client = await connectRedis(server.url, { commandTimeoutMs: 1_500 });
      clients.push(client);
      return new RedisQuotaStore(client, prefix);
    },
    cleanup: () => {
      for (const client of clients) client.disconnect();
    },
  };
});

it('expires a day’s count after that day and the two after it', async () => {
  const client = await connectRedis(server.url, { commandTimeoutMs: 1_500 });
  try {
    const store = new RedisQuotaStore(client, 'ttl');
    await store.reserve('ip:1', '2026-05-09', 1, 5);
    const ttl = await store.ttl('ip:1', '2026-05-09');
    expect(ttl).toBeGreaterThan(2 * 86_400);
    expect(ttl).toBeLessThanOrEqual(3 * 86_400);
  } finally {
    client.disconnect();
  }
});

it('answers 503 service_unavailable while Redis is down, and works again when it returns', async () => {
  const client = await connectRedis(server.url, { commandTimeoutMs: 1_500 });
  try {
    const store = new RedisQuotaStore(client, 'outage');
    await store.reserve('ip:1', '2026-05-09', 1, 5);
    await server.stop();
    await expect(store.reserve('ip:1', '2026-05-09', 1, 5)).rejects.toBeInstanceOf(ServiceUnavailableError);
    await expect(store.usage('ip:1', '2026-05-09')).rejects.toMatchObject({ retryAfterSeconds: 5 });
    await server.resume();
    await expect.poll(() => store.usage('ip:1', '2026-05-09').catch(() => -1), { timeout: 10_000 }).toBe(0);
    expect((await store.reserve('ip:1', '2026-05-09', 1, 5)).admitted).toBe(true);
  } finally {
    client.disconnect();
  }
});
