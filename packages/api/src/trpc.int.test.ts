import { TRPCClientError, createTRPCClient, httpBatchLink, httpLink } from '@trpc/client';
import { describe, expect, it } from 'vitest';
import type { AppRouter } from './router.ts';
import { startTestServer } from './testing/harness.ts';

function client(baseUrl: string, headers: Record<string, string> = {}) {
  return createTRPCClient<AppRouter>({ links: [httpLink({ url: `${baseUrl}/trpc`, headers })] });
}

describe('typed tRPC client', () => {
  it('shares one quota with REST for generate and status', async () => {
    await using t = await startTestServer();
    const trpc = client(t.baseUrl);
    const generated = await trpc.generate.mutate({ prompt: 'a lighthouse', ratio: '9:16' });
    expect(generated).toMatchObject({ success: true, usage: 1, remaining: 4, ratio: '9:16', width: 768, height: 1344 });
    expect((await fetch(generated.url)).headers.get('content-type')).toBe('image/png');

    expect((await t.generate({ prompt: 'a lighthouse' })).status).toBe(200);
    const status = await trpc.status.query();
    expect(status).toMatchObject({ usage_today: 2, remaining: 3, limit_today: 5, plan: 'free' });
    const models = await trpc.models.query();
    expect(models.models.map((model) => model.id)).toEqual(['flux-pro', 'dall-e-3', 'stable-diffusion-xl-1024-v1-0', 'flux-schnell', 'flux-2-pro']);
  });

  it('carries the same string code on tRPC errors, with the same HTTP status', async () => {
    await using t = await startTestServer({ env: { AIPHOTO_FREE_DAILY_LIMIT: '1' } });
    const trpc = client(t.baseUrl);
    const failure = async (promise: Promise<unknown>) => {
      const error = await promise.then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(TRPCClientError);
      return (error as TRPCClientError<AppRouter>).data as { error: string; httpStatus: number } | undefined;
    };
    expect(await failure(trpc.generate.mutate({ prompt: '   ' }))).toMatchObject({ error: 'invalid_prompt', httpStatus: 400 });
    expect(await failure(trpc.generate.mutate({ prompt: 'a cat', style: 'Baroque' }))).toMatchObject({
      error: 'invalid_style',
    });
    expect(await failure(trpc.generate.mutate({ prompt: 'g0re and entrails' }))).toMatchObject({
      error: 'content_filtered',
      httpStatus: 422,
    });
    await trpc.generate.mutate({ prompt: 'a cat' });
    expect(await failure(trpc.generate.mutate({ prompt: 'a cat' }))).toMatchObject({ error: 'rate_limited', httpStatus: 429 });
    expect((await t.generate({ prompt: 'a cat' })).status).toBe(429);

    const bad = client(t.baseUrl, { authorization: 'Bearer aip_wrong' });
    expect(await failure(bad.status.query())).toMatchObject({ error: 'unauthorized', httpStatus: 401 });
  });

  it('works with a pro key as a Bearer header', async () => {
    await using t = await startTestServer();
    const { stdout } = await t.cli('keys', 'create', '--name', 'internal-app', '--daily-limit', '3');
    const trpc = client(t.baseUrl, { authorization: `Bearer ${stdout.trim()}` });
    expect(await trpc.status.query()).toMatchObject({ plan: 'pro', limit_today: 3, usage_today: 0 });
    await trpc.generate.mutate({ prompt: 'a cat' });
    expect(await (await t.fetch('/api/status', { headers: { authorization: `Bearer ${stdout.trim()}` } })).json()).toMatchObject({
      usage_today: 1,
    });
  });
});

describe('GET /trpc/status, answered without tRPC’s HTTP handler', () => {
  it('answers exactly as tRPC does, plain and batched, to the typed clients, and leaves every other form to tRPC', async () => {
    await using t = await startTestServer();
    const plain = await t.fetch('/trpc/status');
    const batched = await t.fetch(`/trpc/status?batch=1&input=${encodeURIComponent('{}')}`);
    // Two calls in one batch are tRPC's own handler's work.
    const byTrpc = await t.fetch(`/trpc/status,status?batch=1&input=${encodeURIComponent('{}')}`);
    for (const response of [plain, batched, byTrpc]) {
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.headers.get('vary')).toBe('trpc-accept, accept');
      expect(response.headers.get('x-ratelimit-remaining')).toBe('5');
    }
    const [plainBody, batchedBody, trpcBody] = await Promise.all([plain.json(), batched.json(), byTrpc.json()]);
    expect(plainBody).toEqual({ result: { data: expect.objectContaining({ status: 'ok', plan: 'free', remaining: 5 }) } });
    expect(batchedBody).toEqual([plainBody]);
    expect(trpcBody).toEqual([plainBody, plainBody]);

    expect(await client(t.baseUrl).status.query()).toMatchObject({ remaining: 5 });
    const batching = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${t.baseUrl}/trpc` })] });
    expect(await batching.status.query()).toMatchObject({ remaining: 5 });

    // An input where the procedure takes none is tRPC's to refuse, in its words.
    const withInput = await t.fetch(`/trpc/status?input=${encodeURIComponent('{"a":1}')}`);
    expect(withInput.status).toBe(400);
    expect((await withInput.json()).error.data.code).toBe('BAD_REQUEST');
    // A refused key is refused in tRPC's shape.
    const refused = await t.fetch('/trpc/status', { headers: { authorization: 'Bearer aip_notARealKey0123456789' } });
    expect(refused.status).toBe(401);
    expect((await refused.json()).error.data).toMatchObject({ code: 'UNAUTHORIZED', error: 'unauthorized' });
  });
});
