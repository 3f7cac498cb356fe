import sharp from 'sharp';
import { TRPCClientError, createTRPCClient, httpLink, isNonJsonSerializable, splitLink } from '@trpc/client';
import { describe, expect, it } from 'vitest';
import type { AppRouter } from '../router.ts';
import { rateLimitOf, startTestServer, type TestServer } from '../testing/harness.ts';
import { photo, pngBomb } from '../testing/images.ts';

function enhance(t: TestServer, fields: Record<string, string | Blob>, headers: Record<string, string> = {}) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value === 'string') form.set(name, value);
    else form.set(name, value, 'photo');
  }
  return t.fetch('/api/enhance', { method: 'POST', body: form, headers });
}
const blob = (bytes: Uint8Array, type = 'application/octet-stream') => new Blob([bytes], { type });
const usage = async (t: TestServer) => (await (await t.fetch('/api/status')).json()).usage_today as number;

describe('POST /api/enhance', () => {
  it("answers the seed's example (image + strength=7) with the documented shape; the URL is the ×4 PNG", async () => {
    await using t = await startTestServer();
    const response = await enhance(t, { image: blob(await photo(48, 40, 'jpeg'), 'image/jpeg'), strength: '7' });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toEqual({
      success: true,
      url: expect.stringMatching(new RegExp(`^${t.baseUrl}/images/[A-Za-z0-9_-]{24}\\.png$`)),
      original_size: '48x40',
      enhanced_size: '192x160',
      id: expect.any(String),
      scale: 4,
      strength: 7,
      format: 'png',
      model: 'esrgan-thick',
      usage: 1,
      remaining: 4,
    });
    expect(rateLimitOf(response)).toMatchObject({ limit: 5, remaining: 4 });
    const image = await fetch(body.url);
    expect(image.headers.get('content-type')).toBe('image/png');
    const metadata = await sharp(Buffer.from(await image.arrayBuffer())).metadata();
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['png', 192, 160]);
  });

  it('honours scale and format, and keeps transparency', async () => {
    await using t = await startTestServer();
    const transparent = await sharp(await photo(30, 20, 'png')).ensureAlpha(0.5).png().toBuffer();
    for (const [scale, format, type, ext] of [
      ['2', 'webp', 'image/webp', 'webp'],
      ['3', 'jpeg', 'image/jpeg', 'jpg'],
      ['2', 'png', 'image/png', 'png'],
    ] as const) {
      const body = await (await enhance(t, { image: blob(transparent, 'image/png'), scale, format })).json();
      expect(body).toMatchObject({ scale: Number(scale), format, enhanced_size: `${30 * Number(scale)}x${20 * Number(scale)}` });
      expect(body.url.endsWith(`.${ext}`)).toBe(true);
      const image = await fetch(body.url);
      expect(image.headers.get('content-type')).toBe(type);
      const metadata = await sharp(Buffer.from(await image.arrayBuffer())).metadata();
      expect(metadata.hasAlpha).toBe(format !== 'jpeg');
    }
  });

  it('is the same procedure over tRPC: the typed client sends FormData and shares the quota', async () => {
    await using t = await startTestServer();
    const url = `${t.baseUrl}/trpc`;
    const trpc = createTRPCClient<AppRouter>({
      links: [splitLink({ condition: (op) => isNonJsonSerializable(op.input), true: httpLink({ url }), false: httpLink({ url }) })],
    });
    const form = new FormData();
    form.set('image', blob(await photo(32, 32, 'png'), 'image/png'), 'photo.png');
    form.set('scale', '2');
    const result = await trpc.enhance.mutate(form);
    expect(result).toMatchObject({ success: true, original_size: '32x32', enhanced_size: '64x64', usage: 1 });
    expect(await usage(t)).toBe(1);

    const bad = new FormData();
    bad.set('image', blob(Buffer.from('not an image')), 'x.png');
    const error = await trpc.enhance.mutate(bad).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as TRPCClientError<AppRouter>).data).toMatchObject({ error: 'invalid_image', httpStatus: 400 });
    expect(await usage(t)).toBe(1);
  });
});

describe('POST /api/enhance with bad input never costs quota and never stops the server', () => {
  async function expectError(response: Response, status: number, code: string) {
    expect(response.status).toBe(status);
    const body = await response.json();
    expect(body).toEqual({ success: false, error: code, message: expect.any(String) });
    expect(rateLimitOf(response).limit).toBeGreaterThan(0);
    return body.message as string;
  }

  it('invalid_image for missing, empty, non-image, truncated and bomb uploads', async () => {
    await using t = await startTestServer();
    await expectError(await enhance(t, { strength: '5' }), 400, 'invalid_image');
    await expectError(await enhance(t, { image: blob(new Uint8Array()) }), 400, 'invalid_image');
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><rect width="9" height="9"/></svg>';
    expect(await expectError(await enhance(t, { image: blob(Buffer.from(svg), 'image/svg+xml') }), 400, 'invalid_image')).toMatch(/SVG/);
    for (const text of ['%PDF-1.4\n%%EOF', '<!doctype html><p>hi', 'just some text']) {
      await expectError(await enhance(t, { image: blob(Buffer.from(text)) }), 400, 'invalid_image');
    }
    const whole = await photo(64, 64, 'jpeg');
    await expectError(await enhance(t, { image: blob(whole.subarray(0, whole.length / 2)) }), 400, 'invalid_image');
    const message = await expectError(await enhance(t, { image: blob(pngBomb(60_000, 60_000), 'image/png') }), 400, 'invalid_image');
    expect(message).toContain('60000×60000');
    expect((await t.fetch('/healthz')).status).toBe(200);
    expect(await usage(t)).toBe(0);
  });

  it('invalid_request for bad strength, scale and format', async () => {
    await using t = await startTestServer();
    const image = blob(await photo(16, 16, 'png'), 'image/png');
    const cases: Record<string, string>[] = [{ strength: '0' }, { strength: '11' }, { strength: 'abc' }, { strength: '5.5' }, { scale: '5' }, { scale: '1' }, { format: 'gif' }];
    for (const fields of cases) {
      await expectError(await enhance(t, { image, ...fields }), 400, 'invalid_request');
    }
    expect(await usage(t)).toBe(0);
  });

  it('invalid_image naming the limit for too many input or output pixels', async () => {
    await using t = await startTestServer({ env: { AIPHOTO_MAX_INPUT_PIXELS: '1000', AIPHOTO_MAX_OUTPUT_PIXELS: '4000' } });
    expect(await expectError(await enhance(t, { image: blob(await photo(40, 30, 'png')) }), 400, 'invalid_image')).toMatch(/limit is 0\.0 MP|1200/);
    expect(await expectError(await enhance(t, { image: blob(await photo(20, 20, 'png')), scale: '4' }), 400, 'invalid_image')).toMatch(/At scale 4/);
    expect((await enhance(t, { image: blob(await photo(20, 20, 'png')), scale: '3' })).status).toBe(200);
  });

  it('payload_too_large over the byte limit, from a 50 MB body or an 11 MB file', async () => {
    await using t = await startTestServer();
    await expectError(await enhance(t, { image: blob(new Uint8Array(50 * 1024 * 1024)) }), 413, 'payload_too_large');
    await expectError(await enhance(t, { image: blob(new Uint8Array(11 * 1024 * 1024)) }), 413, 'payload_too_large');
    expect((await t.fetch('/healthz')).status).toBe(200);
    expect(await usage(t)).toBe(0);
  });

  it('payload_too_large when the file alone passes the configured limit', async () => {
    await using t = await startTestServer({ env: { AIPHOTO_MAX_UPLOAD_BYTES: '2000' } });
    const response = await enhance(t, { image: blob(await photo(64, 64, 'png'), 'image/png') });
    await expectError(response, 413, 'payload_too_large');
  });

  it('unsupported_media_type for JSON or plain text', async () => {
    await using t = await startTestServer();
    const json = await t.fetch('/api/enhance', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"image":"x"}' });
    await expectError(json, 415, 'unsupported_media_type');
    const text = await t.fetch('/api/enhance', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
    await expectError(text, 415, 'unsupported_media_type');
  });

  it('rate_limited once the quota is used, before any work', async () => {
    await using t = await startTestServer({ env: { AIPHOTO_FREE_DAILY_LIMIT: '1' } });
    const image = blob(await photo(16, 16, 'png'), 'image/png');
    expect((await enhance(t, { image, scale: '2' })).status).toBe(200);
    const refused = await enhance(t, { image, scale: '2' });
    await expectError(refused, 429, 'rate_limited');
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});

// Each test here holds a worker with a ×4 enhance of 256×256 (about 15 s on two idle cores),
// so they get room beyond the default timeout for a busy machine.
describe('enhance runs off the event loop', { timeout: 90_000 }, () => {
  const slowImage = async () => blob(await photo(256, 256, 'png'), 'image/png');

  it('answers /api/status in milliseconds while an enhance runs', async () => {
    await using t = await startTestServer();
    const started = performance.now();
    const running = enhance(t, { image: await slowImage() });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const latencies: number[] = [];
    for (let i = 0; i < 10; i++) {
      const before = performance.now();
      expect((await t.fetch('/api/status')).status).toBe(200);
      latencies.push(performance.now() - before);
    }
    const response = await running;
    expect(response.status).toBe(200);
    const enhanceSeconds = (performance.now() - started) / 1000;
    expect(enhanceSeconds).toBeGreaterThan(1);
    expect(Math.max(...latencies)).toBeLessThan(250);
  });

  // Two callers: the test server trusts one proxy hop, so X-Forwarded-For names the caller.
  const as = (ip: string) => ({ 'x-forwarded-for': ip });
  const proxied = { AIPHOTO_TRUST_PROXY: '1' };

  it('refuses with 503 and Retry-After when the queue is full, at no cost, before decoding the upload', async () => {
    await using t = await startTestServer({ env: { ...proxied, AIPHOTO_ENHANCE_QUEUE: '0' } });
    const running = enhance(t, { image: await slowImage() }, as('198.51.100.1'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const refused = await enhance(t, { image: blob(await photo(16, 16, 'png'), 'image/png') }, as('198.51.100.2'));
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ success: false, error: 'service_unavailable' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // A file whose header is fine but whose pixels are cut off: 503, so nothing was decoded.
    const whole = await photo(256, 256, 'png');
    const truncated = blob(whole.subarray(0, whole.length / 2), 'image/png');
    expect((await enhance(t, { image: truncated }, as('198.51.100.3'))).status).toBe(503);
    expect((await running).status).toBe(200);
    const usageOf = async (ip: string) => (await (await t.fetch('/api/status', { headers: as(ip) })).json()).usage_today;
    expect([await usageOf('198.51.100.1'), await usageOf('198.51.100.2'), await usageOf('198.51.100.3')]).toEqual([1, 0, 0]);
    // With room in the queue, the same truncated file is refused as corrupt, at no cost.
    const corrupt = await enhance(t, { image: truncated }, as('198.51.100.3'));
    expect(corrupt.status).toBe(400);
    expect(await corrupt.json()).toMatchObject({ error: 'invalid_image' });
  });

  it('lets one caller run one enhancement at a time, and others still get in', async () => {
    await using t = await startTestServer({ env: { ...proxied, AIPHOTO_ENHANCE_QUEUE: '4' } });
    const running = enhance(t, { image: await slowImage() }, as('198.51.100.1'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = await enhance(t, { image: blob(await photo(16, 16, 'png'), 'image/png'), scale: '2' }, as('198.51.100.1'));
    expect(second.status).toBe(429);
    expect(await second.json()).toMatchObject({ error: 'rate_limited', message: expect.stringContaining('in progress') });
    expect(second.headers.get('retry-after')).toBe('5');
    const other = await enhance(t, { image: blob(await photo(16, 16, 'png'), 'image/png'), scale: '2' }, as('198.51.100.2'));
    expect(other.status).toBe(200);
    expect((await running).status).toBe(200);
    const status = async (ip: string) => (await (await t.fetch('/api/status', { headers: as(ip) })).json()).usage_today;
    expect(await status('198.51.100.1')).toBe(1);
  });

  it('charges a caller who hangs up once the enhancement runs, and stops the work', async () => {
    await using t = await startTestServer();
    const controller = new AbortController();
    const form = new FormData();
    form.set('image', await slowImage(), 'photo.png');
    const request = fetch(`${t.baseUrl}/api/enhance`, { method: 'POST', body: form, signal: controller.signal }).catch(() => undefined);
    await expect.poll(() => t.server.services.enhancePool.depth).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    controller.abort();
    await request;
    await expect.poll(() => t.server.services.enhancePool.depth, { timeout: 10_000 }).toBe(0);
    expect(await usage(t)).toBe(1);
    await expect.poll(async () => (await (await t.fetch('/api/usage')).json()).totals.units).toBe(1);
    expect(t.logs()).not.toContain('"level":50');
  });

  it('does not charge a caller who hangs up while the job still waits in the queue', async () => {
    await using t = await startTestServer({ env: { ...proxied, AIPHOTO_ENHANCE_QUEUE: '2' } });
    const running = enhance(t, { image: await slowImage() }, as('198.51.100.1'));
    await expect.poll(() => t.server.services.enhancePool.depth).toBe(1);
    const controller = new AbortController();
    const form = new FormData();
    form.set('image', blob(await photo(16, 16, 'png'), 'image/png'), 'photo.png');
    form.set('scale', '2');
    const waiting = fetch(`${t.baseUrl}/api/enhance`, { method: 'POST', body: form, signal: controller.signal, headers: as('198.51.100.2') }).catch(
      () => undefined,
    );
    await expect.poll(() => t.server.services.enhancePool.depth).toBe(2);
    controller.abort();
    await waiting;
    await expect.poll(() => t.server.services.enhancePool.depth).toBe(1);
    expect((await (await t.fetch('/api/status', { headers: as('198.51.100.2') })).json()).usage_today).toBe(0);
    expect((await running).status).toBe(200);
  });

  it('stops a job past AIPHOTO_ENHANCE_JOB_TIMEOUT_MS with server_error and refunds it', async () => {
    await using t = await startTestServer({ env: { AIPHOTO_ENHANCE_JOB_TIMEOUT_MS: '200', AIPHOTO_ENHANCE_TILE: '64' } });
    const response = await enhance(t, { image: await slowImage() });
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ success: false, error: 'server_error', message: expect.stringContaining('0.2-second limit') });
    expect(await usage(t)).toBe(0);
  });
});
