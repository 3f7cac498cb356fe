import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeDataDir } from './testing/harness.ts';
import { startProcess } from './testing/process.ts';
import { FakeProviderServer, installProviders, providerEnvironment } from '@aiphoto/core/testing';

describe('graceful shutdown on SIGTERM', () => {
  let fake: FakeProviderServer;
  beforeAll(async () => {
    fake = await FakeProviderServer.start();
    installProviders(fake, await sharp({ create: { width: 64, height: 64, channels: 3, background: '#123456' } }).png().toBuffer());
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.requests.length = 0;
  });

  const env = (dataDir: string, extra: Record<string, string>) => ({
    ...providerEnvironment(fake, ['bfl']),
    AIPHOTO_DATA_DIR: dataDir,
    AIPHOTO_POLL_INTERVAL_MS: '5',
    ...extra,
  });
  const generate = (url: string) =>
    fetch(`${url}/api/generate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt: 'a fox', model: 'flux-pro' }) });

  it('lets a slow generation finish, then exits 0', async () => {
    // BFL answers its poll only after 1.5 s.
    fake.route('GET /bfl/get_result', async () => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      return { json: { id: 'x', status: 'Ready', result: { sample: `${fake.url}/cdn/result.png` } } };
    });
    const server = await startProcess(env(makeDataDir(), { AIPHOTO_SHUTDOWN_TIMEOUT_MS: '10000' }));
    const pending = generate(server.url);
    await expect.poll(() => fake.calls('GET /bfl/get_result').length).toBeGreaterThan(0);
    server.child.kill('SIGTERM');
    const response = await pending;
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ provider: 'bfl', usage: 1 });
    expect(await server.exited).toBe(0);
    expect(server.output()).toContain('shutting down: finishing in-flight requests');
  });

  it('cancels and refunds work still running at the deadline, then exits 0', async () => {
    fake.route('GET /bfl/get_result', { hang: true });
    const dataDir = makeDataDir();
    const server = await startProcess(env(dataDir, { AIPHOTO_SHUTDOWN_TIMEOUT_MS: '300' }));
    const pending = generate(server.url);
    await expect.poll(() => fake.calls('GET /bfl/get_result').length).toBeGreaterThan(0);
    server.child.kill('SIGTERM');
    const response = await pending;
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: 'service_unavailable' });
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await server.exited).toBe(0);
    await expect.poll(() => fake.calls('GET /bfl/get_result').at(-1)!.aborted).toBe(true);

    const restarted = await startProcess(env(dataDir, {}));
    try {
      expect(await (await fetch(`${restarted.url}/api/status`)).json()).toMatchObject({ usage_today: 0 });
    } finally {
      restarted.child.kill('SIGTERM');
      await restarted.exited;
    }
  });
});
