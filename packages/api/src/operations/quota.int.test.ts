import { describe, expect, it } from 'vitest';
import { makeDataDir, rateLimitOf, startTestServer } from '../testing/harness.ts';

const prompt = { prompt: 'a lighthouse at dusk' };

describe('daily quota', () => {
  it('admits 5 free generations, then rate_limited with Retry-After until midnight UTC', async () => {
    const now = new Date('2026-05-09T23:59:30.000Z');
    await using t = await startTestServer({ clock: () => now });
    for (let i = 1; i <= 5; i++) {
      const response = await t.generate(prompt);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ usage: i, remaining: 5 - i });
      expect(rateLimitOf(response)).toEqual({
        limit: 5,
        remaining: 5 - i,
        reset: Date.parse('2026-05-10T00:00:00Z') / 1000,
        policy: '"daily";q=5;w=86400',
        ratelimit: `"daily";r=${5 - i};t=30`,
      });
    }
    const refused = await t.generate(prompt);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(rateLimitOf(refused).remaining).toBe(0);
    const body = await refused.json();
    expect(body).toEqual({ success: false, error: 'rate_limited', message: expect.stringContaining('2026-05-10T00:00:00Z') });
    expect((await (await t.fetch('/api/status')).json()).usage_today).toBe(5);
  });

  it('starts a fresh count on the next UTC day', async () => {
    let now = new Date('2026-05-09T23:59:59Z');
    await using t = await startTestServer({ clock: () => now, env: { AIPHOTO_FREE_DAILY_LIMIT: '1' } });
    expect((await t.generate(prompt)).status).toBe(200);
    expect((await t.generate(prompt)).status).toBe(429);
    now = new Date('2026-05-10T00:00:01Z');
    expect((await t.generate(prompt)).status).toBe(200);
  });

  it('admits exactly 5 of 40 concurrent requests', async () => {
    // Only the quota may refuse here: with the default of 4 generations in flight per caller,
    // which of the 40 got through would depend on how fast the first ones finished.
    await using t = await startTestServer({ env: { AIPHOTO_MAX_GENERATES_IN_FLIGHT: '40' } });
    const responses = await Promise.all(Array.from({ length: 40 }, () => t.generate(prompt)));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(35);
    const usages = await Promise.all(responses.filter((r) => r.status === 200).map(async (r) => (await r.json()).usage));
    expect(usages.sort()).toEqual([1, 2, 3, 4, 5]);
    expect((await (await t.fetch('/api/status')).json()).usage_today).toBe(5);
  });

  it('gives a pro key its own count, its default limit and its per-key override', async () => {
    await using t = await startTestServer({ env: { AIPHOTO_FREE_DAILY_LIMIT: '1' } });
    expect((await t.generate(prompt)).status).toBe(200);
    expect((await t.generate(prompt)).status).toBe(429);

    const { stdout: key } = await t.cli('keys', 'create', '--name', 'pro');
    const auth = { authorization: `Bearer ${key.trim()}` };
    const response = await t.generate(prompt, auth);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ usage: 1, remaining: 999 });
    expect(rateLimitOf(response)).toMatchObject({ limit: 1000, remaining: 999 });
    expect(await (await t.fetch('/api/status', { headers: auth })).json()).toMatchObject({
      plan: 'pro',
      usage_today: 1,
      limit_today: 1000,
    });
    expect(await (await t.fetch('/api/status')).json()).toMatchObject({ plan: 'free', usage_today: 1, limit_today: 1 });

    const { stdout: small } = await t.cli('keys', 'create', '--name', 'small', '--daily-limit', '2');
    const smallAuth = { authorization: `Bearer ${small.trim()}` };
    expect((await t.generate(prompt, smallAuth)).status).toBe(200);
    expect((await t.generate(prompt, smallAuth)).status).toBe(200);
    const refused = await t.generate(prompt, smallAuth);
    expect(refused.status).toBe(429);
    expect(rateLimitOf(refused)).toMatchObject({ limit: 2, remaining: 0 });
  });

  it('keeps counts across a server restart on the same data directory', async () => {
    const dataDir = makeDataDir();
    {
      await using first = await startTestServer({ dataDir });
      expect((await first.generate(prompt)).status).toBe(200);
      expect((await first.generate(prompt)).status).toBe(200);
    }
    await using second = await startTestServer({ dataDir });
    expect(await (await second.fetch('/api/status')).json()).toMatchObject({ usage_today: 2, remaining: 3 });
    expect(await (await second.generate(prompt)).json()).toMatchObject({ usage: 3 });
  });

  it('makes /api/status agree with generate and the headers, at no cost', async () => {
    await using t = await startTestServer();
    const generated = await (await t.generate(prompt)).json();
    for (let i = 0; i < 8; i++) {
      const response = await t.fetch('/api/status');
      const status = await response.json();
      expect(status).toEqual({
        status: 'ok',
        version: '1.0',
        usage_today: generated.usage,
        limit_today: 5,
        remaining: generated.remaining,
        reset_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT00:00:00Z$/),
        plan: 'free',
      });
      expect(rateLimitOf(response)).toMatchObject({ limit: 5, remaining: generated.remaining });
      expect(rateLimitOf(response).reset).toBe(Date.parse(status.reset_at) / 1000);
    }
  });
});

describe('client identity', () => {
  it('ignores X-Forwarded-For unless AIPHOTO_TRUST_PROXY says so', async () => {
    await using t = await startTestServer({ env: { AIPHOTO_FREE_DAILY_LIMIT: '1' } });
    expect((await t.generate(prompt, { 'x-forwarded-for': '198.51.100.1' })).status).toBe(200);
    expect((await t.generate(prompt, { 'x-forwarded-for': '198.51.100.2' })).status).toBe(429);
  });

  // Each case: the proxies in front append the address they saw; an attacker varies only the
  // leftmost entry it sends itself. The free tier (limit 1) must not grow with that entry.
  it.each([
    ['off', (spoof: string) => `${spoof}, 203.0.113.7`],
    ['on', (spoof: string) => `${spoof}, 203.0.113.7`],
    ['1', (spoof: string) => `${spoof}, 203.0.113.7`],
    ['2', (spoof: string) => `${spoof}, 203.0.113.7, 10.0.0.5`],
    ['127.0.0.1/8, 10.0.0.0/8', (spoof: string) => `${spoof}, 203.0.113.7, 10.0.0.5`],
  ])('AIPHOTO_TRUST_PROXY=%s never lets a spoofed leftmost X-Forwarded-For entry multiply the free tier', async (trust, chain) => {
    await using t = await startTestServer({ env: { AIPHOTO_FREE_DAILY_LIMIT: '1', AIPHOTO_TRUST_PROXY: trust } });
    expect((await t.generate(prompt, { 'x-forwarded-for': chain('198.51.100.1') })).status).toBe(200);
    for (const spoof of ['198.51.100.2', '198.51.100.3', '2001:db8::1']) {
      const refused = await t.generate(prompt, { 'x-forwarded-for': chain(spoof) });
      expect(refused.status).toBe(429);
      expect(rateLimitOf(refused).remaining).toBe(0);
    }
  });

  it('takes the client N hops back from the socket with a hop count', async () => {
    await using t = await startTestServer({ env: { AIPHOTO_FREE_DAILY_LIMIT: '1', AIPHOTO_TRUST_PROXY: '2' } });
    // Two proxies: the far one appended the client, the near one (the socket) appended the far one.
    expect((await t.generate(prompt, { 'x-forwarded-for': '203.0.113.7, 10.0.0.5' })).status).toBe(200);
    expect((await t.generate(prompt, { 'x-forwarded-for': '203.0.113.8, 10.0.0.5' })).status).toBe(200);
    expect((await t.generate(prompt, { 'x-forwarded-for': '203.0.113.8, 10.0.0.6' })).status).toBe(429);
  });

  it('counts each forwarded client separately behind a trusted proxy, grouping IPv6 by /64', async () => {
    await using t = await startTestServer({ env: { AIPHOTO_FREE_DAILY_LIMIT: '1', AIPHOTO_TRUST_PROXY: 'on' } });
    expect((await t.generate(prompt, { 'x-forwarded-for': '198.51.100.1' })).status).toBe(200);
    expect((await t.generate(prompt, { 'x-forwarded-for': '198.51.100.2' })).status).toBe(200);
    expect((await t.generate(prompt, { 'x-forwarded-for': '198.51.100.1' })).status).toBe(429);
    expect((await t.generate(prompt, { 'x-forwarded-for': '2001:db8:1:2::a' })).status).toBe(200);
    expect((await t.generate(prompt, { 'x-forwarded-for': '2001:db8:1:2:ffff::b' })).status).toBe(429);
    expect((await t.generate(prompt, { 'x-forwarded-for': '2001:db8:1:3::a' })).status).toBe(200);
  });
});
