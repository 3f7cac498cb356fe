import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectRedis } from '../redis.ts';
import { TestRedisServer } from '../testing/redis-server.ts';
import { describeJobStore, jobRecord } from './job-store.contract.ts';
import { RedisJobStore } from './redis-job-store.ts';

let server: TestRedisServer;
let prefixCounter = 0;
beforeAll(async () => {
  server = await TestRedisServer.start();
});
afterAll(() => server.stop());

describeJobStore('redis', () => {
  const prefix = `jobs${prefixCounter++}`;
  let client: Redis | undefined;
  return {
    open: async () => {
      client = await connectRedis(server.url, { commandTimeoutMs: 1_500 });
      return new RedisJobStore(client, 60_000, prefix);
    },
    cleanup: () => client?.disconnect(),
  };
});

it('lets a finished job expire after the retention time, and lists without it', async () => {
  const client = await connectRedis(server.url, { commandTimeoutMs: 1_500 });
  try {
    const store = new RedisJobStore(client, 200, `expiry${prefixCounter++}`);
    const job = jobRecord({ subject: 'key:expiry' });
    await store.create(job);
    await store.update(job.id, { status: 'succeeded' });
    expect((await store.list('key:expiry', { limit: 5 })).map((listed) => listed.id)).toEqual([job.id]);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await store.get(job.id)).toBeUndefined();
    expect(await store.list('key:expiry', { limit: 5 })).toEqual([]);
  } finally {
    client.disconnect();
  }
});

it('keeps stores with different prefixes apart, and cleans the listing of expired jobs', async () => {
  const client = await connectRedis(server.url, { commandTimeoutMs: 1_500 });
  try {
    const first = `apart${prefixCounter++}`;
    const a = new RedisJobStore(client, 100, first);
    const b = new RedisJobStore(client, 100, `apart${prefixCounter++}`);
    const job = jobRecord({ subject: 'key:apart', leaseUntil: 1 });
    await a.create(job);
    expect((await a.abandoned(Date.now(), 10)).map((found) => found.id)).toEqual([job.id]);
    expect(await b.abandoned(Date.now(), 10)).toEqual([]);
    expect(await b.get(job.id)).toBeUndefined();
    // An id left in the active set by hand, for a job that ended, is not taken for abandoned.
    await a.update(job.id, { status: 'succeeded' });
    await client.zadd(`${first}:jobs:active`, 1, job.id);
    expect(await a.abandoned(Date.now(), 10)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await a.list('key:apart', { limit: 5 })).toEqual([]);
    expect(await client.zcard(`${first}:jobs:by-subject:key:apart`)).toBe(0);
  } finally {
    client.disconnect();
  }
});
