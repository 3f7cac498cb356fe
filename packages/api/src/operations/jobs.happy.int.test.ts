import sharp from 'sharp';
import { createTRPCClient, httpLink } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeProviderServer, installProviders, providerEnvironment } from '@aiphoto/core/testing';
import type { AppRouter } from '../router.ts';
import { rateLimitOf, startTestServer, type TestServer } from '../testing/harness.ts';
import { photo } from '../testing/images.ts';
import { enhanceJob, uploadForm, watchJob } from '../testing/jobs.ts';

const usage = async (t: TestServer, headers: Record<string, string> = {}) => (await (await t.fetch('/api/status', { headers })).json()).usage_today as number;

// Small tiles on a real photo: many tiles, so progress has steps to show and cancel has tiles to stop between.
const TILED = { AIPHOTO_ENHANCE_TILE: '64', AIPHOTO_MAX_ENHANCES_IN_FLIGHT: '2' };

describe('jobs: submit, watch, result', () => {
  it('runs a generate as a job: 202, Location, the unit reserved at once, and the sync body as its result', async () => {
    await using t = await startTestServer();
    const body = { prompt: 'A serene mountain lake at golden hour, photorealistic', model: 'flux-pro', style: 'Photorealistic', ratio: '16:9' };
    const response = await t.generate(body, { prefer: 'respond-async' });
    expect(response.status).toBe(202);
    expect(response.headers.get('preference-applied')).toBe('respond-async');
    expect(rateLimitOf(response)).toMatchObject({ limit: 5, remaining: 4 });
    const submitted = await response.json();
    expect(response.headers.get('location')).toBe(`/api/jobs/${submitted.id}`);
    expect(submitted).toMatchObject({ id: expect.stringMatching(/^job_[A-Za-z0-9_-]{24}$/), kind: 'generate', status: 'running', progress: 0 });
    expect(await usage(t)).toBe(1);

    const { job } = await watchJob(t.fetch, submitted.id);
    expect(job).toMatchObject({ status: 'succeeded', progress: 1, stage: 'done', created_at: submitted.created_at });
    const sync = await (await t.generate(body)).json();
    // The same shape as the synchronous answer, field for field.
    expect(Object.keys(job.result).sort()).toEqual(Object.keys(sync).sort());
    expect(job.result).toMatchObject({ success: true, model: 'flux-pro', ratio: '16:9', usage: 1, remaining: 4, width: 1344, height: 768, provider: 'local' });
    const image = await fetch(job.result.url);
    expect(image.status).toBe(200);
    expect((await sharp(Buffer.from(await image.arrayBuffer())).metadata()).width).toBe(1344);
    expect(await usage(t)).toBe(2);
  });

  it('runs an enhance as a job whose progress is its tiles, rising to 1, with the sync body as its result', async () => {
    await using t = await startTestServer({ env: TILED });
    const bytes = await photo(160, 128, 'png');
    const response = await enhanceJob(t, bytes, { strength: '7', scale: '2' });
    expect(response.status).toBe(202);
    const submitted = await response.json();
    expect(submitted).toMatchObject({ kind: 'enhance', status: expect.stringMatching(/^(queued|running)$/) });
    const { job, seen } = await watchJob(t.fetch, submitted.id);
    expect(job.status).toBe('succeeded');
    const progress = seen.map((snapshot) => snapshot.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    // Seen part-way at least once: the progress is the tiles, not a jump from 0 to 1.
    expect(progress.some((value) => value > 0 && value < 1)).toBe(true);
    expect(seen.some((snapshot) => snapshot.stage === 'upscaling')).toBe(true);
    expect(job.result).toMatchObject({ success: true, original_size: '160x128', enhanced_size: '320x256', scale: 2, strength: 7, usage: 1 });
    const sync = await (await t.fetch('/api/enhance', { method: 'POST', body: uploadForm(bytes, { strength: '7', scale: '2' }) })).json();
    expect(Object.keys(job.result).sort()).toEqual(Object.keys(sync).sort());
    expect((await sharp(Buffer.from(await (await fetch(job.result.url)).arrayBuffer())).metadata()).width).toBe(320);
  });

  it("reports a provider's own status as the stage while it polls", async () => {
    const fake = await FakeProviderServer.start();
    try {
      installProviders(fake, await sharp({ create: { width: 64, height: 64, channels: 3, background: '#336699' } }).png().toBuffer());
      // BFL says Pending until the test has seen the job say so.
      let released = false;
      fake.route('GET /bfl/get_result', () =>
        released ? { json: { id: 'x', status: 'Ready', result: { sample: `${fake.url}/cdn/result.png` } } } : { json: { id: 'x', status: 'Pending' } },
      );
      await using t = await startTestServer({ env: { ...providerEnvironment(fake, ['bfl']), AIPHOTO_POLL_INTERVAL_MS: '20' } });
      const submitted = await (await t.generate({ prompt: 'a fox', model: 'flux-pro' }, { prefer: 'respond-async' })).json();
      const pending = await watchJob(t.fetch, submitted.id, { until: (snapshot) => snapshot.stage === 'bfl: Pending' });
      expect(pending.job).toMatchObject({ status: 'running', progress: 0 });
      released = true;
      const { job } = await watchJob(t.fetch, submitted.id);
      expect(job).toMatchObject({ status: 'succeeded', result: { provider: 'bfl' } });
    } finally {
      await fake.close();
    }
  });

  it("lists the caller's jobs newest first, by status", async () => {
    await using t = await startTestServer();
    const first = await (await t.generate({ prompt: 'one' }, { prefer: 'respond-async' })).json();
    await watchJob(t.fetch, first.id);
    const second = await (await t.generate({ prompt: 'two' }, { prefer: 'respond-async' })).json();
    await watchJob(t.fetch, second.id);
    const listed = await (await t.fetch('/api/jobs')).json();
    expect(listed.jobs.map((job: { id: string }) => job.id)).toEqual([second.id, first.id]);
    expect((await (await t.fetch('/api/jobs?status=succeeded&limit=1')).json()).jobs.map((job: { id: string }) => job.id)).toEqual([second.id]);
    expect((await (await t.fetch('/api/jobs?status=running')).json()).jobs).toEqual([]);
    const refused = await t.fetch('/api/jobs?limit=1000');
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('cancels a running enhance between tiles (charged: a worker had begun) and a queued one (refunded)', async () => {
    await using t = await startTestServer({ env: TILED });
    const running = await (await enhanceJob(t, await photo(256, 256, 'png'), { scale: '2' })).json();
    const queued = await (await enhanceJob(t, await photo(64, 64, 'png'), { scale: '2' })).json();
    await watchJob(t.fetch, running.id, { until: (job) => job.status === 'running' && job.progress > 0 });
    expect((await watchJob(t.fetch, queued.id, { until: () => true })).job.status).toBe('queued');
    expect(await usage(t)).toBe(2);

    const canceledQueued = await (await t.fetch(`/api/jobs/${queued.id}`, { method: 'DELETE' })).json();
    expect(canceledQueued).toMatchObject({ status: 'canceled', refunded: true });
    const response = await t.fetch(`/api/jobs/${running.id}`, { method: 'DELETE' });
    expect(response.status).toBe(200);
    const canceled = await response.json();
    expect(canceled).toMatchObject({ status: 'canceled', refunded: false });
    expect(canceled.progress).toBeLessThan(1);
    expect(canceled.result).toBeUndefined();
    expect(await usage(t)).toBe(1);

    // The worker is free again at once: the next enhancement runs and finishes.
    const next = await t.fetch('/api/enhance', { method: 'POST', body: uploadForm(await photo(32, 32, 'png'), { scale: '2' }) });
    expect(next.status).toBe(200);
    // A finished job cancelled again is answered as it is.
    expect(await (await t.fetch(`/api/jobs/${running.id}`, { method: 'DELETE' })).json()).toMatchObject({ status: 'canceled', progress: canceled.progress });
  });

  it('serves the same jobs to the typed tRPC client', async () => {
    await using t = await startTestServer();
    const client = createTRPCClient<AppRouter>({ links: [httpLink({ url: `${t.baseUrl}/trpc` })] });
    const submitted = await client.generateJob.mutate({ prompt: 'a lighthouse', ratio: '9:16' });
    expect(submitted).toMatchObject({ kind: 'generate', status: 'running' });
    let job = await client.job.query({ id: submitted.id });
    for (let i = 0; i < 200 && job.status === 'running'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      job = await client.job.query({ id: submitted.id });
    }
    expect(job).toMatchObject({ status: 'succeeded', result: { ratio: '9:16', width: 768, height: 1344 } });
    expect((await client.jobs.query({})).jobs.map((listed) => listed.id)).toEqual([submitted.id]);
    const form = uploadForm(await photo(32, 32, 'png'), { scale: '2' });
    const enhancing = await client.enhanceJob.mutate(form);
    expect(enhancing.kind).toBe('enhance');
    const ended = await client.cancelJob.mutate({ id: enhancing.id });
    expect(['canceled', 'succeeded']).toContain(ended.status);
  });
});

describe('jobs: idempotency keys', () => {
  it('replays the same job (as it is now) for the same key and body, charging once, even 20 at a time', async () => {
    await using t = await startTestServer({ env: { AIPHOTO_FREE_DAILY_LIMIT: '50' } });
    const headers = { prefer: 'respond-async', 'idempotency-key': 'order-42' };
    const answers = await Promise.all(Array.from({ length: 20 }, () => t.generate({ prompt: 'a red fox' }, headers)));
    const accepted = answers.filter((answer) => answer.status === 202);
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    expect(answers.every((answer) => answer.status === 202 || answer.status === 409)).toBe(true);
    const ids = new Set(await Promise.all(accepted.map(async (answer) => (await answer.json()).id)));
    expect(ids.size).toBe(1);
    const [id] = [...ids];
    await watchJob(t.fetch, id!);
    const replay = await t.generate({ prompt: 'a red fox' }, headers);
    expect(replay.status).toBe(202);
    expect(await replay.json()).toMatchObject({ id, status: 'succeeded', result: { usage: 1 } });
    expect(await usage(t)).toBe(1);
    const mismatch = await t.generate({ prompt: 'a blue fox' }, headers);
    expect(mismatch.status).toBe(422);
    expect(await mismatch.json()).toMatchObject({ error: 'idempotency_mismatch' });
    // A synchronous request is another request, even with the same body.
    expect((await t.generate({ prompt: 'a red fox' }, { 'idempotency-key': 'order-42' })).status).toBe(422);
    expect(await usage(t)).toBe(1);
  });
});

describe('jobs: refusals at submission', () => {
  let fake: FakeProviderServer;
  beforeAll(async () => {
    fake = await FakeProviderServer.start();
  });
  afterAll(() => fake.close());

  it('answers validation, content filter and quota refusals as the sync call does, with no job and no charge', async () => {
    await using t = await startTestServer({ env: { AIPHOTO_FREE_DAILY_LIMIT: '1' } });
    const async = { prefer: 'respond-async' };
    const cases: [unknown, number, string][] = [
      [{ prompt: '' }, 400, 'invalid_prompt'],
      [{ prompt: 'x'.repeat(10_000) }, 400, 'invalid_prompt'],
      [{ prompt: 'a fox', model: 'nope' }, 400, 'invalid_model'],
      [{ prompt: 'explicit porn' }, 422, 'content_filtered'],
    ];
    for (const [body, status, code] of cases) {
      const response = await t.generate(body, async);
      expect(response.status).toBe(status);
      expect(await response.json()).toMatchObject({ success: false, error: code });
    }
    // The body guards stand in front of jobs too, whatever the letter case of the media type.
    const huge = await t.fetch('/api/generate', { method: 'POST', headers: { 'content-type': 'APPLICATION/JSON', prefer: 'RESPOND-ASYNC' }, body: JSON.stringify({ prompt: 'x', pad: 'y'.repeat(100_000) }) });
    expect(huge.status).toBe(413);
    const text = await t.fetch('/api/generate', { method: 'POST', headers: { 'content-type': 'text/plain', prefer: 'respond-async' }, body: 'a fox' });
    expect(text.status).toBe(415);
    expect(await text.json()).toMatchObject({ error: 'unsupported_media_type' });
    const corrupt = await enhanceJob(t, new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
    expect(corrupt.status).toBe(400);
    expect(await corrupt.json()).toMatchObject({ error: 'invalid_image' });
    expect((await (await t.fetch('/api/jobs')).json()).jobs).toEqual([]);
    expect((await t.generate({ prompt: 'a fox' }, async)).status).toBe(202);
    const limited = await t.generate({ prompt: 'a fox' }, async);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await (await t.fetch('/api/jobs')).json()).jobs).toHaveLength(1);
  });

  it('ends a job failed, with the error envelope and its unit refunded, when every provider fails', async () => {
    fake.route('POST /openai/images/generations', { status: 500, json: { error: { message: 'boom' } } });
    await using t = await startTestServer({ env: { ...providerEnvironment(fake, ['openai']), AIPHOTO_LOCAL_PROVIDER: 'off' } });
    const submitted = await (await t.generate({ prompt: 'a fox', model: 'dall-e-3' }, { prefer: 'respond-async' })).json();
    const { job } = await watchJob(t.fetch, submitted.id);
    expect(job).toMatchObject({ status: 'failed', refunded: true, error: { error: 'generation_failed', message: expect.stringContaining('dall-e-3') } });
    expect(job.result).toBeUndefined();
    expect(await usage(t)).toBe(0);
  });
});
