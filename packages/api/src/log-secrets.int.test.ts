import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { startTestServer } from './testing/harness.ts';
import { FakeProviderServer, providerEnvironment } from '@aiphoto/core/testing';

describe('secrets never reach the logs', () => {
  it('at trace level, with uploads and a provider that echoes the credentials it was sent', async () => {
    const fake = await FakeProviderServer.start();
    try {
      // Some providers quote the rejected credential back in their error body.
      fake.route('POST /openai/images/generations', (request) => ({
        status: 401,
        json: { error: { message: `Incorrect API key provided: ${String(request.headers.authorization)}. Key: openai-test-key` } },
      }));
      await using t = await startTestServer({
        env: { ...providerEnvironment(fake, ['openai']), AIPHOTO_LOG_LEVEL: 'trace', AIPHOTO_LOCAL_PROVIDER: 'off', AIPHOTO_ENHANCE_MODEL: 'slim' },
      });
      const key = (await t.cli('keys', 'create', '--name', 'logged')).stdout.trim();
      const authorization = `Bearer ${key}`;
      expect((await t.fetch('/api/status', { headers: { authorization } })).status).toBe(200);
      expect((await t.generate({ prompt: 'a lighthouse', model: 'dall-e-3' }, { authorization })).status).toBe(500);
      const form = new FormData();
      const png = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#808080' } }).png().toBuffer();
      form.append('image', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'tiny.png');
      form.append('scale', '2');
      expect((await t.fetch('/api/enhance', { method: 'POST', headers: { authorization }, body: form })).status).toBe(200);
      expect((await t.fetch('/trpc/status', { headers: { authorization } })).status).toBe(200);
      expect((await t.fetch('/api/status', { headers: { authorization: 'Bearer aip_someoneElsesGuessedKey123' } })).status).toBe(401);

      const logs = t.logs();
      expect(logs).toContain('image provider failed');
      expect(logs).toContain('"level":10');
      expect(logs).not.toContain(key.slice(4));
      expect(logs).not.toContain('someoneElsesGuessedKey123');
      expect(logs).not.toContain('openai-test-key');
    } finally {
      await fake.close();
    }
  });
});
