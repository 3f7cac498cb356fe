import sharp from 'sharp';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeProviderServer, TestRedisServer, installProviders, providerEnvironment } from '@aiphoto/core/testing';
import { makeDataDir, startTestServer } from '../testing/harness.ts';
import { startProcess } from '../testing/process.ts';
import { watchJob } from '../testing/jobs.ts';

let fake: FakeProviderServer;
beforeAll(async () => {
  fake = await FakeProviderServer.start();
  installProviders(fake, await sharp({ create: { width: 64, height: 64, channels: 3, background: '#654321' } }).png().toBuffer());
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.requests.length = 0;
  // BFL never finishes: every job stays running until something ends it.
  fake.route('GET /bfl/get_result', { json: { id: 'x', status: 'Pending' } });
});

const providerEnv = () => ({ ...providerEnvironment(fake, ['bfl']), AIPHOTO_POLL_INTERVAL_MS: '20' });
const submit = (base: string) =>
  fetch(`${base}/api/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', prefer: 'respond-async' },
    body: JSON.stringify({ prompt: 'a fox in the snow', model: 'flux-pro' }),
  });
const fetcher = (base: string) => (pathname: string, init?: RequestInit) => fetch(`${base}${pathname}`, init);
const usageAt = async (base: string) => (await (await fetch(`${base}/api/status`)).json()).usage_today as number;

describe('jobs outlive their process', () => {
  it('ends a job killed with its process (kill -9) failed and refunded once the service is back', async () => {
    const dataDir = makeDataDir();
    const env = { ...providerEnv(), AIPHOTO_DATA_DIR: dataDir, AIPHOTO_JOB_LEASE_MS: '600' };
    const first = await startProcess(env);
    const submitted = await (await submit(first.url)).json();
    await watchJob(fetcher(first.url), submitted.id, { until: (job) => job.stage === 'bfl: Pending' });
    expect(await usageAt(first.url)).toBe(1);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await startProcess(env);
    try {
      const { job } = await watchJob(fetcher(second.url), submitted.id);
      expect(job).toMatchObject({ status: 'failed', refunded: true, error: { error: 'server_error', message: expect.stringContaining('refunded') } });
      expect(await usageAt(second.url)).toBe(0);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });

  it('ends a job still running at the SIGTERM deadline failed and refunded before the process exits', async () => {
    const dataDir = makeDataDir();
    const env = { ...providerEnv(), AIPHOTO_DATA_DIR: dataDir, AIPHOTO_SHUTDOWN_TIMEOUT_MS: '300' };
    const first = await startProcess(env);
    const submitted = await (await submit(first.url)).json();
    await watchJob(fetcher(first.url), submitted.id, { until: (job) => job.stage === 'bfl: Pending' });
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('stopping the jobs still running');

    const second = await startProcess(env);
    try {
      const job = await (await fetch(`${second.url}/api/jobs/${submitted.id}`)).json();
      expect(job).toMatchObject({ status: 'failed', refunded: true, error: { error: 'service_unavailable' } });
      expect(await usageAt(second.url)).toBe(0);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });
});

describe('jobs across instances sharing Redis', () => {
  let redis: TestRedisServer;
  beforeAll(async () => {
    redis = await TestRedisServer.start();
  });
  afterAll(() => redis.stop());

  it('shows every instance the same job, and a cancel sent to one stops the work on the other', async () => {
    const client = new Redis(redis.url);
    await client.flushall();
    client.disconnect();
    const env = { ...providerEnv(), REDIS_URL: redis.url, AIPHOTO_JOB_LEASE_MS: '300' };
    await using a = await startTestServer({ env });
    await using b = await startTestServer({ env });
    const submitted = await (await submit(a.baseUrl)).json();
    await watchJob(a.fetch, submitted.id, { until: (job) => job.stage === 'bfl: Pending' });
    const seenByB = await (await b.fetch(`/api/jobs/${submitted.id}`)).json();
    expect(seenByB).toMatchObject({ id: submitted.id, status: 'running', stage: 'bfl: Pending' });
    expect((await (await b.fetch('/api/jobs')).json()).jobs.map((job: { id: string }) => job.id)).toEqual([submitted.id]);

    const polls = () => fake.calls('GET /bfl/get_result').length;
    expect((await b.fetch(`/api/jobs/${submitted.id}`, { method: 'DELETE' })).status).toBe(200);
    const { job } = await watchJob(b.fetch, submitted.id);
    // The provider had been asked: the caller pays, as for a caller who hangs up.
    expect(job).toMatchObject({ status: 'canceled', refunded: false });
    const pollsAtCancel = polls();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(polls()).toBe(pollsAtCancel);
    expect(await usageAt(a.baseUrl)).toBe(1);
  });

  it('lets another instance end and refund a job whose instance died', async () => {
    const client = new Redis(redis.url);
    await client.flushall();
    client.disconnect();
    const env = { ...providerEnv(), REDIS_URL: redis.url, AIPHOTO_JOB_LEASE_MS: '400' };
    const dying = await startProcess(env);
    await using survivor = await startTestServer({ env });
    const submitted = await (await submit(dying.url)).json();
    await watchJob(survivor.fetch, submitted.id, { until: (job) => job.stage === 'bfl: Pending' });
    dying.child.kill('SIGKILL');
    await dying.exited;
    const { job } = await watchJob(survivor.fetch, submitted.id);
    expect(job).toMatchObject({ status: 'failed', refunded: true });
    expect(await usageAt(survivor.baseUrl)).toBe(0);
  });
});
