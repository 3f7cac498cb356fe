import { expect } from 'vitest';
import { fixture } from '../../testing/fake-provider-server.ts';
import { TEST_API_KEY, describeProviderContract, type ScenarioContext } from '../../testing/provider-contract.ts';
import { ReplicateImageProvider } from './replicate-provider.ts';

const CREATE = 'POST /api/models/black-forest-labs/flux-1.1-pro/predictions';
const GET = 'GET /api/predictions/q6wzbq7bp5rme0cjq1sbs3ws8c';
const prediction = (context: ScenarioContext, status: string, output: string | null = null, error: string | null = null) => ({
  status: 201,
  json: fixture(import.meta.url, 'replicate-prediction.json', {
    BASE: `${context.server.url}/api`,
    STATUS: status,
    OUTPUT: JSON.stringify(output),
    ERROR: JSON.stringify(error),
  }),
});

describeProviderContract({
  name: 'replicate',
  model: 'flux-pro',
  upstreamModel: 'black-forest-labs/flux-1.1-pro',
  size: { width: 1344, height: 768 },
  create: (settings) => new ReplicateImageProvider(settings),
  scenarios: {
    // `Prefer: wait` often returns the finished prediction in one round trip.
    happy: (context) => context.server.route(CREATE, prediction(context, 'succeeded', context.imageUrl)),
    moderation: {
      'NSFW content detected': (context) => {
        context.server.route(CREATE, prediction(context, 'processing'));
        context.server.route(GET, prediction(context, 'failed', null, 'NSFW content detected. Try running it again, or try a different prompt.'));
      },
      E005: (context) => {
        context.server.route(CREATE, prediction(context, 'processing'));
        context.server.route(
          GET,
          prediction(context, 'failed', null, 'The input or output was flagged as sensitive. Please try again with different inputs. (E005)'),
        );
      },
    },
    failure: ({ server }, status) =>
      server.route(CREATE, { status, json: { title: status === 429 ? 'Request was throttled' : 'Internal Server Error', detail: 'Please retry.', status } }),
    hang: ({ server }) => server.route(CREATE, { hang: true }),
    malformed: ({ server }) => server.route(CREATE, { body: '{"id": "q6wzbq7bp5rme0cjq1sbs3ws8c", "status": "star' }),
    notImage: (context) => {
      context.server.route(CREATE, prediction(context, 'succeeded', `${context.server.url}/cdn/not-an-image`));
      context.server.route('GET /cdn/not-an-image', { body: '{"detail":"Not found"}' });
    },
    pendingThenReady: (context, polls) => {
      context.server.route(CREATE, prediction(context, 'starting'));
      context.server.route(GET, [
        ...Array.from({ length: polls }, () => prediction(context, 'processing')),
        prediction(context, 'succeeded', context.imageUrl),
      ]);
    },
    neverReady: (context) => {
      context.server.route(CREATE, prediction(context, 'starting'));
      context.server.route(GET, prediction(context, 'processing'));
    },
  },
  assertRequests: (server) => {
    const [create] = server.calls(CREATE);
    expect(create!.headers.authorization).toBe(`Bearer ${TEST_API_KEY}`);
    expect(create!.headers.prefer).toBe('wait=1');
    expect(create!.body).toEqual({
      input: { prompt: expect.stringMatching(/^a lighthouse at dusk, watercolor painting/), aspect_ratio: '16:9', output_format: 'png' },
    });
  },
});
