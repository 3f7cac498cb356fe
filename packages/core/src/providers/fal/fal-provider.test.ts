import { expect } from 'vitest';
import { fixture } from '../../testing/fake-provider-server.ts';
import { TEST_API_KEY, describeProviderContract, type ScenarioContext } from '../../testing/provider-contract.ts';
import { FalImageProvider } from './fal-provider.ts';

// fal submits to the full model path but answers status and result under the app's root.
const SUBMIT = 'POST /api/fal-ai/flux-pro/v1.1';
const STATUS = 'GET /api/fal-ai/flux-pro/requests/764cabcf-b745-4b3e-ae38-1200304cf45b/status';
const RESULT = 'GET /api/fal-ai/flux-pro/requests/764cabcf-b745-4b3e-ae38-1200304cf45b';
const base = (context: ScenarioContext) => `${context.server.url}/api`;
const status = (context: ScenarioContext, value: string) => ({ json: fixture(import.meta.url, 'fal-status.json', { BASE: base(context), STATUS: value }) });
const result = (imageUrl: string, nsfw = false) => ({ json: fixture(import.meta.url, 'fal-result.json', { IMAGE_URL: imageUrl, NSFW: String(nsfw) }) });
const queued = (context: ScenarioContext) => context.server.route(SUBMIT, { json: fixture(import.meta.url, 'fal-submit.json', { BASE: base(context) }) });

describeProviderContract({
  name: 'fal',
  model: 'flux-pro',
  upstreamModel: 'fal-ai/flux-pro/v1.1',
  size: { width: 1344, height: 768 },
  create: (settings) => new FalImageProvider(settings),
  scenarios: {
    happy: (context) => {
      queued(context);
      context.server.route(STATUS, [status(context, 'IN_PROGRESS'), status(context, 'COMPLETED')]);
      context.server.route(RESULT, result(context.imageUrl));
    },
    moderation: {
      has_nsfw_concepts: (context) => {
        queued(context);
        context.server.route(STATUS, status(context, 'COMPLETED'));
        context.server.route(RESULT, result(context.imageUrl, true));
      },
    },
    failure: ({ server }, code) => server.route(SUBMIT, { status: code, json: { detail: code === 429 ? 'Too many requests' : 'Internal server error' } }),
    hang: ({ server }) => server.route(SUBMIT, { hang: true }),
    malformed: ({ server }) => server.route(SUBMIT, { body: 'Service Unavailable' }),
    notImage: (context) => {
      queued(context);
      context.server.route(STATUS, status(context, 'COMPLETED'));
      context.server.route(RESULT, result(`${context.server.url}/cdn/not-an-image`));
      context.server.route('GET /cdn/not-an-image', { body: 'Access Denied' });
    },
    pendingThenReady: (context, polls) => {
      queued(context);
      context.server.route(STATUS, [...Array.from({ length: polls }, () => status(context, 'IN_QUEUE')), status(context, 'COMPLETED')]);
      context.server.route(RESULT, result(context.imageUrl));
    },
    neverReady: (context) => {
      queued(context);
      context.server.route(STATUS, status(context, 'IN_PROGRESS'));
    },
  },
  assertRequests: (server) => {
    const [submit] = server.calls(SUBMIT);
    expect(submit!.headers.authorization).toBe(`Key ${TEST_API_KEY}`);
    expect(submit!.body).toEqual({
      prompt: expect.stringMatching(/^a lighthouse at dusk, watercolor painting/),
      image_size: { width: 1344, height: 768 },
      num_images: 1,
      enable_safety_checker: true,
      output_format: 'png',
    });
    expect(server.calls(STATUS)).toHaveLength(2);
    for (const call of [...server.calls(STATUS), ...server.calls(RESULT)]) expect(call.headers.authorization).toBe(`Key ${TEST_API_KEY}`);
  },
});
