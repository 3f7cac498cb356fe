import { createCoreServices, loadConfig, type Caller } from '@aiphoto/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Context } from '../context.ts';
import { createCaller } from '../router.ts';
import { makeDataDir, procedureContext } from '../testing/harness.ts';

describe('generate procedure (no HTTP)', () => {
  let services: Awaited<ReturnType<typeof createCoreServices>>;
  let context: Context;
  const caller: Caller = { plan: 'free', account: { subject: 'ip:192.0.2.1', limit: 2 } };

  beforeEach(async () => {
    services = await createCoreServices(loadConfig({ AIPHOTO_DATA_DIR: makeDataDir() }), {});
    context = await procedureContext(services, caller);
  });
  afterEach(() => services.close());

  it('returns an absolute URL on the given origin and reports the quota it left for the headers', async () => {
    const result = await createCaller(context).generate({ prompt: 'a harbour', style: 'watercolor' });
    expect(result).toMatchObject({ style: 'Watercolor', usage: 1, remaining: 1, provider: 'local' });
    expect(result.url).toMatch(/^https:\/\/img\.example\.com\/images\/[A-Za-z0-9_-]{24}\.png$/);
    expect(context.outcome.quota).toMatchObject({ used: 1, remaining: 1, limit: 2 });
  });

  it('reports no quota when the input is refused before any work', async () => {
    await expect(createCaller(context).generate({ prompt: '' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(context.outcome.quota).toBeUndefined();
  });

  it('does not charge when the client has already gone away', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(createCaller({ ...context, signal: controller.signal }).generate({ prompt: 'a harbour' })).rejects.toThrow();
    expect((await services.quota.snapshot(caller.account)).used).toBe(0);
  });
});
