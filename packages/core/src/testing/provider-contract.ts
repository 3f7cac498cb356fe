import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ModelId } from '../catalog.ts';
import { ContentFilteredError } from '../errors.ts';
import type { ProviderSettings } from '../providers/http.ts';
import { ProviderError, type ImageGenerationRequest, type ImageProvider } from '../providers/image-provider.ts';
import { ProviderRouter } from '../providers/router.ts';
import { FakeProviderServer, type RecordedRequest } from './fake-provider-server.ts';

export const TEST_API_KEY = 'test-provider-key-never-sent-to-cdn';

export interface ScenarioContext {
  server: FakeProviderServer;
  /** The PNG the fake provider returns, as bytes and base64, and where its CDN serves it. */
  png: Buffer;
  pngBase64: string;
  imageUrl: string;
}

export interface ProviderScenarios {
  /** A successful generation, in the provider's wire format. */
  happy(context: ScenarioContext): void;
  /** Each way the provider's documentation says its own moderation refuses a prompt. */
  moderation: Record<string, (context: ScenarioContext) => void>;
  /** The first call answers with this HTTP status and the provider's error body. */
  failure(context: ScenarioContext, status: number): void;
  /** The first call never answers. */
  hang(context: ScenarioContext): void;
  /** The first call answers 200 with a body that is not JSON. */
  malformed(context: ScenarioContext): void;
  /** Everything succeeds, but the image is not an image. */
  notImage(context: ScenarioContext): void;
  /** Async providers: `polls` pending answers before the result. */
  pendingThenReady?(context: ScenarioContext, polls: number): void;
  /** Async providers: pending for ever. */
  neverReady?(context: ScenarioContext): void;
}

export interface ProviderContract {
  name: string;
  model: ModelId;
  /** The provider's own id for the model, as the default catalog names it. */
  upstreamModel: string;
  /** The catalog candidate's options, as the descriptor prepared them. */
  options?: Record<string, unknown>;
  create(settings: ProviderSettings): ImageProvider;
  scenarios: ProviderScenarios;
  /** Asserts what the adapter sent for a 16:9 Watercolor request of "a lighthouse at dusk". */
  assertRequests(server: FakeProviderServer): void;
  /** The size the provider returns for 16:9 (the fake serves an image of this size). */
  size: { width: number; height: number };
}

const request = (contract: ProviderContract, abortSignal?: AbortSignal): ImageGenerationRequest => ({
  model: contract.model,
  upstreamModel: contract.upstreamModel,
  ...(contract.options ? { options: contract.options } : {}),
  prompt: 'a lighthouse at dusk',
  style: 'Watercolor',
  ratio: '16:9',
  ...(abortSignal ? { abortSignal } : {}),
});

/** A second candidate that always works, to observe fallback. */
function backupProvider(model: ModelId) {
  const backup = {
    id: 'backup',
    calls: 0,
    async generate() {
      backup.calls++;
      return { image: { bytes: new Uint8Array([1]), mediaType: 'image/png' as const, width: 1, height: 1 }, warnings: [] };
    },
  };
  return backup;
}

/** Every provider adapter must pass the same behavioural suite over real HTTP. */
export function describeProviderContract(contract: ProviderContract) {
  describe(`${contract.name} adapter (real HTTP to a fake ${contract.name} server)`, () => {
    let server: FakeProviderServer;
    let context: ScenarioContext;
    const settings = (overrides: Partial<ProviderSettings> = {}): ProviderSettings => ({
      apiKey: TEST_API_KEY,
      baseUrl: `${server.url}/api`,
      attemptTimeoutMs: 2_000,
      pollIntervalMs: 5,
      ...overrides,
    });
    const withBackup = (provider: ImageProvider) => {
      const backup = backupProvider(contract.model);
      return { backup, router: new ProviderRouter(
          new Map([[contract.model, [{ provider, upstreamModel: contract.upstreamModel, ...(contract.options ? { options: contract.options } : {}) }, { provider: backup, upstreamModel: 'backup-model' }]]]),
          { timeoutMs: 10_000 },
        ) };
    };

    beforeAll(async () => {
      const png = await sharp({ create: { ...contract.size, channels: 3, background: '#3a6ea5' } }).png().toBuffer();
      server = await FakeProviderServer.start();
      context = { server, png, pngBase64: png.toString('base64'), imageUrl: `${server.url}/cdn/result.png?se=2026-11-25&sig=signed` };
    });
    afterAll(() => server.close());
    beforeEach(() => {
      server.requests.length = 0;
      server.route('GET /cdn/result.png', { body: context.png, headers: { 'content-type': 'image/png' } });
    });

    it('generates over HTTP, sending the documented request, and returns the verified image', async () => {
      contract.scenarios.happy(context);
      const result = await contract.create(settings()).generate(request(contract));
      expect(Buffer.from(result.image.bytes).equals(context.png)).toBe(true);
      expect(result.image).toMatchObject({ mediaType: 'image/png', ...contract.size });
      contract.assertRequests(server);
      for (const recorded of server.requests.filter((r) => r.path.startsWith('/cdn/'))) {
        expect(recorded.headers.authorization, 'no credentials to the CDN').toBeUndefined();
        expect(recorded.headers['x-key'], 'no credentials to the CDN').toBeUndefined();
      }
    });

    const moderationShapes = Object.entries(contract.scenarios.moderation);

    // Self-hosted servers (AUTOMATIC1111) have no moderation of their own.
    const itModeration = moderationShapes.length > 0 ? it.each(moderationShapes) : () => undefined;

    itModeration("turns the provider's moderation (%s) into content_filtered, without trying the next candidate", async (_shape, refuse) => {
      refuse(context);
      const { router, backup } = withBackup(contract.create(settings()));
      await expect(router.generate(request(contract))).rejects.toBeInstanceOf(ContentFilteredError);
      expect(backup.calls).toBe(0);
    });

    itModeration('keeps serving other prompts after repeated moderation refusals (%s): the breaker stays closed', async (_shape, refuse) => {
      const { router, backup } = withBackup(contract.create(settings()));
      refuse(context);
      for (let i = 0; i < 4; i++) await expect(router.generate(request(contract))).rejects.toBeInstanceOf(ContentFilteredError);
      contract.scenarios.happy(context);
      expect((await router.generate(request(contract))).provider).not.toBe('backup');
      expect(backup.calls).toBe(0);
    });

    it.each([500, 503, 429])('falls back to the next candidate on HTTP %i', async (status) => {
      contract.scenarios.failure(context, status);
      const provider = contract.create(settings());
      await expect(provider.generate(request(contract))).rejects.toMatchObject({ kind: 'retryable', statusCode: status });
      const { router, backup } = withBackup(provider);
      expect((await router.generate(request(contract))).provider).toBe('backup');
      expect(backup.calls).toBe(1);
    });

    it('times out a provider that hangs, and falls back', async () => {
      contract.scenarios.hang(context);
      const provider = contract.create(settings({ attemptTimeoutMs: 200 }));
      await expect(provider.generate(request(contract))).rejects.toMatchObject({ kind: 'retryable', message: 'timed out' });
      const { router } = withBackup(provider);
      expect((await router.generate(request(contract))).provider).toBe('backup');
    });

    it('classifies a body that is not JSON as a retryable failure', async () => {
      contract.scenarios.malformed(context);
      const error = await contract.create(settings()).generate(request(contract)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ kind: 'retryable', message: 'returned a body that is not JSON' });
    });

    it('refuses an "image" that is not one', async () => {
      contract.scenarios.notImage(context);
      const error = await contract.create(settings()).generate(request(contract)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as ProviderError).message).toMatch(/not a PNG, JPEG or WebP/);
    });

    it('stops the provider call when the caller goes away', async () => {
      contract.scenarios.hang(context);
      const controller = new AbortController();
      const pending = contract.create(settings({ attemptTimeoutMs: 10_000 })).generate(request(contract, controller.signal));
      await expect.poll(() => server.requests.length).toBeGreaterThan(0);
      controller.abort(new Error('client went away'));
      await expect(pending).rejects.toThrow('client went away');
      await expect.poll(() => server.requests.at(-1)!.aborted).toBe(true);
    });

    if (contract.scenarios.pendingThenReady) {
      it('polls until the result is ready', async () => {
        contract.scenarios.pendingThenReady!(context, 3);
        const result = await contract.create(settings()).generate(request(contract));
        expect(Buffer.from(result.image.bytes).equals(context.png)).toBe(true);
        const polls = server.requests.filter((r: RecordedRequest) => r.method === 'GET' && !r.path.startsWith('/cdn/'));
        expect(polls.length).toBeGreaterThanOrEqual(4);
      });

      it('gives up on a result that never becomes ready', async () => {
        contract.scenarios.neverReady!(context);
        const provider = contract.create(settings({ attemptTimeoutMs: 300 }));
        await expect(provider.generate(request(contract))).rejects.toMatchObject({ kind: 'retryable', message: 'timed out' });
      });
    }
  });
}
