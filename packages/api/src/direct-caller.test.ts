import { createCoreServices, loadConfig, type Caller } from '@aiphoto/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Context } from './context.ts';
import { createDirectCaller, directProcedure } from './direct-caller.ts';
import { toAIPhotoError } from './errors.ts';
import { procedure } from './procedures.ts';
import { createCaller } from './router.ts';
import { makeDataDir, procedureContext } from './testing/harness.ts';

describe('procedures called directly', () => {
  let services: Awaited<ReturnType<typeof createCoreServices>>;
  const caller: Caller = { plan: 'free', account: { subject: 'ip:192.0.2.7', limit: 3 } };
  const contextNow = (): Promise<Context> => procedureContext(services, caller);

  beforeEach(async () => {
    services = await createCoreServices(loadConfig({ AIPHOTO_DATA_DIR: makeDataDir() }), {});
  });
  afterEach(() => services.close());

  it("answer what tRPC's caller answers, and report the quota they left", async () => {
    expect(await createDirectCaller(await contextNow()).status()).toEqual(await createCaller(await contextNow()).status());
    const direct = await contextNow();
    const viaDirect = await createDirectCaller(direct).generate({ prompt: 'a harbour', style: 'watercolor', mystery: 1 } as never);
    const viaTrpc = await createCaller(await contextNow()).generate({ prompt: 'a harbour', style: 'watercolor', mystery: 1 } as never);
    const { id, url, created_at, usage, remaining, ...same } = viaDirect;
    expect(viaTrpc).toMatchObject({ ...same, usage: usage + 1, remaining: remaining - 1 });
    expect(same.warnings).toEqual(['mystery: not a field of this operation; it was ignored.']);
    expect(direct.outcome.quota).toMatchObject({ used: 1, limit: 3 });
  });

  it('refuse input with the error tRPC would give, before any work', async () => {
    const context = await contextNow();
    const direct = await createDirectCaller(context).generate({ prompt: '   ' }).catch((error: unknown) => error);
    const viaTrpc = await createCaller(await contextNow()).generate({ prompt: '   ' }).catch((error: unknown) => error);
    expect(toAIPhotoError(direct)).toMatchObject({ code: 'invalid_prompt', message: 'prompt must not be empty.' });
    expect(toAIPhotoError(direct)).toEqual(toAIPhotoError(viaTrpc));
    expect(context.outcome.quota).toBeUndefined();
  });

  it('answer server_error, not a malformed body, when an answer breaks its own schema', async () => {
    const broken = directProcedure('broken', procedure.output(z.object({ count: z.number() })).query(() => ({ count: 'many' }) as never));
    await expect(broken(await contextNow(), undefined)).rejects.toMatchObject({ code: 'server_error' });
  });

  it('refuse to stand in for a procedure with a middleware they would skip', () => {
    const guarded = procedure.use(async ({ next }) => next()).query(() => 'secret');
    expect(() => directProcedure('guarded', guarded)).toThrow(/guarded has a middleware the direct caller does not run/);
  });
});
