import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { FakeProviderServer, providerFixture } from '@aiphoto/core/testing';
import { startTestServer } from '../testing/harness.ts';


describe('the usage ledger: GET /api/usage and aiphoto keys usage', () => {
  it('records provider, upstream model, seed and reported cost per image, and reports them by day and model', async () => {
    const fake = await FakeProviderServer.start();
    try {
      const png = await sharp({ create: { width: 1344, height: 768, channels: 3, background: '#555' } }).png().toBuffer();
      fake.route('POST /openrouter/chat/completions', { json: providerFixture('openrouter', 'openrouter-image.json', { PNG_BASE64: png.toString('base64') }) });
      // The CLI reads today's date as the server does, so both use the real clock.
      const today = new Date().toISOString().slice(0, 10);
      const weekAgo = new Date(Date.parse(today) - 6 * 86_400_000).toISOString().slice(0, 10);
      await using t = await startTestServer({ env: { OPENROUTER_API_KEY: 'or-test-key-123456', OPENROUTER_BASE_URL: `${fake.url}/openrouter` } });
      const created = await t.cli('keys', 'create', '--name', 'ledger');
      const key = created.stdout.trim();
      const id = /key_[A-Za-z0-9_-]+/.exec(created.stderr)![0];
      const auth = { authorization: `Bearer ${key}` };
      expect((await t.generate({ prompt: 'a fox', model: 'flux-2-pro', ratio: '16:9', n: 2 }, auth)).status).toBe(200);
      expect((await t.generate({ prompt: 'a heron', model: 'flux-pro' }, auth)).status).toBe(200);
      // Somebody else's work is not this key's.
      expect((await t.generate({ prompt: 'a crow', model: 'flux-2-pro' })).status).toBe(200);

      const response = await t.fetch('/api/usage?days=7', { headers: auth });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        plan: 'pro',
        from: weekAgo,
        to: today,
        days: [
          {
            day: today,
            units: 3,
            cost_usd: 0.06,
            priced_units: 2,
            input_tokens: 0,
            output_tokens: 0,
            models: [
              { model: 'flux-2-pro', units: 2, cost_usd: 0.06, priced_units: 2, input_tokens: 0, output_tokens: 0 },
              { model: 'flux-pro', units: 1, cost_usd: 0, priced_units: 0, input_tokens: 0, output_tokens: 0 },
            ],
          },
        ],
        totals: { units: 3, cost_usd: 0.06, priced_units: 2, input_tokens: 0, output_tokens: 0 },
      });
      expect((await (await t.fetch('/api/usage')).json()).totals).toEqual({ units: 1, cost_usd: 0.03, priced_units: 1, input_tokens: 0, output_tokens: 0 });
      expect((await t.fetch('/api/usage?days=91', { headers: auth })).status).toBe(400);

      const cli = await t.cli('keys', 'usage', id, '--days', '7');
      expect(cli.code).toBe(0);
      expect(cli.stdout).toContain('flux-2-pro\t2 units\t$0.0600');
      expect(cli.stdout).toContain('flux-pro\t1 units\tcost unknown');
      expect(cli.stderr).toContain('3 units, $0.0600 (1 units unpriced)');
      expect((await t.cli('keys', 'usage', 'key_nope')).code).toBe(2);
    } finally {
      await fake.close();
    }
  });
});
