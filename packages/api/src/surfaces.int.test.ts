import { describe, expect, it } from 'vitest';
import { FakeProviderServer } from '@aiphoto/core/testing';
import { rateLimitOf, requiredHeader, startTestServer, type TestServer } from './testing/harness.ts';

/** One generate request on each surface, answered in each surface's own body shape. */
const surfaces = {
  rest: (t: TestServer, body: object, headers: Record<string, string> = {}) =>
    t.fetch('/api/generate', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }),
  trpc: (t: TestServer, body: object, headers: Record<string, string> = {}) =>
    t.fetch('/trpc/generate', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }),
  v1: (t: TestServer, body: object, headers: Record<string, string> = {}) =>
    t.fetch('/v1/images/generations', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }),
};
type Surface = keyof typeof surfaces;

/** The contract's error code, whichever body shape carries it. */
async function codeOf(response: Response): Promise<string> {
  const body = await response.json();
  if (typeof body.error === 'string') return body.error;
  return body.error?.data?.error ?? body.error?.code;
}

const secondsToMidnight = (now = new Date()) => Math.ceil((Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1) - now.getTime()) / 1000);

/** What a caller sees of an answer, whichever surface gave it. */
async function outcomeOf(response: Response) {
  const rateLimit = rateLimitOf(response);
  return {
    status: response.status,
    code: await codeOf(response),
    retryAfter: response.headers.get('retry-after'),
    limit: rateLimit.limit,
    remaining: rateLimit.remaining,
    reset: rateLimit.reset,
  };
}

/** One counter's value in the Prometheus text, 0 when the series does not exist. */
const counter = (metrics: string, series: string) => Number(new RegExp(`^${series.replace(/[{}"\/.:]/g, '\\$&')} (\\d+)$`, 'm').exec(metrics)?.[1] ?? 0);

const ROUTE_OF: Record<Surface, string> = { rest: '/api/generate', trpc: '/trpc/:path', v1: '/v1/images/generations' };

/** 23:00 UTC: Retry-After to midnight is exactly 3600 on every surface. */
const elevenPm = () => new Date('2026-11-25T23:00:00Z');

describe('the same refusal on REST, tRPC and /v1', () => {
  it('a used-up quota: the same 429, Retry-After to midnight, rate-limit headers, and one count each', async () => {
    await using t = await startTestServer({ env: { AIPHOTO_FREE_DAILY_LIMIT: '1' }, clock: elevenPm });
    expect((await surfaces.rest(t, { prompt: 'first' })).status).toBe(200);
    const outcomes = [];
    for (const surface of Object.keys(surfaces) as Surface[]) outcomes.push(await outcomeOf(await surfaces[surface](t, { prompt: 'second' })));
    expect(outcomes[0]).toEqual({ status: 429, code: 'rate_limited', retryAfter: '3600', limit: 1, remaining: 0, reset: Date.parse('2026-11-26T00:00:00Z') / 1000 });
    expect(outcomes[1]).toEqual(outcomes[0]);
    expect(outcomes[2]).toEqual(outcomes[0]);
    const metrics = await (await t.fetch('/metrics')).text();
    expect(counter(metrics, 'aiphoto_quota_rejections_total{plan="free"}')).toBe(3);
    for (const surface of Object.keys(surfaces) as Surface[]) {
      expect(counter(metrics, `aiphoto_http_requests_total{route="${ROUTE_OF[surface]}",method="POST",status="429"}`), surface).toBe(1);
    }
  });

  it('a refused key: the same 401 with the anonymous rate-limit headers, and no Retry-After', async () => {
    await using t = await startTestServer({ clock: elevenPm });
    const outcomes = [];
    for (const surface of Object.keys(surfaces) as Surface[]) {
      outcomes.push(await outcomeOf(await surfaces[surface](t, { prompt: 'x' }, { authorization: 'Bearer aip_unknown-key-000000000000' })));
    }
    expect(outcomes[0]).toEqual({ status: 401, code: 'unauthorized', retryAfter: null, limit: 5, remaining: 5, reset: Date.parse('2026-11-26T00:00:00Z') / 1000 });
    expect(outcomes[1]).toEqual(outcomes[0]);
    expect(outcomes[2]).toEqual(outcomes[0]);
    const metrics = await (await t.fetch('/metrics')).text();
    for (const surface of Object.keys(surfaces) as Surface[]) {
      expect(counter(metrics, `aiphoto_http_requests_total{route="${ROUTE_OF[surface]}",method="POST",status="401"}`), surface).toBe(1);
    }
  });

  it('moderation that cannot be reached: the same 503 with its Retry-After, at no cost', async () => {
    const fake = await FakeProviderServer.start();
    try {
      fake.route('POST /openai/moderations', { status: 500, json: { error: { message: 'down' } } });
      await using t = await startTestServer({
        env: { OPENAI_API_KEY: 'openai-test-key', OPENAI_BASE_URL: `${fake.url}/openai`, AIPHOTO_MODERATION: 'openai' },
        clock: elevenPm,
      });
      const outcomes = [];
      for (const surface of Object.keys(surfaces) as Surface[]) outcomes.push(await outcomeOf(await surfaces[surface](t, { prompt: 'a lighthouse' })));
      expect(outcomes[0]).toMatchObject({ status: 503, code: 'service_unavailable', retryAfter: '10', limit: 5, remaining: 5 });
      expect(outcomes[1]).toEqual(outcomes[0]);
      expect(outcomes[2]).toEqual(outcomes[0]);
      const metrics = await (await t.fetch('/metrics')).text();
      for (const surface of Object.keys(surfaces) as Surface[]) {
        expect(counter(metrics, `aiphoto_http_requests_total{route="${ROUTE_OF[surface]}",method="POST",status="503"}`), surface).toBe(1);
      }
    } finally {
      await fake.close();
    }
  });

  // /v1 speaks OpenAI's dialect: its SDKs expect a moderation refusal as 400 content_policy_violation.
  it.each([
    ['rest', 422, 'content_filtered'],
    ['trpc', 422, 'content_filtered'],
    ['v1', 400, 'content_policy_violation'],
  ] as const)('%s: a filtered prompt is refused (%i %s) and costs nothing', async (surface, status, code) => {
    await using t = await startTestServer();
    const refused = await surfaces[surface](t, { prompt: 'n.u.d.e portrait' });
    expect(refused.status).toBe(status);
    expect(await codeOf(refused)).toBe(code);
    expect(rateLimitOf(refused)).toMatchObject({ limit: 5, remaining: 5 });
  });

  it('counts an in-flight refusal as 429 but not as a quota rejection', async () => {
    await using t = await startTestServer({ env: { AIPHOTO_MAX_GENERATES_IN_FLIGHT: '1', AIPHOTO_FREE_DAILY_LIMIT: '50' } });
    const many = await Promise.all(Array.from({ length: 6 }, (_, i) => surfaces.trpc(t, { prompt: `burst ${i}`, ratio: '16:9' })));
    const statuses = many.map((response) => response.status);
    expect(statuses).toContain(200);
    const refusedCount = statuses.filter((status) => status === 429).length;
    expect(refusedCount).toBeGreaterThan(0);
    for (const response of many.filter((r) => r.status === 429)) expect(requiredHeader(response, 'retry-after')).toBe('5');
    expect(await (await t.fetch('/metrics')).text()).not.toContain('aiphoto_quota_rejections_total{plan="free"}');
  });
});

describe('URLs on the address the caller used', () => {
  it('builds image URLs and the OpenAPI servers from the request when AIPHOTO_PUBLIC_URL is unset', async () => {
    await using t = await startTestServer();
    const ipBase = t.baseUrl.replace('localhost', '127.0.0.1');
    const byIp = await (await fetch(`${ipBase}/api/generate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"prompt":"a"}' })).json();
    expect(byIp.url.startsWith(`${ipBase}/images/`)).toBe(true);
    expect((await fetch(byIp.url)).status).toBe(200);
    const byName = await (await t.generate({ prompt: 'b' })).json();
    expect(byName.url.startsWith(`${t.baseUrl}/images/`)).toBe(true);
    expect((await (await fetch(`${ipBase}/api/openapi.json`)).json()).servers).toEqual([{ url: `${ipBase}/api` }]);
    expect((await (await t.fetch('/api/openapi.json')).json()).servers).toEqual([{ url: `${t.baseUrl}/api` }]);
  });

  it('believes X-Forwarded-Host and -Proto only from a trusted proxy', async () => {
    const forwarded = { 'x-forwarded-host': 'photos.example.com', 'x-forwarded-proto': 'https' };
    await using direct = await startTestServer();
    const ignored = await (await direct.generate({ prompt: 'a' }, forwarded)).json();
    expect(ignored.url.startsWith(`${direct.baseUrl}/images/`)).toBe(true);
    await using proxied = await startTestServer({ env: { AIPHOTO_TRUST_PROXY: '1' } });
    const believed = await (await proxied.generate({ prompt: 'a' }, forwarded)).json();
    expect(believed.url.startsWith('https://photos.example.com/images/')).toBe(true);
  });

  it('uses AIPHOTO_PUBLIC_URL whenever it is set', async () => {
    await using t = await startTestServer({ env: { AIPHOTO_PUBLIC_URL: 'https://img.example.com' } });
    const body = await (await t.generate({ prompt: 'a' })).json();
    expect(body.url.startsWith('https://img.example.com/images/')).toBe(true);
  });
});
