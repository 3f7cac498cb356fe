import sharp from 'sharp';
import { TRPCClientError, createTRPCClient, httpLink } from '@trpc/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppRouter } from '../router.ts';
import { startTestServer } from '../testing/harness.ts';
import { FakeProviderServer, installProviders, providerEnvironment } from '@aiphoto/core/testing';

const usage = async (t: { fetch: (path: string) => Promise<Response> }) => (await (await t.fetch('/api/status')).json()).usage_today;

describe('generate through real provider adapters (fake providers on loopback)', () => {
  let fake: FakeProviderServer;
  let png: Buffer;
  beforeAll(async () => {
    fake = await FakeProviderServer.start();
    png = await sharp({ create: { width: 1344, height: 768, channels: 3, background: '#204060' } }).png().toBuffer();
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.requests.length = 0;
    installProviders(fake, png);
  });
  const env = (extra: Record<string, string> = {}) => ({
    ...providerEnvironment(fake),
    AIPHOTO_FREE_DAILY_LIMIT: '50',
    AIPHOTO_PROVIDER_TIMEOUT_MS: '2000',
    AIPHOTO_POLL_INTERVAL_MS: '5',
    ...extra,
  });

  it('serves every model from its first configured provider, over REST and tRPC, storing the bytes it got', async () => {
    await using t = await startTestServer({ env: env() });
    const expected = { 'flux-pro': 'bfl', 'flux-schnell': 'together', 'dall-e-3': 'openai', 'stable-diffusion-xl-1024-v1-0': 'stability' };
    for (const [model, provider] of Object.entries(expected)) {
      const response = await t.generate({ prompt: 'a lighthouse at dusk', model, ratio: '16:9' });
      expect(response.status).toBe(200);
      const body = await response.json();
      expect(body).toMatchObject({ success: true, model, provider, width: 1344, height: 768 });
      const stored = Buffer.from(await (await fetch(body.url)).arrayBuffer());
      expect(stored.equals(png)).toBe(true);
      expect(body.url.startsWith(t.baseUrl)).toBe(true);
    }
    const trpc = createTRPCClient<AppRouter>({ links: [httpLink({ url: `${t.baseUrl}/trpc` })] });
    for (const [model, provider] of Object.entries(expected)) {
      const image = await trpc.generate.mutate({ prompt: 'a fox', model: model as 'flux-pro' });
      expect(image).toMatchObject({ model, provider });
      expect(Buffer.from(await (await fetch(image.url)).arrayBuffer()).equals(png)).toBe(true);
    }
    const models = await (await t.fetch('/api/models')).json();
    expect(models.models.map((m: { id: string; providers: string[]; offline: boolean }) => [m.id, m.providers, m.offline])).toEqual([
      ['flux-pro', ['bfl', 'fal', 'replicate'], false],
      ['dall-e-3', ['openai'], false],
      ['stable-diffusion-xl-1024-v1-0', ['stability'], false],
      ['flux-schnell', ['together', 'fal', 'replicate'], false],
      ['flux-2-pro', ['bfl', 'replicate'], false],
    ]);
    expect(t.logs()).toContain('model flux-pro is served by bfl → fal → replicate');
    expect(t.logs()).not.toContain('bfl-test-key');
  });

  it('serves dall-e-3 with only OPENAI_API_KEY set, from a fake that refuses dall-e-3, gpt-image-1 and response_format as OpenAI does', async () => {
    await using t = await startTestServer({ env: { ...providerEnvironment(fake, ['openai']), AIPHOTO_PROVIDER_TIMEOUT_MS: '2000' } });
    const response = await t.generate({ prompt: 'a lighthouse at dusk', model: 'dall-e-3', ratio: '16:9' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ model: 'dall-e-3', provider: 'openai', width: 1344, height: 768 });
    const [call] = fake.calls('POST /openai/images/generations');
    expect(call!.body).toMatchObject({ model: 'gpt-image-2', size: '1344x768', output_format: 'png' });
    expect(call!.body).not.toHaveProperty('response_format');
    // OpenAI bills its GPT image models by token: the ledger keeps what it reported.
    const usage = await (await t.fetch('/api/usage?days=1')).json();
    expect(usage.days[0].models).toEqual([{ model: 'dall-e-3', units: 1, cost_usd: 0, priced_units: 0, input_tokens: 31, output_tokens: 1056 }]);
  });

  it('falls back bfl → fal → replicate for flux-pro as providers fail', async () => {
    await using t = await startTestServer({ env: env() });
    fake.route('POST /bfl/flux-pro-1.1', { status: 500, json: { detail: 'Internal Server Error' } });
    expect(await (await t.generate({ prompt: 'a fox', model: 'flux-pro' })).json()).toMatchObject({ provider: 'fal' });
    fake.route('POST /fal/fal-ai/flux-pro/v1.1', { status: 429, json: { detail: 'Too many requests' } });
    expect(await (await t.generate({ prompt: 'a fox', model: 'flux-pro', ratio: '9:16' })).json()).toMatchObject({
      provider: 'replicate',
      warnings: ['size: Replicate picks the pixel size for aspect ratio 9:16.'],
    });
  });

  it('answers generation_failed and gives the unit back when every candidate fails', async () => {
    await using t = await startTestServer({ env: env() });
    fake.route('POST /bfl/flux-pro-1.1', { status: 503, json: { detail: 'Service Unavailable' } });
    fake.route('POST /fal/fal-ai/flux-pro/v1.1', { status: 500, json: { detail: 'boom' } });
    fake.route('POST /replicate/models/black-forest-labs/flux-1.1-pro/predictions', { body: 'not json' });
    const response = await t.generate({ prompt: 'a fox', model: 'flux-pro' });
    expect(response.status).toBe(500);
    const body = await response.json();
    expect(body).toEqual({ success: false, error: 'generation_failed', message: expect.stringContaining('"flux-pro"') });
    expect(body.message).not.toMatch(/bfl|fal|replicate|503|key/i);
    expect(await usage(t)).toBe(0);
    const trpc = createTRPCClient<AppRouter>({ links: [httpLink({ url: `${t.baseUrl}/trpc` })] });
    const error = await trpc.generate.mutate({ prompt: 'a fox', model: 'flux-pro' }).catch((e: unknown) => e);
    expect((error as TRPCClientError<AppRouter>).data).toMatchObject({ error: 'generation_failed', httpStatus: 500 });
    expect(await usage(t)).toBe(0);
  });

  it("turns a provider's moderation into 422 content_filtered at no cost, without falling back", async () => {
    await using t = await startTestServer({ env: env() });
    fake.route('GET /bfl/get_result', { json: { id: 'x', status: 'Request Moderated', result: null } });
    const response = await t.generate({ prompt: 'a fox', model: 'flux-pro' });
    expect(response.status).toBe(422);
    expect((await response.json()).error).toBe('content_filtered');
    expect(fake.calls('POST /fal/fal-ai/flux-pro/v1.1')).toHaveLength(0);
    expect(await usage(t)).toBe(0);
  });

  it('aborts the provider call when the client disconnects mid-generation, and keeps the unit (the provider was asked)', async () => {
    await using t = await startTestServer({ env: env({ AIPHOTO_PROVIDER_TIMEOUT_MS: '20000' }) });
    fake.route('GET /bfl/get_result', { hang: true });
    const controller = new AbortController();
    const pending = fetch(`${t.baseUrl}/api/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'a fox', model: 'flux-pro' }),
      signal: controller.signal,
    }).catch(() => undefined);
    await expect.poll(() => fake.calls('GET /bfl/get_result').length).toBeGreaterThan(0);
    expect(await usage(t)).toBe(1);
    controller.abort();
    await pending;
    await expect.poll(() => fake.calls('GET /bfl/get_result').at(-1)!.aborted).toBe(true);
    // Logged once the abandoned request has settled its unit (kept or given back).
    await expect.poll(() => t.logs()).toContain('caller went away before the answer');
    expect(await usage(t)).toBe(1);
    expect(fake.calls('POST /fal/fal-ai/flux-pro/v1.1')).toHaveLength(0);
  });

  it('runs OpenAI moderation first when AIPHOTO_MODERATION=openai; a flagged prompt costs nothing', async () => {
    await using t = await startTestServer({ env: env({ AIPHOTO_MODERATION: 'openai' }) });
    expect((await t.generate({ prompt: 'a fox', model: 'flux-schnell' })).status).toBe(200);
    expect(fake.calls('POST /openai/moderations')).toHaveLength(1);
    fake.route('POST /openai/moderations', { json: { id: 'modr-1', model: 'omni-moderation-latest', results: [{ flagged: true }] } });
    const response = await t.generate({ prompt: 'a fox', model: 'flux-schnell' });
    expect(response.status).toBe(422);
    expect((await response.json()).error).toBe('content_filtered');
    expect(fake.calls('POST /together/images/generations')).toHaveLength(1);
    expect(await usage(t)).toBe(1);
    // The local filter still runs first: this never reaches OpenAI.
    expect((await t.generate({ prompt: 'n.u.d.e', model: 'flux-schnell' })).status).toBe(422);
    expect(fake.calls('POST /openai/moderations')).toHaveLength(2);
  });

  it('keeps the offline renderer for models that have no configured provider', async () => {
    await using t = await startTestServer({ env: { ...env(), ...{ OPENAI_API_KEY: '', STABILITY_API_KEY: '' } } });
    expect(await (await t.generate({ prompt: 'a fox', model: 'dall-e-3' })).json()).toMatchObject({ provider: 'local' });
    expect(await (await t.generate({ prompt: 'a fox', model: 'flux-pro' })).json()).toMatchObject({ provider: 'bfl' });
  });
});
