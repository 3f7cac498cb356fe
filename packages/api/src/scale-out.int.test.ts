import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestRedisServer, TestS3Server } from '@aiphoto/core/testing';
import { rateLimitOf, startTestServer, type TestServer } from './testing/harness.ts';

/** Two instances behind one (imaginary) load balancer, sharing one Redis and one S3 bucket. */
describe('several instances sharing Redis and S3', () => {
  let redis: TestRedisServer;
  let s3: TestS3Server;
  let a: TestServer;
  let b: TestServer;
  const env = () => ({ REDIS_URL: redis.url, ...s3.environment, AIPHOTO_FREE_DAILY_LIMIT: '10' });

  beforeAll(async () => {
    redis = await TestRedisServer.start();
    s3 = await TestS3Server.start();
  });
  afterAll(async () => {
    await s3?.close();
    await redis?.stop();
  });
  // Fresh instances and an empty Redis for every test, so each one stands alone.
  beforeEach(async () => {
    const client = new Redis(redis.url);
    await client.flushall();
    client.disconnect();
    a = await startTestServer({ env: env() });
    b = await startTestServer({ env: env() });
  });
  afterEach(async () => {
    await a?.close();
    await b?.close();
  });

  it('admits exactly 10 of 100 concurrent requests spread over both instances', async () => {
    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? a : b).generate({ prompt: `request ${i}` })),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(90);
    const usages = await Promise.all(responses.filter((r) => r.status === 200).map(async (r) => (await r.json()).usage));
    expect(usages.sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect((await (await b.fetch('/api/status')).json()).usage_today).toBe(10);
  });

  it('agrees on an Idempotency-Key across instances: one charge for duplicates sent to both', async () => {
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).generate({ prompt: 'one lighthouse' }, { 'idempotency-key': 'shared-1' })),
    );
    const ids = await Promise.all(responses.filter((r) => r.status === 200).map(async (r) => (await r.json()).id));
    expect(new Set(ids).size).toBe(1);
    expect(responses.every((r) => r.status === 200 || r.status === 409)).toBe(true);
    const replay = await b.generate({ prompt: 'one lighthouse' }, { 'idempotency-key': 'shared-1' });
    expect((await replay.json()).id).toBe(ids[0]);
    expect((await (await a.fetch('/api/status')).json()).usage_today).toBe(1);
  });

  it('serves an image generated on A from B, with ETag and byte ranges', async () => {
    const body = await (await a.generate({ prompt: 'a lighthouse' })).json();
    const original = Buffer.from(await (await fetch(body.url)).arrayBuffer());
    const fromB = await b.fetch(`/images/${body.id}.png`);
    expect(fromB.status).toBe(200);
    expect(fromB.headers.get('content-type')).toBe('image/png');
    expect(fromB.headers.get('etag')).toBe(`"${body.id}"`);
    expect(Buffer.from(await fromB.arrayBuffer()).equals(original)).toBe(true);
    const partial = await b.fetch(`/images/${body.id}.png`, { headers: { range: 'bytes=0-99' } });
    expect(partial.status).toBe(206);
    expect(partial.headers.get('content-range')).toBe(`bytes 0-99/${original.length}`);
    expect(Buffer.from(await partial.arrayBuffer()).equals(original.subarray(0, 100))).toBe(true);
    expect((await b.fetch(`/images/${body.id}.png`, { headers: { range: `bytes=${original.length}-` } })).status).toBe(416);
    expect((await b.fetch(`/images/${body.id}.png`, { headers: { 'if-none-match': `"${body.id}"` } })).status).toBe(304);
  });

  it('accepts a key created with the CLI on A at B, and stops at once when it is revoked', async () => {
    const created = await a.cli('keys', 'create', '--name', 'shared', '--daily-limit', '3');
    const authorization = `Bearer ${created.stdout.trim()}`;
    const onB = await b.generate({ prompt: 'a fox' }, { authorization });
    expect(onB.status).toBe(200);
    expect(rateLimitOf(onB)).toMatchObject({ limit: 3, remaining: 2 });
    const [id] = created.stderr.match(/key_[A-Za-z0-9_-]+/)!;
    expect((await b.cli('keys', 'revoke', id)).code).toBe(0);
    expect((await b.generate({ prompt: 'a fox' }, { authorization })).status).toBe(401);
    expect((await a.fetch('/api/status', { headers: { authorization } })).status).toBe(401);
  });

  it('redirects to a presigned URL when AIPHOTO_S3_PUBLIC_MODE=presign', async () => {
    await using presign = await startTestServer({ env: { ...env(), AIPHOTO_S3_PUBLIC_MODE: 'presign' } });
    const body = await (await a.generate({ prompt: 'a heron' })).json();
    const redirect = await presign.fetch(`/images/${body.id}.png`, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    const location = redirect.headers.get('location')!;
    expect(location.startsWith(s3.endpoint)).toBe(true);
    expect(location).toContain('X-Amz-Signature=');
    const image = await fetch(location);
    expect(Buffer.from(await image.arrayBuffer()).equals(Buffer.from(await (await fetch(body.url)).arrayBuffer()))).toBe(true);
  });

  it('fails closed while Redis is down (503 with Retry-After, /healthz up, /readyz down) and recovers by itself', async () => {
    expect((await a.fetch('/readyz')).status).toBe(200);
    await redis.stop();
    try {
      for (let i = 0; i < 3; i++) {
        const response = await a.generate({ prompt: 'during the outage' });
        expect(response.status).toBe(503);
        expect(await response.json()).toMatchObject({ success: false, error: 'service_unavailable' });
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      expect((await a.fetch('/healthz')).status).toBe(200);
      const readyz = await a.fetch('/readyz');
      expect(readyz.status).toBe(503);
      expect(await readyz.json()).toMatchObject({ store: false, storage: true });
      expect((await a.fetch('/api/docs')).status).toBe(200);
      await expect.poll(() => a.logs().split('redis unreachable').length - 1).toBe(1);
      await a.generate({ prompt: 'still down' });
      expect(a.logs().split('redis unreachable').length - 1).toBe(1);
    } finally {
      await redis.resume();
    }
    await expect.poll(async () => (await a.fetch('/readyz')).status, { timeout: 15_000 }).toBe(200);
    expect((await a.generate({ prompt: 'after the outage' })).status).toBe(200);
    expect(a.logs()).toContain('redis reachable again');
  });
});

describe('a Redis that stops answering', () => {
  it('answers 503 with Retry-After within the command timeout, /readyz says not ready, and recovers', async () => {
    const redis = await TestRedisServer.start();
    try {
      await using t = await startTestServer({ env: { REDIS_URL: redis.url, AIPHOTO_REDIS_TIMEOUT_MS: '400' } });
      expect((await t.generate({ prompt: 'before' })).status).toBe(200);
      redis.freeze();
      try {
        const started = Date.now();
        const refused = await t.generate({ prompt: 'while frozen' });
        expect(refused.status).toBe(503);
        expect(await refused.json()).toMatchObject({ success: false, error: 'service_unavailable' });
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
        const readyz = await t.fetch('/readyz');
        expect(readyz.status).toBe(503);
        expect(await readyz.json()).toMatchObject({ status: 'unavailable', store: false });
        // Without a command timeout each of these waited ~15 s for a frozen Redis.
        expect(Date.now() - started).toBeLessThan(5_000);
      } finally {
        redis.thaw();
      }
      await expect.poll(async () => (await t.fetch('/readyz')).status, { timeout: 10_000 }).toBe(200);
      expect((await t.generate({ prompt: 'after' })).status).toBe(200);
    } finally {
      await redis.stop();
    }
  });
});
