import { describe, expect, it } from 'vitest';
import { FakeProviderServer } from '../../core/src/testing/fake-provider-server.ts';
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

describe('the same refusal on REST, tRPC and /v1', () => {
  it.each(Object.keys(surfaces) as Surface[])('%s: a used-up quota is 429 rate_limited with Retry-After to midnight, headers and the metric', async (surface) => {
    await using t = await startTestServer({ env: { AIPHOTO_FREE_DAILY_LIMIT: '1' } });
    expect((await surfaces[surface](t, { prompt: 'first' })).status).toBe(200);
    const refused = await surfaces[surface](t, { prompt: 'second' });
    expect(refused.status).toBe(429);
    expect(await codeOf(refused)).toBe('rate_limited');
    const retryAfter = Number(requiredHeader(refused, 'retry-after'));
    expect(Math.abs(retryAfter - secondsToMidnight())).toBeLessThanOrEqual(2);
    expect(rateLimitOf(refused)).toMatchObject({ limit: 1, remaining: 0 });
    const metrics = await (await t.fetch('/metrics')).text();
    expect(metrics).toContain('aiphoto_quota_rejections_total{plan="free"} 1');
  });

  it.each(Object.keys(surfaces) as Surface[])('%s: a refused key is 401 unauthorized with the rate-limit headers', async (surface) => {
    await using t = await startTestServer();
    const refused = await surfaces[surface](t, { prompt: 'x' }, { authorization: 'Bearer aip_unknown-key-000000000000' });
    expect(refused.status).toBe(401);
    expect(await codeOf(refused)).toBe('unauthorized');
    expect(rateLimitOf(refused).limit).toBe(5);
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

  it.each(Object.keys(surfaces) as Surface[])('%s: moderation that cannot be reached is 503 service_unavailable with Retry-After', async (surface) => {
    const fake = await FakeProviderServer.start();
    try {
      fake.route('POST /openai/moderations', { status: 500, json: { error: { message: 'down' } } });
      await using t = await startTestServer({
        env: { OPENAI_API_KEY: 'openai-test-key', OPENAI_BASE_URL: `${fake.url}/openai`, AIPHOTO_MODERATION: 'openai' },
      });
      const refused = await surfaces[surface](t, { prompt: 'a lighthouse' });
      expect(refused.status).toBe(503);
      expect(await codeOf(refused)).toBe('service_unavailable');
      expect(requiredHeader(refused, 'retry-after')).toBe('10');
    } finally {
      await fake.close();
    }
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
