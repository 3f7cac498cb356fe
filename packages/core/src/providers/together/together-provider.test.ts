import { expect } from 'vitest';
import { fixture } from '../../testing/fake-provider-server.ts';
import { TEST_API_KEY, describeProviderContract } from '../../testing/provider-contract.ts';
import { TogetherImageProvider } from './together-provider.ts';

const ROUTE = 'POST /api/images/generations';
const error = (message: string, type: string) => fixture(import.meta.url, 'together-error.json', { MESSAGE: message, TYPE: type });

describeProviderContract({
  name: 'together',
  model: 'flux-schnell',
  upstreamModel: 'black-forest-labs/FLUX.1-schnell',
  size: { width: 1344, height: 768 },
  create: (settings) => new TogetherImageProvider(settings),
  scenarios: {
    happy: ({ server, pngBase64 }) => server.route(ROUTE, { json: fixture(import.meta.url, 'together-image.json', { PNG_BASE64: pngBase64 }) }),
    moderation: {
      'NSFW refusal': ({ server }) =>
        server.route(ROUTE, { status: 422, json: error('Your prompt was flagged as potentially NSFW by the safety model.', 'invalid_request_error') }),
    },
    failure: ({ server }, status) =>
      server.route(ROUTE, { status, json: status === 429 ? error('You have exceeded the rate limit.', 'rate_limit_exceeded') : error('Internal server error.', 'server_error') }),
    hang: ({ server }) => server.route(ROUTE, { hang: true }),
    malformed: ({ server }) => server.route(ROUTE, { body: 'error code: 520' }),
    notImage: ({ server }) =>
      server.route(ROUTE, { json: fixture(import.meta.url, 'together-image.json', { PNG_BASE64: Buffer.from('GIF89?nope').toString('base64') }) }),
  },
  assertRequests: (server) => {
    const [call] = server.calls(ROUTE);
    expect(call!.headers.authorization).toBe(`Bearer ${TEST_API_KEY}`);
    expect(call!.body).toEqual({
      model: 'black-forest-labs/FLUX.1-schnell',
      prompt: expect.stringMatching(/^a lighthouse at dusk, watercolor painting/),
      width: 1344,
      height: 768,
      steps: 4,
      n: 1,
      response_format: 'base64',
    });
  },
});
