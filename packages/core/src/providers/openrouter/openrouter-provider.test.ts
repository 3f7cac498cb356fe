import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { FakeProviderServer, fixture } from '../../testing/fake-provider-server.ts';
import { TEST_API_KEY, describeProviderContract } from '../../testing/provider-contract.ts';
import { OpenRouterImageProvider } from './openrouter-provider.ts';

const ROUTE = 'POST /api/chat/completions';
const image = (pngBase64: string) => fixture(import.meta.url, 'openrouter-image.json', { PNG_BASE64: pngBase64 });

describeProviderContract({
  name: 'openrouter',
  model: 'flux-2-pro',
  upstreamModel: 'black-forest-labs/flux.2-pro',
  size: { width: 1344, height: 768 },
  create: (settings) => new OpenRouterImageProvider(settings),
  scenarios: {
    happy: ({ server, pngBase64 }) => server.route(ROUTE, { json: image(pngBase64) }),
    moderation: {
      '403 with metadata.reasons': ({ server }) => server.route(ROUTE, { status: 403, json: fixture(import.meta.url, 'openrouter-moderation.json') }),
    },
    failure: ({ server }, status) => server.route(ROUTE, { status, json: fixture(import.meta.url, 'openrouter-error.json') }),
    hang: ({ server }) => server.route(ROUTE, { hang: true }),
    malformed: ({ server }) => server.route(ROUTE, { body: ': OPENROUTER PROCESSING\n\n{"choices": [' }),
    notImage: ({ server }) => server.route(ROUTE, { json: image(Buffer.from('<svg/>').toString('base64')) }),
  },
  assertRequests: (server) => {
    const [call] = server.calls(ROUTE);
    expect(call!.headers.authorization).toBe(`Bearer ${TEST_API_KEY}`);
    expect(call!.body).toEqual({
      model: 'black-forest-labs/flux.2-pro',
      messages: [{ role: 'user', content: expect.stringMatching(/^a lighthouse at dusk, watercolor painting/) }],
      modalities: ['image', 'text'],
      image_config: { aspect_ratio: '16:9' },
      stream: false,
    });
  },
});

describe('openrouter specifics', () => {
  it('keeps the cost OpenRouter reports, and fails over when a model answers in text only', async () => {
    const server = await FakeProviderServer.start();
    try {
      const png = await sharp({ create: { width: 1024, height: 1024, channels: 3, background: '#123' } }).png().toBuffer();
      server.route(ROUTE, { json: image(png.toString('base64')) });
      const provider = new OpenRouterImageProvider({ apiKey: TEST_API_KEY, baseUrl: `${server.url}/api`, attemptTimeoutMs: 2_000, pollIntervalMs: 5 });
      const request = { model: 'flux-2-pro', upstreamModel: 'black-forest-labs/flux.2-pro', prompt: 'a fox', style: 'Anime' as const, ratio: '1:1' as const };
      expect((await provider.generate(request)).costUsd).toBe(0.03);
      server.route(ROUTE, { json: { choices: [{ message: { role: 'assistant', content: 'I cannot draw that.' } }], usage: { cost: 0 } } });
      await expect(provider.generate(request)).rejects.toMatchObject({ kind: 'retryable', message: 'answered without an image' });
    } finally {
      await server.close();
    }
  });
});
