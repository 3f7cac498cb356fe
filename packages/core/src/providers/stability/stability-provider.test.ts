import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { FakeProviderServer, fixture } from '../../testing/fake-provider-server.ts';
import { TEST_API_KEY, describeProviderContract } from '../../testing/provider-contract.ts';
import { StabilityImageProvider } from './stability-provider.ts';

const ROUTE = 'POST /api/v2beta/stable-image/generate/sd3';
const image = (pngBase64: string, reason = 'SUCCESS') =>
  fixture(import.meta.url, 'stability-image.json', { PNG_BASE64: pngBase64, FINISH_REASON: reason });
const error = (name: string, message: string) => fixture(import.meta.url, 'stability-error.json', { NAME: name, MESSAGE: message });

describeProviderContract({
  name: 'stability',
  model: 'stable-diffusion-xl-1024-v1-0',
  upstreamModel: 'sd3.5-large',
  size: { width: 1344, height: 768 },
  create: (settings) => new StabilityImageProvider(settings),
  scenarios: {
    happy: ({ server, pngBase64 }) => server.route(ROUTE, { json: image(pngBase64) }),
    // v2beta refuses a flagged prompt with 403, and answers a filtered output with a blurred
    // image and finish_reason CONTENT_FILTERED.
    moderation: {
      'finish_reason CONTENT_FILTERED': ({ server, pngBase64 }) => server.route(ROUTE, { json: image(pngBase64, 'CONTENT_FILTERED') }),
      '403 content_moderation': ({ server }) =>
        server.route(ROUTE, {
          status: 403,
          json: error('content_moderation', 'Your request was flagged by our content moderation system, as a result your request was denied and you were not charged.'),
        }),
    },
    failure: ({ server }, status) =>
      server.route(ROUTE, { status, json: status === 429 ? error('rate_limit_exceeded', 'You have exceeded the rate limit.') : error('internal_error', 'An unexpected server error occurred.') }),
    hang: ({ server }) => server.route(ROUTE, { hang: true }),
    malformed: ({ server }) => server.route(ROUTE, { body: 'upstream connect error or disconnect/reset before headers' }),
    notImage: ({ server }) => server.route(ROUTE, { json: image(Buffer.from('not an image at all').toString('base64')) }),
  },
  assertRequests: (server) => {
    const [call] = server.calls(ROUTE);
    expect(call!.headers.authorization).toBe(`Bearer ${TEST_API_KEY}`);
    expect(call!.headers.accept).toBe('application/json');
    expect(call!.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(call!.body).toEqual({
      prompt: expect.stringMatching(/^a lighthouse at dusk, watercolor painting/),
      model: 'sd3.5-large',
      aspect_ratio: '16:9',
      output_format: 'png',
    });
  },
});

describe('stability style presets', () => {
  it("sends Stability's own preset where a style has one, and the suffix either way", async () => {
    const server = await FakeProviderServer.start();
    try {
      const png = await sharp({ create: { width: 1024, height: 1024, channels: 3, background: '#000' } }).png().toBuffer();
      server.route(ROUTE, { json: image(png.toString('base64')) });
      const provider = new StabilityImageProvider({ apiKey: TEST_API_KEY, baseUrl: `${server.url}/api`, attemptTimeoutMs: 2000, pollIntervalMs: 5 });
      await provider.generate({ model: 'stable-diffusion-xl-1024-v1-0', upstreamModel: 'sd3.5-large', prompt: 'a fox', style: 'Anime', ratio: '1:1' });
      await provider.generate({ model: 'stable-diffusion-xl-1024-v1-0', upstreamModel: 'sd3.5-large', prompt: 'a fox', style: 'Oil Painting', ratio: '9:16' });
      const [anime, oil] = server.calls(ROUTE);
      expect(anime!.body).toMatchObject({ style_preset: 'anime', aspect_ratio: '1:1', prompt: 'a fox, anime style, cel shading, vibrant colours' });
      expect(oil!.body.style_preset).toBeUndefined();
      expect(oil!.body).toMatchObject({ aspect_ratio: '9:16' });
    } finally {
      await server.close();
    }
  });
});
