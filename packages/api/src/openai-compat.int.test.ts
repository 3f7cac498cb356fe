import { createOpenAI } from '@ai-sdk/openai';
import { generateImage } from 'ai';
import OpenAI, { AuthenticationError, BadRequestError, RateLimitError } from 'openai';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { rateLimitOf, startTestServer, type TestServer } from './testing/harness.ts';

/** The official `openai` npm client, pointed at AIPhoto: nothing but the base URL and key change. */
async function clientFor(t: TestServer, options: { dailyLimit?: string } = {}) {
  const created = await t.cli('keys', 'create', '--name', 'openai-sdk', ...(options.dailyLimit ? ['--daily-limit', options.dailyLimit] : []));
  const apiKey = created.stdout.trim();
  const id = /key_[A-Za-z0-9_-]+/.exec(created.stderr)![0];
  return { client: new OpenAI({ apiKey, baseURL: `${t.baseUrl}/v1`, maxRetries: 0 }), apiKey, id };
}

const status = async (t: TestServer, apiKey: string) =>
  (await (await t.fetch('/api/status', { headers: { authorization: `Bearer ${apiKey}` } })).json()).usage_today;

describe('OpenAI-compatible images API, driven by the official openai SDK', () => {
  it('generates a URL that downloads an image of the 16:9 size', async () => {
    await using t = await startTestServer();
    const { client } = await clientFor(t);
    const result = await client.images.generate({ model: 'flux-schnell', prompt: 'a lighthouse at dusk', size: '1792x1024' });
    expect(result.created).toBeGreaterThan(1_700_000_000);
    expect(result.data).toHaveLength(1);
    const url = result.data![0]!.url!;
    expect(url.startsWith(`${t.baseUrl}/images/`)).toBe(true);
    const metadata = await sharp(Buffer.from(await (await fetch(url)).arrayBuffer())).metadata();
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['png', 1344, 768]);
  });

  it('returns b64_json that decodes to a PNG', async () => {
    await using t = await startTestServer();
    const { client } = await clientFor(t);
    const result = await client.images.generate({ model: 'dall-e-3', prompt: 'a red fox', response_format: 'b64_json', size: '1024x1792', style: 'vivid', quality: 'hd', user: 'someone' });
    const metadata = await sharp(Buffer.from(result.data![0]!.b64_json!, 'base64')).metadata();
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['png', 768, 1344]);
  });

  it('charges one unit per image: n=2 costs two', async () => {
    await using t = await startTestServer();
    const { client, apiKey } = await clientFor(t);
    const result = await client.images.generate({ model: 'flux-pro', prompt: 'two herons', n: 2 });
    expect(result.data).toHaveLength(2);
    expect(new Set(result.data!.map((image) => image.url)).size).toBe(2);
    expect(await status(t, apiKey)).toBe(2);
  });

  it("resolves OpenAI's current model names (gpt-image-1, gpt-image-2) through the catalog's aliases", async () => {
    await using t = await startTestServer();
    const { client } = await clientFor(t);
    for (const model of ['gpt-image-1', 'gpt-image-2', 'GPT-Image-1.5']) {
      const result = await client.images.generate({ model, prompt: 'a red fox', size: '1536x1024', quality: 'high', output_format: 'png', background: 'opaque', moderation: 'auto' });
      // As OpenAI does for its GPT image models: base64, no URL, unless a URL is asked for.
      const metadata = await sharp(Buffer.from(result.data![0]!.b64_json!, 'base64')).metadata();
      expect([metadata.format, metadata.width, metadata.height], model).toEqual(['png', 1344, 768]);
      expect(result.output_format).toBe('png');
    }
    const bad = await client.images.generate({ model: 'gpt-image-2', prompt: 'a fox', quality: 'ultra' } as never).catch((e: unknown) => e);
    expect(bad).toMatchObject({ status: 400, param: 'quality', code: 'invalid_request' });
    const body = await (await t.generate({ prompt: 'a red fox', model: 'gpt-image-1' })).json();
    expect(body).toMatchObject({ success: true, model: 'dall-e-3' });
  });

  it('raises RateLimitError past the limit, reserving all-or-nothing', async () => {
    await using t = await startTestServer();
    const { client, apiKey } = await clientFor(t, { dailyLimit: '3' });
    await client.images.generate({ model: 'flux-pro', prompt: 'one', n: 2 });
    const error = await client.images.generate({ model: 'flux-pro', prompt: 'two more', n: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).code).toBe('rate_limited');
    expect((error as RateLimitError).headers?.get('retry-after')).toMatch(/^\d+$/);
    expect(await status(t, apiKey)).toBe(2);
  });

  it("raises BadRequestError with OpenAI's content_policy_violation for a filtered prompt, at no cost", async () => {
    await using t = await startTestServer();
    const { client, apiKey } = await clientFor(t);
    const error = await client.images.generate({ model: 'flux-pro', prompt: 'n.u.d.e woman' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ status: 400, code: 'content_policy_violation', type: 'invalid_request_error' });
    expect(await status(t, apiKey)).toBe(0);
  });

  it('raises AuthenticationError for a revoked key', async () => {
    await using t = await startTestServer();
    const { client, id } = await clientFor(t);
    await t.cli('keys', 'revoke', id);
    const error = await client.images.generate({ model: 'flux-pro', prompt: 'a fox' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).code).toBe('unauthorized');
  });

  it('refuses sizes, n and formats it cannot serve, in OpenAI’s error shape with the param named', async () => {
    await using t = await startTestServer();
    const { client } = await clientFor(t);
    const cases: [Record<string, unknown>, string, string][] = [
      [{ size: '512x512' }, 'size', 'invalid_ratio'],
      [{ n: 5 }, 'n', 'invalid_request'],
      [{ response_format: 'gif' }, 'response_format', 'invalid_request'],
      [{ model: 'midjourney-v7' }, 'model', 'invalid_model'],
      [{ prompt: '' }, 'prompt', 'invalid_prompt'],
    ];
    for (const [overrides, param, code] of cases) {
      const error = await client.images.generate({ prompt: 'a fox', ...overrides } as never).catch((e: unknown) => e);
      expect(error, JSON.stringify(overrides)).toBeInstanceOf(BadRequestError);
      expect(error).toMatchObject({ param, code });
    }
  });

  it('lists the models in OpenAI’s list shape, and serves the free tier and rate-limit headers as /api does', async () => {
    await using t = await startTestServer();
    const { client } = await clientFor(t);
    const models = await client.models.list();
    const ids = models.data.map((model) => model.id);
    expect(ids.slice(0, 4)).toEqual(['flux-pro', 'dall-e-3', 'gpt-image-2', 'gpt-image-1']);
    expect(ids).toEqual(expect.arrayContaining(['stable-diffusion-xl-1024-v1-0', 'flux-schnell', 'flux-2-pro', 'chatgpt-image-latest']));
    expect(models.data[0]).toMatchObject({ object: 'model', owned_by: 'aiphoto' });
    expect(await client.models.retrieve('gpt-image-2')).toMatchObject({ id: 'gpt-image-2', object: 'model' });
    const missing = await client.models.retrieve('midjourney-v7').catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 404, code: 'not_found' });

    const anonymous = await t.fetch('/v1/images/generations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'a fox', model: 'flux-pro' }),
    });
    expect(anonymous.status).toBe(200);
    expect(rateLimitOf(anonymous)).toMatchObject({ limit: 5, remaining: 4 });
    expect((await (await t.fetch('/api/status')).json()).usage_today).toBe(1);
  });

  it("works with the Vercel AI SDK's generateImage and OpenAI's gpt-image-* names", async () => {
    await using t = await startTestServer();
    const { apiKey } = await clientFor(t);
    const openai = createOpenAI({ apiKey, baseURL: `${t.baseUrl}/v1` });
    for (const model of ['gpt-image-1', 'gpt-image-2']) {
      const { images } = await generateImage({ model: openai.image(model), prompt: 'a lighthouse at dusk', size: '1024x1536', n: 2, maxRetries: 0 });
      expect(images, model).toHaveLength(2);
      const metadata = await sharp(Buffer.from(images[0]!.uint8Array)).metadata();
      expect([metadata.format, metadata.width, metadata.height], model).toEqual(['png', 768, 1344]);
    }
    expect((await (await t.fetch('/api/status', { headers: { authorization: `Bearer ${apiKey}` } })).json()).usage_today).toBe(4);
  });
});
