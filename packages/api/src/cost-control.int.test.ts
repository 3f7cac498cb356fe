import { DEFAULT_MAX_OUTPUT_PIXELS, loadConfig } from '@aiphoto/core';
import sharp from 'sharp';
import { TRPCClientError, createTRPCClient, httpLink } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AppRouter } from './router.ts';
import { startTestServer, type TestServer } from './testing/harness.ts';
import { FakeProviderServer, type FakeReply, providerEnvironment } from '@aiphoto/core/testing';

const usageOf = async (t: TestServer, ip?: string) =>
  (await (await t.fetch('/api/status', ip ? { headers: { 'x-forwarded-for': ip } } : {})).json()).usage_today as number;

describe('who pays for provider work', () => {
  let fake: FakeProviderServer;
  let b64: string;
  beforeAll(async () => {
    fake = await FakeProviderServer.start();
    b64 = (await sharp({ create: { width: 1024, height: 1024, channels: 3, background: '#447799' } }).png().toBuffer()).toString('base64');
  });
  afterAll(() => fake.close());

  const slowly = (delayMs: number) => async (): Promise<FakeReply> => {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    return { json: { created: 1, data: [{ b64_json: b64 }] } };
  };
  const start = (env: Record<string, string> = {}) =>
    startTestServer({ env: { ...providerEnvironment(fake, ['openai']), AIPHOTO_LOCAL_PROVIDER: 'off', AIPHOTO_TRUST_PROXY: '1', ...env } });

  it('charges a caller who hangs up after the provider was asked', async () => {
    fake.route('POST /openai/images/generations', slowly(1_000));
    await using t = await start();
    const recorded = vi.spyOn(t.server.services.ledger, 'record');
    const before = fake.calls('POST /openai/images/generations').length;
    const controller = new AbortController();
    const request = t
      .fetch('/api/generate', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'a walk in the rain', model: 'dall-e-3' }),
        signal: controller.signal,
      })
      .catch(() => undefined);
    await expect.poll(() => fake.calls('POST /openai/images/generations').length).toBe(before + 1);
    controller.abort();
    await request;
    // Logged once the abandoned request has settled its unit (kept or given back).
    await expect.poll(() => t.logs()).toContain('caller went away before the answer');
    expect(await usageOf(t)).toBe(1);
    // The usage report counts the unit too, naming the provider asked, with no cost (its
    // answer, which would report one, was never read).
    const report = await (await t.fetch('/api/usage')).json();
    expect(report.totals).toEqual({ units: 1, cost_usd: 0, priced_units: 0, input_tokens: 0, output_tokens: 0 });
    expect(report.days[0].models).toEqual([{ model: 'dall-e-3', units: 1, cost_usd: 0, priced_units: 0, input_tokens: 0, output_tokens: 0 }]);
    expect(recorded).toHaveBeenCalledOnce();
    const [entry] = recorded.mock.calls[0]!;
    expect(entry).toMatchObject({ operation: 'generate', model: 'dall-e-3', provider: 'openai', upstreamModel: expect.stringMatching(/^gpt-image/) });
    expect(entry).not.toHaveProperty('costUsd');
  });

  it('refunds when the provider itself fails', async () => {
    fake.route('POST /openai/images/generations', { status: 500, json: { error: { message: 'boom' } } });
    await using t = await start();
    const response = await t.generate({ prompt: 'a walk in the rain', model: 'dall-e-3' });
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ error: 'generation_failed' });
    expect(await usageOf(t)).toBe(0);
  });

  it('charges nothing and returns nothing when one of n images fails', async () => {
    let calls = 0;
    fake.route('POST /openai/images/generations', () =>
      ++calls === 1 ? { json: { created: 1, data: [{ b64_json: b64 }] } } : { status: 400, json: { error: { message: 'bad', type: 'invalid_request_error' } } },
    );
    await using t = await start();
    const response = await t.fetch('/v1/images/generations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'two foxes', model: 'dall-e-3', n: 2 }),
    });
    expect(response.status).toBeGreaterThanOrEqual(500);
    const body = await response.json();
    expect(body.data).toBeUndefined();
    expect(JSON.stringify(body)).not.toContain('/images/');
    expect(await usageOf(t)).toBe(0);
  });

  it('lets one caller run only AIPHOTO_MAX_GENERATES_IN_FLIGHT generations at once; others still get in', async () => {
    fake.route('POST /openai/images/generations', slowly(800));
    await using t = await start({ AIPHOTO_MAX_GENERATES_IN_FLIGHT: '1' });
    const body = { prompt: 'a lantern', model: 'dall-e-3' };
    const first = t.generate(body, { 'x-forwarded-for': '198.51.100.1' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = await t.generate(body, { 'x-forwarded-for': '198.51.100.1' });
    expect(second.status).toBe(429);
    expect(await second.json()).toMatchObject({ error: 'rate_limited', message: expect.stringContaining('in progress') });
    expect(second.headers.get('retry-after')).toBe('5');
    expect((await t.generate(body, { 'x-forwarded-for': '198.51.100.2' })).status).toBe(200);
    expect((await first).status).toBe(200);
    expect(await usageOf(t, '198.51.100.1')).toBe(1);
  });
});

describe('one limit on images per request, reported to clients', () => {
  it('refuses n above AIPHOTO_OPENAI_MAX_N over tRPC as over /v1, and /api/models reports every limit', async () => {
    await using t = await startTestServer({ env: { AIPHOTO_OPENAI_MAX_N: '2', AIPHOTO_FREE_DAILY_LIMIT: '20' } });
    const client = createTRPCClient<AppRouter>({ links: [httpLink({ url: `${t.baseUrl}/trpc` })] });
    const refused = await client.generateImages.mutate({ prompt: 'three owls', n: 3 }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TRPCClientError);
    expect((refused as TRPCClientError<AppRouter>).data).toMatchObject({ error: 'invalid_request', httpStatus: 400 });
    expect((refused as Error).message).toContain('from 1 to 2');
    expect(await client.generateImages.mutate({ prompt: 'two owls', n: 2 })).toHaveLength(2);
    const v1 = await t.fetch('/v1/images/generations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'three owls', n: 3 }),
    });
    expect(v1.status).toBe(400);
    const models = await (await t.fetch('/api/models')).json();
    expect(models.limits).toMatchObject({
      // int8 where the CPU has VNNI buys four times the pixels per unit (config.ts).
      max_input_pixels: 1024 * 1024,
      max_output_pixels: DEFAULT_MAX_OUTPUT_PIXELS[loadConfig({}).enhance.precision],
      enhance_scales: [2, 3, 4],
      enhance_job_timeout_seconds: 120,
      max_images_per_request: 2,
      max_generates_in_flight: 4,
      max_enhances_in_flight: 1,
    });
  });
});
