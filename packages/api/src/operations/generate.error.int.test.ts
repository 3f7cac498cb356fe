import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rateLimitOf, startTestServer, type TestServer } from '../testing/harness.ts';

/** Every error body under /api is exactly this shape. */
async function expectError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = await response.json();
  expect(body).toEqual({ success: false, error: code, message: expect.any(String) });
  expect(body.message.length).toBeGreaterThan(10);
  expect(body.message).not.toMatch(/\bat .+\.ts:\d+/);
  const limits = rateLimitOf(response);
  expect(limits.limit).toBeGreaterThan(0);
  expect(Number.isInteger(limits.remaining)).toBe(true);
  expect(limits.policy).toMatch(/^"daily";q=\d+;w=86400$/);
  expect(limits.ratelimit).toMatch(/^"daily";r=\d+;t=\d+$/);
  expect(response.headers.get('x-request-id')).toBeTruthy();
  return body as { message: string };
}

describe('POST /api/generate (errors)', () => {
  let t: TestServer;
  const usage = async () => (await (await t.fetch('/api/status')).json()).usage_today as number;

  beforeEach(async () => {
    t = await startTestServer();
  });
  afterEach(() => t.close());

  it.each([
    ['missing', {}],
    ['empty', { prompt: '' }],
    ['whitespace-only', { prompt: ' \n\t ' }],
    ['a number', { prompt: 42 }],
    ['null', { prompt: null }],
    ['401 characters', { prompt: 'a'.repeat(401) }],
    ['10,000 characters', { prompt: 'a'.repeat(10_000) }],
    ['400 letters and an emoji', { prompt: `${'a'.repeat(400)}🌄` }],
  ])('invalid_prompt when the prompt is %s, at no cost', async (_, body) => {
    await expectError(await t.generate(body), 400, 'invalid_prompt');
    expect(await usage()).toBe(0);
  });

  it.each([
    ['invalid_model', { prompt: 'a cat', model: 'midjourney' }],
    ['invalid_model', { prompt: 'a cat', model: 7 }],
    ['invalid_style', { prompt: 'a cat', style: 'Baroque' }],
    ['invalid_ratio', { prompt: 'a cat', ratio: '4:3' }],
  ])('%s for %j', async (code, body) => {
    await expectError(await t.generate(body), 400, code);
  });

  it.each([
    ['not JSON', '{"prompt": "a cat"'],
    ['a JSON array', '["a cat"]'],
    ['a JSON string', '"a cat"'],
    ['empty', ''],
  ])('invalid_request when the body is %s', async (_, body) => {
    await expectError(await t.generate(body), 400, 'invalid_request');
  });

  it('payload_too_large for a 50 MB body, and the server keeps serving', async () => {
    const body = JSON.stringify({ prompt: 'x'.repeat(50 * 1024 * 1024) });
    // The server answers from Content-Length, before reading the body.
    await expectError(await t.generate(body), 413, 'payload_too_large');
    expect((await t.fetch('/healthz')).status).toBe(200);
    expect(await usage()).toBe(0);
  });

  it('payload_too_large for a body just over the 64 KiB JSON limit', async () => {
    await expectError(await t.generate({ prompt: 'x'.repeat(70 * 1024) }), 413, 'payload_too_large');
  });

  it('unsupported_media_type for a body that is not application/json', async () => {
    const response = await t.fetch('/api/generate', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'a cat',
    });
    await expectError(response, 415, 'unsupported_media_type');
    const form = new FormData();
    form.set('prompt', 'a cat');
    await expectError(await t.fetch('/api/generate', { method: 'POST', body: form }), 415, 'unsupported_media_type');
  });

  it('content_filtered for an obfuscated prompt, at no cost', async () => {
    const body = await expectError(await t.generate({ prompt: 'n.u.d.e woman on a beach' }), 422, 'content_filtered');
    expect(body.message).toContain('content filter');
    expect(await usage()).toBe(0);
  });

  it('not_found with the envelope and rate-limit headers for an unknown /api path', async () => {
    await expectError(await t.fetch('/api/nope'), 404, 'not_found');
    await expectError(await t.fetch('/api/generate/extra', { method: 'POST' }), 404, 'not_found');
  });

  it('not_found for an unknown image and for names that are not image ids', async () => {
    for (const name of ['AAAAAAAAAAAAAAAAAAAAAAAA.png', '..%2F..%2Fetc%2Fpasswd', 'x.png', 'AAAAAAAAAAAAAAAAAAAAAAAA.svg']) {
      const response = await t.fetch(`/images/${name}`);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ success: false, error: 'not_found', message: expect.any(String) });
    }
  });

  it('keeps serving after every kind of bad request', async () => {
    expect((await t.generate({ prompt: 'a calm sea' })).status).toBe(200);
  });
});

describe('generation_failed', () => {
  it('refunds the unit when no provider can serve the model', async () => {
    await using t = await startTestServer({ env: { AIPHOTO_LOCAL_PROVIDER: 'off' } });
    const response = await t.generate({ prompt: 'a calm sea', model: 'dall-e-3' });
    const body = await expectError(response, 500, 'generation_failed');
    expect(body.message).toContain('dall-e-3');
    expect(rateLimitOf(response).remaining).toBe(5);
    const status = await (await t.fetch('/api/status')).json();
    expect(status).toMatchObject({ usage_today: 0, remaining: 5 });
  });
});
