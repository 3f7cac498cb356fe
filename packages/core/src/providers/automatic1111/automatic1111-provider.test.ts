import { expect } from 'vitest';
import { fixture } from '../../testing/fake-provider-server.ts';
import { TEST_API_KEY, describeProviderContract } from '../../testing/provider-contract.ts';
import { Automatic1111ImageProvider } from './automatic1111-provider.ts';

const ROUTE = 'POST /api/sdapi/v1/txt2img';

describeProviderContract({
  name: 'automatic1111',
  model: 'house-sdxl',
  upstreamModel: 'sd_xl_base_1.0.safetensors',
  size: { width: 1344, height: 768 },
  create: (settings) => new Automatic1111ImageProvider(settings),
  scenarios: {
    happy: ({ server, pngBase64 }) => server.route(ROUTE, { json: fixture(import.meta.url, 'automatic1111-txt2img.json', { PNG_BASE64: pngBase64 }) }),
    moderation: {},
    failure: ({ server }, status) => server.route(ROUTE, { status, json: fixture(import.meta.url, 'automatic1111-error.json') }),
    hang: ({ server }) => server.route(ROUTE, { hang: true }),
    malformed: ({ server }) => server.route(ROUTE, { body: 'Internal Server Error' }),
    notImage: ({ server }) =>
      server.route(ROUTE, { json: fixture(import.meta.url, 'automatic1111-txt2img.json', { PNG_BASE64: Buffer.from('no image here').toString('base64') }) }),
  },
  assertRequests: (server) => {
    const [call] = server.calls(ROUTE);
    // The key is the web UI's --api-auth "user:password", sent as HTTP Basic.
    expect(call!.headers.authorization).toBe(`Basic ${Buffer.from(TEST_API_KEY).toString('base64')}`);
    expect(call!.body).toEqual({
      prompt: expect.stringMatching(/^a lighthouse at dusk, watercolor painting/),
      width: 1344,
      height: 768,
      seed: -1,
      batch_size: 1,
      n_iter: 1,
      steps: 30,
      cfg_scale: 7,
      sampler_name: 'DPM++ 2M',
      override_settings: { sd_model_checkpoint: 'sd_xl_base_1.0.safetensors' },
    });
  },
});
