import { expect } from 'vitest';
import { fixture } from '../../testing/fake-provider-server.ts';
import { TEST_API_KEY, describeProviderContract } from '../../testing/provider-contract.ts';
import { OpenAICompatibleImageProvider } from './openai-compatible-provider.ts';

const ROUTE = 'POST /api/images/generations';

describeProviderContract({
  name: 'openai-compatible',
  model: 'my-sdxl',
  upstreamModel: 'sdxl',
  size: { width: 1344, height: 768 },
  create: (settings) => new OpenAICompatibleImageProvider(settings),
  scenarios: {
    happy: ({ server, pngBase64 }) => server.route(ROUTE, { json: fixture(import.meta.url, 'openai-compatible-image.json', { PNG_BASE64: pngBase64 }) }),
    // LiteLLM and another AIPhoto pass OpenAI's moderation refusal through unchanged.
    moderation: {
      content_policy_violation: ({ server }) =>
        server.route(ROUTE, { status: 400, json: fixture(new URL('../openai/openai-provider.test.ts', import.meta.url).href, 'openai-content-policy.json') }),
    },
    failure: ({ server }, status) => server.route(ROUTE, { status, json: fixture(import.meta.url, 'openai-compatible-error.json') }),
    hang: ({ server }) => server.route(ROUTE, { hang: true }),
    malformed: ({ server }) => server.route(ROUTE, { body: '<html>502 Bad Gateway</html>' }),
    notImage: ({ server }) =>
      server.route(ROUTE, { json: fixture(import.meta.url, 'openai-compatible-image.json', { PNG_BASE64: Buffer.from('not a png').toString('base64') }) }),
  },
  assertRequests: (server) => {
    const [call] = server.calls(ROUTE);
    expect(call!.headers.authorization).toBe(`Bearer ${TEST_API_KEY}`);
    expect(call!.body).toEqual({
      model: 'sdxl',
      prompt: expect.stringMatching(/^a lighthouse at dusk, watercolor painting/),
      n: 1,
      size: '1344x768',
      response_format: 'b64_json',
    });
  },
});
