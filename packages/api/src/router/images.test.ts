import { UnauthorizedError, createCoreServices, loadConfig, type Caller } from '@aiphoto/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCaller } from '../root.ts';
import { makeDataDir } from '../testing/harness.ts';
import { createInnerContext, type Context } from '../trpc.ts';

describe('generate procedure (no HTTP)', () => {
  let services: Awaited<ReturnType<typeof createCoreServices>>;
  let context: Context;
  const caller: Caller = { plan: 'free', account: { subject: 'ip:192.0.2.1', limit: 2 } };

  beforeEach(async () => {
    services = await createCoreServices(loadConfig({ AIPHOTO_DATA_DIR: makeDataDir() }), {});
    context = createInnerContext({
      services,
      request: { caller, authError: undefined, quota: await services.quota.snapshot(caller.account) },
      signal: new AbortController().signal,
      imageUrl: (fileName) => `https://img.example.com/images/${fileName}`,
    });
  });
  afterEach(() => services.close());

  it('returns an absolute URL under AIPHOTO_PUBLIC_URL and updates the quota the headers are built from', async () => {
    const result = await createCaller(context).generate({ prompt: 'a harbour', style: 'watercolor' });
    expect(result).toMatchObject({ style: 'Watercolor', usage: 1, remaining: 1, provider: 'local' });
    expect(result.url).toMatch(/^https:\/\/img\.example\.com\/images\/[A-Za-z0-9_-]{24}\.png$/);
    expect(context.request.quota).toMatchObject({ used: 1, remaining: 1, limit: 2 });
  });

  it('refuses a caller whose key was refused, before looking at the input', async () => {
    const refused = { ...context, request: { ...context.request, authError: new UnauthorizedError('nope') } };
    await expect(createCaller(refused).generate({ prompt: '' })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('does not charge when the client has already gone away', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(createCaller({ ...context, signal: controller.signal }).generate({ prompt: 'a harbour' })).rejects.toThrow();
    expect((await services.quota.snapshot(caller.account)).used).toBe(0);
  });
});
