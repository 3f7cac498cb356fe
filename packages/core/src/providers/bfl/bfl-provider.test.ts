import { describe, expect, it } from 'vitest';
import { FakeProviderServer, fixture } from '../../testing/fake-provider-server.ts';
import { TEST_API_KEY, describeProviderContract, type ScenarioContext } from '../../testing/provider-contract.ts';
import { BflImageProvider } from './bfl-provider.ts';

const SUBMIT = 'POST /api/flux-pro-1.1';
const POLL = 'GET /api/get_result';
const base = (context: ScenarioContext) => `${context.server.url}/api`;
const result = (status: string, sample?: string) =>
  fixture(import.meta.url, 'bfl-result.json', {
    STATUS: status,
    RESULT: sample ? JSON.stringify({ sample, prompt: 'a lighthouse at dusk', seed: 1977, start_time: 1732521600.1, end_time: 1732521604.9, duration: 4.8 }) : 'null',
  });
const submitted = (context: ScenarioContext) => context.server.route(SUBMIT, { json: fixture(import.meta.url, 'bfl-submit.json', { BASE: base(context) }) });

describeProviderContract({
  name: 'bfl',
  model: 'flux-pro',
  upstreamModel: 'flux-pro-1.1',
  size: { width: 1344, height: 768 },
  create: (settings) => new BflImageProvider(settings),
  scenarios: {
    happy: (context) => {
      submitted(context);
      context.server.route(POLL, [{ json: result('Pending') }, { json: result('Ready', context.imageUrl) }]);
    },
    moderation: {
      'Content Moderated': (context) => {
        submitted(context);
        context.server.route(POLL, { json: result('Content Moderated') });
      },
      'Request Moderated': (context) => {
        submitted(context);
        context.server.route(POLL, { json: result('Request Moderated') });
      },
    },
    failure: ({ server }, status) => server.route(SUBMIT, { status, json: { detail: status === 429 ? 'Too many active tasks' : 'Internal Server Error' } }),
    hang: ({ server }) => server.route(SUBMIT, { hang: true }),
    malformed: ({ server }) => server.route(SUBMIT, { body: '<html><body>502 Bad Gateway</body></html>' }),
    notImage: (context) => {
      submitted(context);
      context.server.route(POLL, { json: result('Ready', `${context.server.url}/cdn/not-an-image`) });
      context.server.route('GET /cdn/not-an-image', { body: '<Error><Code>AuthenticationFailed</Code></Error>' });
    },
    pendingThenReady: (context, polls) => {
      submitted(context);
      context.server.route(POLL, [...Array.from({ length: polls }, () => ({ json: result('Pending') })), { json: result('Ready', context.imageUrl) }]);
    },
    neverReady: (context) => {
      submitted(context);
      context.server.route(POLL, { json: result('Pending') });
    },
  },
  assertRequests: (server) => {
    const [submit] = server.calls(SUBMIT);
    expect(submit!.headers['x-key']).toBe(TEST_API_KEY);
    expect(submit!.body).toEqual({
      prompt: expect.stringMatching(/^a lighthouse at dusk, watercolor painting/),
      width: 1344,
      height: 768,
      output_format: 'png',
    });
    const polls = server.calls(POLL);
    expect(polls.length).toBe(2);
    for (const poll of polls) {
      expect(poll.path).toBe('/api/get_result?id=1fd8c1a2-7b4e-4c55-9b6e-1f3d2a9c8e77');
      expect(poll.headers['x-key']).toBe(TEST_API_KEY);
    }
    expect(server.calls('GET /cdn/result.png')).toHaveLength(1);
  },
});

describe('bfl credentials', () => {
  it('never sends the key to a polling URL outside its API', async () => {
    const server = await FakeProviderServer.start();
    try {
      server.route(SUBMIT, { json: { id: 'x', polling_url: 'http://127.0.0.2:9/v1/get_result?id=x' } });
      const provider = new BflImageProvider({ apiKey: TEST_API_KEY, baseUrl: `${server.url}/api`, attemptTimeoutMs: 1000, pollIntervalMs: 5 });
      const error = await provider.generate({ model: 'flux-pro', upstreamModel: 'flux-pro-1.1', prompt: 'a fox', style: 'Anime', ratio: '1:1' }).catch((e: unknown) => e);
      expect(error).toMatchObject({ kind: 'retryable', message: 'returned a URL outside its API: http://127.0.0.2:9/v1/get_result' });
      expect(server.requests).toHaveLength(1);
    } finally {
      await server.close();
    }
  });
});
