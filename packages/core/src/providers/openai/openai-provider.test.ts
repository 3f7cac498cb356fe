import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ContentFilteredError, ServiceUnavailableError } from '../../errors.ts';
import { FakeProviderServer, fixture } from '../../testing/fake-provider-server.ts';
import { openaiImagesToday } from '../../testing/fake-providers.ts';
import { TEST_API_KEY, describeProviderContract } from '../../testing/provider-contract.ts';
import { OpenAIModeration } from './openai-moderation.ts';
import { OpenAIImageProvider } from './openai-provider.ts';

const ROUTE = 'POST /api/images/generations';

describeProviderContract({
  name: 'openai',
  model: 'dall-e-3',
  upstreamModel: 'gpt-image-2',
  size: { width: 1344, height: 768 },
  create: (settings) => new OpenAIImageProvider(settings),
  scenarios: {
    // The fake answers as OpenAI does today: retired models and response_format are refused.
    happy: ({ server, pngBase64 }) => server.route(ROUTE, openaiImagesToday(pngBase64)),
    moderation: {
      content_policy_violation: ({ server }) => server.route(ROUTE, { status: 400, json: fixture(import.meta.url, 'openai-content-policy.json') }),
      moderation_blocked: ({ server }) => server.route(ROUTE, { status: 400, json: fixture(import.meta.url, 'openai-moderation-blocked.json') }),
    },
    failure: ({ server }, status) => server.route(ROUTE, { status, json: fixture(import.meta.url, 'openai-error.json') }),
    hang: ({ server }) => server.route(ROUTE, { hang: true }),
    malformed: ({ server }) => server.route(ROUTE, { body: '{"created": 17138336' }),
    notImage: ({ server }) =>
      server.route(ROUTE, { json: fixture(import.meta.url, 'openai-image.json', { PNG_BASE64: Buffer.from('<html>oops</html>').toString('base64') }) }),
  },
  assertRequests: (server) => {
    const [call] = server.calls(ROUTE);
    expect(call!.headers.authorization).toBe(`Bearer ${TEST_API_KEY}`);
    expect(call!.headers['content-type']).toBe('application/json');
    expect(call!.body).toEqual({
      model: 'gpt-image-2',
      prompt: expect.stringMatching(/^a lighthouse at dusk, watercolor painting/),
      n: 1,
      size: '1344x768',
      quality: 'medium',
      output_format: 'png',
    });
  },
});

describe('OpenAI GPT image models other than gpt-image-2', () => {
  it('asks gpt-image-1.5 for its standard 3:2 size for 16:9 and says so in a warning', async () => {
    const server = await FakeProviderServer.start();
    try {
      const png = await sharp({ create: { width: 1536, height: 1024, channels: 3, background: '#222' } }).png().toBuffer();
      server.route(ROUTE, openaiImagesToday(png.toString('base64')));
      const provider = new OpenAIImageProvider({ apiKey: TEST_API_KEY, baseUrl: `${server.url}/api`, attemptTimeoutMs: 2_000, pollIntervalMs: 5 });
      const result = await provider.generate({ model: 'dall-e-3', upstreamModel: 'gpt-image-1.5', prompt: 'a fox', style: 'Photorealistic', ratio: '16:9' });
      expect(server.calls(ROUTE)[0]!.body).toMatchObject({ model: 'gpt-image-1.5', size: '1536x1024', quality: 'high' });
      expect(result.warnings).toEqual([{ setting: 'size', details: 'gpt-image-1.5 draws 1536x1024 for aspect ratio 16:9.' }]);
      // A retired model is refused by OpenAI: a fatal failure, so the chain moves on.
      await expect(provider.generate({ model: 'dall-e-3', upstreamModel: 'dall-e-3', prompt: 'a fox', style: 'Anime', ratio: '1:1' })).rejects.toMatchObject({
        kind: 'fatal',
        statusCode: 404,
      });
    } finally {
      await server.close();
    }
  });
});

describe('OpenAI moderation (AIPHOTO_MODERATION=openai)', () => {
  let server: FakeProviderServer;
  const moderation = () => new OpenAIModeration({ apiKey: TEST_API_KEY, baseUrl: `${server.url}/api`, attemptTimeoutMs: 500, pollIntervalMs: 5 });
  beforeAll(async () => {
    server = await FakeProviderServer.start();
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
  });

  it('sends the prompt to /moderations and lets an unflagged one through', async () => {
    server.route('POST /api/moderations', { json: fixture(import.meta.url, 'openai-moderation.json', { FLAGGED: 'false' }) });
    await moderation().check('a lighthouse at dusk');
    const [call] = server.calls('POST /api/moderations');
    expect(call!.body).toEqual({ model: 'omni-moderation-latest', input: 'a lighthouse at dusk' });
    expect(call!.headers.authorization).toBe(`Bearer ${TEST_API_KEY}`);
  });

  it('refuses a flagged prompt with content_filtered', async () => {
    server.route('POST /api/moderations', { json: fixture(import.meta.url, 'openai-moderation.json', { FLAGGED: 'true' }) });
    await expect(moderation().check('something flagged')).rejects.toBeInstanceOf(ContentFilteredError);
  });

  it.each([
    [401, { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' } }],
    [429, { error: { message: 'Rate limit reached.', type: 'requests', code: 'rate_limit_exceeded' } }],
    [500, { error: { message: 'The server had an error.', type: 'server_error' } }],
  ])('fails closed with 503 when moderation answers HTTP %i', async (status, json) => {
    server.route('POST /api/moderations', { status, json });
    const refusal = await moderation().check('a lighthouse').catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ServiceUnavailableError);
    expect((refusal as ServiceUnavailableError).retryAfterSeconds).toBeGreaterThan(0);
  });

  it('fails closed with 503 when moderation answers 200 with something that is not a verdict', async () => {
    server.route('POST /api/moderations', { json: { results: [] } });
    await expect(moderation().check('a lighthouse')).rejects.toBeInstanceOf(ServiceUnavailableError);
  });

  it('fails closed with 503 when moderation is unreachable', async () => {
    server.route('POST /api/moderations', { hang: true });
    await expect(moderation().check('a lighthouse')).rejects.toBeInstanceOf(ServiceUnavailableError);
  });
});
