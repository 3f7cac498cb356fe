import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis } from '../redis.ts';
import { TestRedisServer } from '../testing/redis-server.ts';
import { describeLedger } from './ledger.contract.ts';
import { RedisLedger } from './redis-ledger.ts';

let server: TestRedisServer;
let prefixCounter = 0;
beforeAll(async () => {
  server = await TestRedisServer.start();
});
afterAll(() => server.stop());

describeLedger('redis', () => {
  const prefix = `ledger${prefixCounter++}`;
  let client: Redis | undefined;
  return {
    open: async () => {
      client = await connectRedis(server.url, { commandTimeoutMs: 1_500 });
      return new RedisLedger(client, prefix);
    },
    cleanup: () => client?.disconnect(),
  };
});

describe('redis ledger keys', () => {
  it('keep a subject\'s last use under a key of its own that expires with its entries, so no key grows with the number of callers', async () => {
    const client = await connectRedis(server.url, { commandTimeoutMs: 1_500 });
    try {
      const ledger = new RedisLedger(client, 'ledger-ttl');
      for (const subject of ['ip:192.0.2.0/24', 'ip:198.51.100.0/24']) {
        await ledger.record({ id: `img-${subject}`, subject, day: '2026-11-25', createdAt: '2026-11-25T08:30:00.000Z', operation: 'generate', model: 'flux-pro', provider: 'local' });
        const ttl = await client.ttl(`ledger-ttl:last-used:${subject}`);
        expect(ttl).toBeGreaterThan(399 * 86_400);
        expect(ttl).toBeLessThanOrEqual(400 * 86_400);
      }
      expect(await client.exists('ledger-ttl:last-used')).toBe(0);
    } finally {
      client.disconnect();
    }
  });
});
