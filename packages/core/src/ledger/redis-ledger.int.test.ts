import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
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
