import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ContentFilteredError, ServiceUnavailableError } from '../../errors.ts';
import { FakeProviderServer, fixture } from '../../testing/fake-provider-server.ts';
import { TEST_API_KEY, describeProviderContract } from '../../testing/provider-contract.ts';
import { OpenAIModeration } from './openai-moderation.ts';
import { OpenAIImageProvider } from './openai-provider.ts';

const ROUTE = 'POST /api/images/generations';

describeProviderContract({
  name: 'openai',
  model: 'dall-e-3',
  size: { width: 1792, height: 1024 },
  create: (settings) => new OpenAIImageProvider(settings),
  scenarios: {
    happy: ({ server, pngBase64 }) => server.route(ROUTE, { json: fixture(import.meta.url, 'openai-image.json', { PNG_BASE64: pngBase64 }) }),
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
      model: 'dall-e-3',
      prompt: expect.stringMatching(/^a lighthouse at dusk, watercolor painting/),
      n: 1,
      size: '1792x1024',
      style: 'vivid',
      quality: 'standard',
      response_format: 'b64_json',
    });
  },
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
