import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { FakeProviderServer } from '@aiphoto/core/testing';
import { startTestServer } from '../testing/harness.ts';

describe('request options on /api/generate: seed, negative_prompt, n, and fields nobody knows', () => {
  it('never drops a setting in silence: n images all-or-nothing, and a warning for each setting the provider cannot honour', async () => {
    await using t = await startTestServer({ env: { AIPHOTO_FREE_DAILY_LIMIT: '10' } });
    const response = await t.generate({ prompt: 'a walk in the park', seed: 42, n: 4, negative_prompt: 'dogs', colour: 'blue' });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.images).toHaveLength(4);
    expect(new Set(body.images.map((image: { url: string }) => image.url)).size).toBe(4);
    expect(body.url).toBe(body.images[0].url);
    expect(body.usage).toBe(4);
    expect(body.warnings).toEqual(['colour: not a field of this operation; it was ignored.', 'negative_prompt: local takes no negative prompt; it was not used.']);
    // The offline renderer honours seeds: image i drew with seed + i.
    expect(body.seed).toBe(42);
    expect(body.images.map((image: { seed?: number }) => image.seed)).toEqual([42, 43, 44, 45]);
    // Past the per-request limit: refused before anything is charged.
    const tooMany = await t.generate({ prompt: 'a walk in the park', n: 5 });
    expect(tooMany.status).toBe(400);
    expect(await tooMany.json()).toMatchObject({ error: 'invalid_request', message: expect.stringContaining('n must be a whole number from 1 to 4') });
    expect((await (await t.fetch('/api/status')).json()).usage_today).toBe(4);
  });

  it('passes seed and negative prompt to a provider that honours them, image i using seed + i', async () => {
    const fake = await FakeProviderServer.start();
    try {
      const png = await sharp({ create: { width: 1024, height: 1024, channels: 3, background: '#446' } }).png().toBuffer();
      fake.route('POST /a1111/sdapi/v1/txt2img', { json: { images: [png.toString('base64')], info: '{}' } });
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-catalog-')), 'models.yaml');
      fs.writeFileSync(file, `models:\n  - id: house-sd\n    candidates:\n      - { provider: automatic1111, base_url: "${fake.url}/a1111", model: default }\n`);
      await using t = await startTestServer({ env: { AIPHOTO_MODELS_FILE: file } });
      const body = await (await t.generate({ prompt: 'a lighthouse', model: 'house-sd', ratio: '1:1', seed: 7, n: 2, negative_prompt: 'fog' })).json();
      expect(body).toMatchObject({ seed: 7, images: [{ seed: 7 }, { seed: 8 }] });
      expect(body.warnings).toBeUndefined();
      const seeds = fake.calls('POST /a1111/sdapi/v1/txt2img').map((call) => [(call.body as { seed: number }).seed, (call.body as { negative_prompt: string }).negative_prompt]);
      expect(seeds.sort()).toEqual([
        [7, 'fog'],
        [8, 'fog'],
      ]);
    } finally {
      await fake.close();
    }
  });

  it('refuses a seed out of range and a negative prompt past the prompt limit', async () => {
    await using t = await startTestServer();
    for (const [body, message] of [
      [{ prompt: 'a', seed: -1 }, 'seed must be a whole number'],
      [{ prompt: 'a', seed: 2 ** 32 }, 'seed must be a whole number'],
      [{ prompt: 'a', negative_prompt: 'x'.repeat(401) }, 'negative_prompt must be at most 400 characters'],
    ] as const) {
      const response = await t.generate(body);
      expect(response.status, JSON.stringify(body).slice(0, 60)).toBe(400);
      expect((await response.json()).message).toContain(message);
    }
  });
});
