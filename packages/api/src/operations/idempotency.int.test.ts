import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../testing/harness.ts';
import { photo } from '../testing/images.ts';

const usageToday = async (t: { fetch: (path: string, init?: RequestInit) => Promise<Response> }, headers: Record<string, string> = {}) =>
  (await (await t.fetch('/api/status', { headers })).json()).usage_today;

describe('Idempotency-Key on the operations that cost a unit', () => {
  it('replays the first answer for the same request and charges once, even for 20 concurrent duplicates', async () => {
    await using t = await startTestServer({ env: { AIPHOTO_FREE_DAILY_LIMIT: '50' } });
    const body = { prompt: 'a lighthouse at dusk', ratio: '16:9' };
    const first = await t.generate(body, { 'idempotency-key': 'order-1001' });
    expect(first.status).toBe(200);
    const original = await first.json();
    const again = await t.generate(body, { 'idempotency-key': 'order-1001' });
    expect([again.status, await again.json()]).toEqual([200, original]);
    expect(await usageToday(t)).toBe(1);

    const burst = await Promise.all(Array.from({ length: 20 }, () => t.generate({ prompt: 'a heron' }, { 'idempotency-key': 'order-1002' })));
    const answers = await Promise.all(burst.map(async (response) => [response.status, await response.json()] as const));
    const succeeded = answers.filter(([status]) => status === 200).map(([, json]) => json.id);
    expect(new Set(succeeded).size).toBe(1);
    for (const [status, json] of answers.filter(([code]) => code !== 200)) {
      expect([status, json.error]).toEqual([409, 'idempotency_in_progress']);
    }
    expect(await usageToday(t)).toBe(2);
  });

  it('refuses the same key with a different request, and keeps callers apart', async () => {
    await using t = await startTestServer({ env: { AIPHOTO_TRUST_PROXY: '1' } });
    const as = (ip: string) => ({ 'x-forwarded-for': ip });
    expect((await t.generate({ prompt: 'a fox' }, { 'idempotency-key': 'k', ...as('198.51.100.1') })).status).toBe(200);
    const mismatch = await t.generate({ prompt: 'a wolf' }, { 'idempotency-key': 'k', ...as('198.51.100.1') });
    expect(mismatch.status).toBe(422);
    expect(await mismatch.json()).toMatchObject({ success: false, error: 'idempotency_mismatch' });
    // Another caller's key of the same name is its own.
    const other = await t.generate({ prompt: 'a wolf' }, { 'idempotency-key': 'k', ...as('203.0.113.9') });
    expect(other.status).toBe(200);
    expect(await usageToday(t, as('198.51.100.1'))).toBe(1);
    const tooLong = await t.generate({ prompt: 'a fox' }, { 'idempotency-key': 'x'.repeat(256) });
    expect([tooLong.status, (await tooLong.json()).error]).toEqual([400, 'invalid_request']);
  });

  it('lets a failed attempt, whose unit was refunded, be retried with the same key', async () => {
    await using t = await startTestServer({ env: { AIPHOTO_LOCAL_PROVIDER: 'off' } });
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await t.generate({ prompt: 'a fox' }, { 'idempotency-key': 'retry-me' });
      expect([response.status, (await response.json()).error]).toEqual([500, 'generation_failed']);
    }
    expect(await usageToday(t)).toBe(0);
  });

  it('works on /v1 with the openai SDK sending the header', async () => {
    await using t = await startTestServer();
    const { stdout } = await t.cli('keys', 'create', '--name', 'idem');
    const client = new OpenAI({ apiKey: stdout.trim(), baseURL: `${t.baseUrl}/v1`, maxRetries: 0 });
    const first = await client.images.generate({ model: 'flux-pro', prompt: 'a red fox', n: 2 }, { headers: { 'Idempotency-Key': 'batch-7' } });
    const second = await client.images.generate({ model: 'flux-pro', prompt: 'a red fox', n: 2 }, { headers: { 'Idempotency-Key': 'batch-7' } });
    expect(second.data!.map((image) => image.url)).toEqual(first.data!.map((image) => image.url));
    expect(await usageToday(t, { authorization: `Bearer ${stdout.trim()}` })).toBe(2);
  });

  it('replays an enhance of the same upload, and refuses the key for another upload', async () => {
    await using t = await startTestServer();
    const upload = async (bytes: Buffer) => {
      const form = new FormData();
      form.set('image', new Blob([new Uint8Array(bytes)], { type: 'image/png' }), 'photo.png');
      form.set('scale', '2');
      return t.fetch('/api/enhance', { method: 'POST', body: form, headers: { 'idempotency-key': 'photo-1' } });
    };
    const picture = await photo(24, 24, 'png');
    const first = await upload(picture);
    expect(first.status).toBe(200);
    const original = await first.json();
    expect(await (await upload(picture)).json()).toEqual(original);
    const other = await upload(await photo(32, 24, 'png'));
    expect([other.status, (await other.json()).error]).toEqual([422, 'idempotency_mismatch']);
    expect(await usageToday(t)).toBe(1);
  });
});
