import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { connectRedis } from '../redis.ts';
import { TestRedisServer } from '../testing/redis-server.ts';
import { describeIdempotencyStore } from './idempotency-store.contract.ts';
import { RedisIdempotencyStore } from './redis-idempotency-store.ts';

let server: TestRedisServer;
let prefixCounter = 0;
beforeAll(async () => {
  server = await TestRedisServer.start();
});
afterAll(() => server.stop());

describeIdempotencyStore('redis', () => {
  const prefix = `idem${prefixCounter++}`;
  let client: Redis | undefined;
  return {
    open: async () => {
      client = await connectRedis(server.url, { commandTimeoutMs: 1_500 });
      return new RedisIdempotencyStore(client, prefix);
    },
    cleanup: () => client?.disconnect(),
  };
});
