import { describe, expect, it } from 'vitest';
import { ContentFilteredError, GenerationFailedError } from '../errors.ts';
import { ProviderError, type ImageProvider } from './image-provider.ts';
import { ProviderRouter } from './router.ts';

type Outcome = 'ok' | 'retryable' | 'fatal' | 'moderation' | 'hang';

function provider(id: string, outcomes: Outcome[]) {
  const calls: number[] = [];
  const instance: ImageProvider & { calls: number[] } = {
    id,
    calls,
    async generate(request) {
      const outcome = outcomes[Math.min(calls.length, outcomes.length - 1)]!;
      calls.push(Date.now());
      if (outcome === 'ok') return { image: { bytes: new Uint8Array([1]), mediaType: 'image/png', width: 1, height: 1 }, warnings: [] };
      if (outcome === 'hang') {
        return new Promise((_, reject) => request.abortSignal?.addEventListener('abort', () => reject(request.abortSignal!.reason)));
      }
      throw new ProviderError({ provider: id, kind: outcome, message: `${outcome} failure`, statusCode: 500 });
    },
  };
  return instance;
}

const request = { model: 'flux-pro' as const, prompt: 'a fox', style: 'Photorealistic' as const, ratio: '1:1' as const };
const serving = (providers: ImageProvider[]) => providers.map((provider) => ({ provider, upstreamModel: `${provider.id}-model` }));
const router = (providers: ImageProvider[], options = {}) => new ProviderRouter(new Map([['flux-pro', serving(providers)]]), options);

describe('ProviderRouter', () => {
  it('passes seed and negative prompt only to a candidate that honours them, and warns for each it dropped', async () => {
    const seen: unknown[] = [];
    const recording = (id: string): ImageProvider => ({
      id,
      async generate(request) {
        seen.push({ seed: request.seed, negativePrompt: request.negativePrompt, upstreamModel: request.upstreamModel, options: request.options });
        return { image: { bytes: new Uint8Array([1]), mediaType: 'image/png', width: 1, height: 1 }, warnings: [{ setting: 'size', details: 'own' }] };
      },
    });
    const chain = (capabilities: { seed: boolean; negativePrompt: boolean }) =>
      new ProviderRouter(new Map([['flux-pro', [{ provider: recording('p'), upstreamModel: 'up', options: { steps: 4 }, capabilities }]]]));
    const full = await chain({ seed: true, negativePrompt: true }).generate({ ...request, seed: 0, negativePrompt: 'fog' });
    expect([full.seed, full.warnings, full.upstreamModel]).toEqual([0, [{ setting: 'size', details: 'own' }], 'up']);
    const bare = await chain({ seed: false, negativePrompt: false }).generate({ ...request, seed: 7, negativePrompt: 'fog' });
    expect(bare.seed).toBeUndefined();
    expect(bare.warnings.map((warning) => warning.setting)).toEqual(['seed', 'negative_prompt', 'size']);
    expect(seen).toEqual([
      { seed: 0, negativePrompt: 'fog', upstreamModel: 'up', options: { steps: 4 } },
      { seed: undefined, negativePrompt: undefined, upstreamModel: 'up', options: { steps: 4 } },
    ]);
  });

  it('resolves ids and aliases case-insensitively when given an alias table, exact ids otherwise', () => {
    const aliased = new ProviderRouter(new Map([['dall-e-3', []]]), { aliases: new Map([['dall-e-3', 'dall-e-3'], ['gpt-image-1', 'dall-e-3']]) });
    expect([aliased.resolve('GPT-Image-1'), aliased.resolve('Dall-E-3'), aliased.resolve('nope')]).toEqual(['dall-e-3', 'dall-e-3', undefined]);
    const plain = new ProviderRouter(new Map([['dall-e-3', []]]));
    expect([plain.resolve('dall-e-3'), plain.resolve('DALL-E-3')]).toEqual(['dall-e-3', undefined]);
  });

  it('tells which provider it is about to ask, each in turn, and keeps that hook from the providers', async () => {
    const attempts: unknown[] = [];
    const failing = provider('a', ['retryable']);
    const seenKeys: string[] = [];
    const working: ImageProvider = {
      id: 'b',
      async generate(request) {
        seenKeys.push(...Object.keys(request));
        return { image: { bytes: new Uint8Array([1]), mediaType: 'image/png', width: 1, height: 1 }, warnings: [] };
      },
    };
    await router([failing, working]).generate({ ...request, onAttempt: (attempt) => attempts.push(attempt) });
    expect(attempts).toEqual([
      { provider: 'a', upstreamModel: 'a-model' },
      { provider: 'b', upstreamModel: 'b-model' },
    ]);
    expect(seenKeys).not.toContain('onAttempt');
  });

  it('returns the first candidate that succeeds, naming it', async () => {
    const first = provider('first', ['retryable']);
    const second = provider('second', ['ok']);
    expect((await router([first, second]).generate(request)).provider).toBe('second');
    expect([first.calls.length, second.calls.length]).toEqual([1, 1]);
  });

  it('moves on after a non-retryable failure too (another provider may accept the request)', async () => {
    const second = provider('second', ['ok']);
    expect((await router([provider('first', ['fatal']), second]).generate(request)).provider).toBe('second');
  });

  it('stops at moderation with content_filtered', async () => {
    const second = provider('second', ['ok']);
    await expect(router([provider('first', ['moderation']), second]).generate(request)).rejects.toBeInstanceOf(ContentFilteredError);
    expect(second.calls).toHaveLength(0);
  });

  it('answers generation_failed naming the model, and nothing of the providers, when all fail', async () => {
    const error = await router([provider('first', ['retryable']), provider('second', ['fatal'])]).generate(request).catch((e) => e);
    expect(error).toBeInstanceOf(GenerationFailedError);
    expect(error.message).toContain('"flux-pro"');
    expect(error.message).not.toMatch(/first|second|500|failure/);
  });

  it('answers generation_failed when the overall deadline passes', async () => {
    const error = await router([provider('slow', ['hang'])], { timeoutMs: 50 }).generate(request).catch((e) => e);
    expect(error).toBeInstanceOf(GenerationFailedError);
    expect(error.message).toContain('too long');
  });

  it("rethrows the caller's abort as is, so the request is not reported as a provider failure", async () => {
    const controller = new AbortController();
    const pending = router([provider('slow', ['hang']), provider('never', ['ok'])]).generate({ ...request, abortSignal: controller.signal });
    controller.abort(new Error('client went away'));
    await expect(pending).rejects.toThrow('client went away');
  });

  it('skips a provider that keeps failing, then tries it again after the cooldown', async () => {
    let now = 1_000_000;
    const flaky = provider('flaky', ['retryable']);
    const steady = provider('steady', ['ok']);
    const chain = router([flaky, steady], { breakerThreshold: 3, breakerCooldownMs: 30_000, clock: () => now });
    for (let i = 0; i < 3; i++) await chain.generate(request);
    expect(flaky.calls).toHaveLength(3);
    await chain.generate(request);
    await chain.generate(request);
    expect(flaky.calls).toHaveLength(3);
    now += 30_001;
    await chain.generate(request);
    expect(flaky.calls).toHaveLength(4);
    await chain.generate(request);
    expect(flaky.calls).toHaveLength(4);
  });

  it('closes the breaker again once the provider succeeds', async () => {
    let now = 0;
    const recovering = provider('recovering', ['retryable', 'retryable', 'ok', 'retryable', 'retryable', 'ok']);
    const chain = router([recovering, provider('backup', ['ok'])], { breakerThreshold: 3, clock: () => now });
    for (let i = 0; i < 6; i++) await chain.generate(request);
    expect(recovering.calls).toHaveLength(6);
  });

  it('uses a 3-failure threshold and a 30 s cooldown by default, half-open afterwards', async () => {
    let now = 5_000_000;
    const flaky = provider('flaky', ['retryable']);
    const chain = router([flaky, provider('steady', ['ok'])], { clock: () => now });
    for (let i = 0; i < 3; i++) await chain.generate(request);
    await chain.generate(request);
    expect(flaky.calls).toHaveLength(3);
    now += 29_999;
    await chain.generate(request);
    expect(flaky.calls).toHaveLength(3);
    now += 2;
    await chain.generate(request);
    expect(flaky.calls).toHaveLength(4);
    // Half-open: one more failure reopens it at once.
    await chain.generate(request);
    expect(flaky.calls).toHaveLength(4);
  });

  it("describes each model's candidates in order, and says when a model has none", async () => {
    const chain = new ProviderRouter(new Map([['flux-pro', serving([provider('a', ['ok']), provider('b', ['ok'])])], ['dall-e-3', []]]));
    expect(chain.describe()).toEqual({ 'flux-pro': ['a', 'b'], 'dall-e-3': [] });
    const error = await chain.generate({ ...request, model: 'dall-e-3' }).catch((e) => e);
    expect(error).toBeInstanceOf(GenerationFailedError);
    expect(error.message).toBe('No image provider is configured for model "dall-e-3"; try another model or ask the operator to configure one.');
  });

  it('reports each attempt to the observer and the log, wrapping a thrown non-provider error as retryable', async () => {
    const attempts: { provider: string; outcome: string; seconds: number }[] = [];
    const warnings: { fields: Record<string, unknown>; message: string }[] = [];
    const crashing: ImageProvider = {
      id: 'crashing',
        async generate() {
        throw new TypeError('undefined is not a function');
      },
    };
    const chain = router([crashing, provider('ok', ['ok'])], {
      observer: { providerAttempt: (event: { provider: string; outcome: string; seconds: number }) => attempts.push(event) },
      logger: { warn: (fields: Record<string, unknown>, message: string) => warnings.push({ fields, message }) },
    });
    expect((await chain.generate(request)).provider).toBe('ok');
    expect(attempts.map(({ provider: id, outcome }) => [id, outcome])).toEqual([
      ['crashing', 'retryable'],
      ['ok', 'success'],
    ]);
    for (const attempt of attempts) expect(attempt.seconds).toBeGreaterThanOrEqual(0);
    for (const attempt of attempts) expect(attempt.seconds).toBeLessThan(5);
    expect(warnings).toEqual([
      {
        message: 'image provider failed',
        fields: expect.objectContaining({ provider: 'crashing', model: 'flux-pro', kind: 'retryable', err: 'TypeError: undefined is not a function' }),
      },
    ]);
  });

  it('says which provider refused, and why, when moderation stops the chain', async () => {
    const error = await router([provider('strict', ['moderation'])]).generate(request).catch((e) => e);
    expect(error).toBeInstanceOf(ContentFilteredError);
    expect(error.message).toBe("The prompt was rejected by the image provider's content moderation; rephrase it and try again.");
    expect(error.cause).toMatchObject({ provider: 'strict', kind: 'moderation' });
  });
});
