import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEED_EXAMPLE, rateLimitOf, startTestServer, type TestServer } from '../testing/harness.ts';

describe('POST /api/generate (happy paths)', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer({ env: { AIPHOTO_FREE_DAILY_LIMIT: '50' } });
  });
  afterEach(() => t.close());

  it("answers the seed's example request with the documented shape, and the URL downloads a 16:9 PNG", async () => {
    const response = await t.generate(SEED_EXAMPLE);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await response.json();
    expect(body).toEqual({
      success: true,
      url: expect.stringMatching(new RegExp(`^${t.baseUrl}/images/[A-Za-z0-9_-]{24}\\.png$`)),
      model: 'flux-pro',
      ratio: '16:9',
      usage: 1,
      remaining: 49,
      id: expect.stringMatching(/^[A-Za-z0-9_-]{24}$/),
      style: 'Photorealistic',
      width: 1344,
      height: 768,
      provider: 'local',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
    });
    expect(rateLimitOf(response)).toMatchObject({ limit: 50, remaining: 49 });

    const image = await fetch(body.url);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(image.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const bytes = Buffer.from(await image.arrayBuffer());
    expect(Number(image.headers.get('content-length'))).toBe(bytes.length);
    const metadata = await sharp(bytes).metadata();
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['png', 1344, 768]);

    const etag = image.headers.get('etag');
    expect(etag).toBeTruthy();
    const again = await fetch(body.url, { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
  });

  it('fills in flux-pro, Photorealistic and 1:1 when only a prompt is sent', async () => {
    const body = await (await t.generate({ prompt: 'a red fox in snow' })).json();
    expect(body).toMatchObject({ model: 'flux-pro', style: 'Photorealistic', ratio: '1:1', width: 1024, height: 1024 });
    const metadata = await sharp(Buffer.from(await (await fetch(body.url)).arrayBuffer())).metadata();
    expect([metadata.width, metadata.height]).toEqual([1024, 1024]);
  });

  it('serves every model and the 9:16 ratio', async () => {
    for (const model of ['dall-e-3', 'stable-diffusion-xl-1024-v1-0', 'flux-schnell']) {
      const response = await t.generate({ prompt: 'a lighthouse', model, ratio: '9:16' });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ model, ratio: '9:16', width: 768, height: 1344 });
    }
  });

  it('matches styles case-insensitively and answers with the canonical name', async () => {
    const body = await (await t.generate({ prompt: 'a castle', style: '  pixel ART ' })).json();
    expect(body.style).toBe('Pixel Art');
  });

  it('accepts exactly 400 characters, counting an emoji as one, after trimming', async () => {
    const prompt = `${'a'.repeat(399)}🌄`;
    expect(prompt.length).toBe(401);
    const response = await t.generate({ prompt: `  ${prompt}\n` });
    expect(response.status).toBe(200);
  });

  it('accepts X-Requested-With and extra fields without requiring either', async () => {
    const response = await t.generate(
      { prompt: 'a bridge', note: 'ignored' },
      { 'x-requested-with': 'XMLHttpRequest' },
    );
    expect(response.status).toBe(200);
  });

  it('echoes a sane X-Request-Id and replaces an unsafe one', async () => {
    const echoed = await t.fetch('/api/status', { headers: { 'x-request-id': 'abc-123.trace' } });
    expect(echoed.headers.get('x-request-id')).toBe('abc-123.trace');
    const replaced = await t.fetch('/api/status', { headers: { 'x-request-id': 'bad id\twith spaces' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect((await t.fetch('/healthz')).headers.get('x-request-id')).toBeTruthy();
  });

  it('lists models, styles and ratios, and which provider serves each model', async () => {
    const response = await t.fetch('/api/models');
    expect(response.status).toBe(200);
    expect(rateLimitOf(response).limit).toBe(50);
    const body = await response.json();
    expect(body.models.map((m: { id: string }) => m.id)).toEqual([
      'flux-pro',
      'dall-e-3',
      'stable-diffusion-xl-1024-v1-0',
      'flux-schnell',
      'flux-2-pro',
    ]);
    expect(body.models[0]).toMatchObject({ providers: ['local'], offline: true });
    expect(body.models[1].aliases).toContain('gpt-image-1');
    expect(body.styles).toHaveLength(12);
    expect(body.ratios).toContainEqual({ id: '16:9', width: 1344, height: 768 });
  });

  it('answers /healthz', async () => {
    const response = await t.fetch('/healthz');
    expect([response.status, await response.json()]).toEqual([200, { status: 'ok' }]);
  });
});
