import type { FakeHandler, FakeProviderServer, FakeReply } from './fake-provider-server.ts';
import { fixture } from './fake-provider-server.ts';
import { providerNamed } from '../providers/descriptors.ts';

const fixtureOf = (provider: string) => new URL(`../providers/${provider}/${provider}-provider.test.ts`, import.meta.url).href;

/** A provider's recorded response from its `__fixtures__`, for tests outside core. */
export const providerFixture = (provider: string, name: string, values: Record<string, string> = {}) => fixture(fixtureOf(provider), name, values);

/** Image models OpenAI has shut down (its deprecations page): asking for one is a 404. */
export const RETIRED_OPENAI_MODELS = ['dall-e-2', 'dall-e-3', 'gpt-image-1'];

/**
 * `POST /images/generations` as OpenAI answers it today: retired models are
 * `model_not_found`, `response_format` (DALL·E only) is an unknown parameter for the GPT
 * image models, and a GPT image model answers in base64.
 */
export function openaiImagesToday(pngBase64: string): FakeHandler {
  return ({ body }) => {
    const { model, response_format: responseFormat } = (body ?? {}) as { model?: string; response_format?: unknown };
    if (typeof model !== 'string' || RETIRED_OPENAI_MODELS.includes(model)) {
      return { status: 404, json: fixture(fixtureOf('openai'), 'openai-model-not-found.json', { MODEL: String(model) }) };
    }
    if (responseFormat !== undefined) {
      return { status: 400, json: fixture(fixtureOf('openai'), 'openai-unknown-parameter.json', { PARAM: 'response_format' }) };
    }
    return { json: fixture(fixtureOf('openai'), 'openai-image.json', { PNG_BASE64: pngBase64 }) };
  };
}

/**
 * Routes answering like all six providers at once, for service-level tests: each under
 * `<fake>/<name>`, which is what the service's *_BASE_URL variables point at.
 */
export function installProviders(server: FakeProviderServer, png: Buffer): void {
  const base = (name: string) => `${server.url}/${name}`;
  const pngBase64 = png.toString('base64');
  const imageUrl = `${server.url}/cdn/result.png?sig=signed`;
  server.route('GET /cdn/result.png', { body: png, headers: { 'content-type': 'image/png' } });

  server.route('POST /openai/images/generations', openaiImagesToday(pngBase64));
  server.route('POST /openai/moderations', { json: fixture(fixtureOf('openai'), 'openai-moderation.json', { FLAGGED: 'false' }) });
  server.route('POST /stability/v2beta/stable-image/generate/sd3', {
    json: fixture(fixtureOf('stability'), 'stability-image.json', { PNG_BASE64: pngBase64, FINISH_REASON: 'SUCCESS' }),
  });
  server.route('POST /bfl/flux-pro-1.1', { json: fixture(fixtureOf('bfl'), 'bfl-submit.json', { BASE: base('bfl') }) });
  server.route('GET /bfl/get_result', {
    json: fixture(fixtureOf('bfl'), 'bfl-result.json', { STATUS: 'Ready', RESULT: JSON.stringify({ sample: imageUrl }) }),
  });
  for (const model of ['fal-ai/flux-pro/v1.1', 'fal-ai/flux/schnell']) {
    server.route(`POST /fal/${model}`, { json: fixture(fixtureOf('fal'), 'fal-submit.json', { BASE: base('fal') }) });
  }
  const falRequest = '/fal/fal-ai/flux-pro/requests/764cabcf-b745-4b3e-ae38-1200304cf45b';
  server.route(`GET ${falRequest}/status`, { json: fixture(fixtureOf('fal'), 'fal-status.json', { BASE: base('fal'), STATUS: 'COMPLETED' }) });
  server.route(`GET ${falRequest}`, { json: fixture(fixtureOf('fal'), 'fal-result.json', { IMAGE_URL: imageUrl, NSFW: 'false' }) });
  const prediction: FakeReply = {
    status: 201,
    json: fixture(fixtureOf('replicate'), 'replicate-prediction.json', {
      BASE: base('replicate'),
      STATUS: 'succeeded',
      OUTPUT: JSON.stringify(imageUrl),
      ERROR: 'null',
    }),
  };
  for (const model of ['flux-1.1-pro', 'flux-schnell']) server.route(`POST /replicate/models/black-forest-labs/${model}/predictions`, prediction);
  server.route('POST /together/images/generations', { json: fixture(fixtureOf('together'), 'together-image.json', { PNG_BASE64: pngBase64 }) });
}

/** The environment that points the named hosted providers at the fake, from their descriptors. */
export function providerEnvironment(server: FakeProviderServer, names = ['openai', 'stability', 'bfl', 'fal', 'replicate', 'together']) {
  const env: Record<string, string> = {};
  for (const name of names) {
    const descriptor = providerNamed(name);
    if (!descriptor) throw new Error(`no provider named ${name}`);
    env[descriptor.keyEnv] = `${name}-test-key`;
    env[descriptor.baseUrlEnv] = `${server.url}/${name}`;
  }
  return env;
}
