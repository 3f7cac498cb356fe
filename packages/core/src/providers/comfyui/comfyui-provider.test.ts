import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeProviderServer, fixture } from '../../testing/fake-provider-server.ts';
import { TEST_API_KEY, describeProviderContract } from '../../testing/provider-contract.ts';
import { ComfyUIImageProvider, prepareComfyOptions } from './comfyui-provider.ts';

const PROMPT_ID = '3f0a4b6e-9d1c-4e2b-8a7f-5c6d7e8f9a0b';
const QUEUE = 'POST /api/prompt';
const HISTORY = `GET /api/history/${PROMPT_ID}`;
const VIEW = 'GET /api/view';
const fixturesDir = new URL('./__fixtures__/', import.meta.url).pathname;
const options = prepareComfyOptions({ workflow: 'comfyui-workflow.json' }, fixturesDir);

const ready = (status = 'success') => ({ json: fixture(import.meta.url, 'comfyui-history.json', { STATUS: status }) });

describeProviderContract({
  name: 'comfyui',
  model: 'house-comfy',
  upstreamModel: 'sd_xl_base_1.0.safetensors',
  options,
  size: { width: 1344, height: 768 },
  create: (settings) => new ComfyUIImageProvider(settings),
  scenarios: {
    happy: ({ server, png }) => {
      server.route(QUEUE, { json: fixture(import.meta.url, 'comfyui-queued.json') });
      server.route(HISTORY, ready());
      server.route(VIEW, { body: png, headers: { 'content-type': 'image/png' } });
    },
    moderation: {},
    failure: ({ server }, status) => server.route(QUEUE, { status, json: fixture(import.meta.url, 'comfyui-error.json') }),
    hang: ({ server }) => server.route(QUEUE, { hang: true }),
    malformed: ({ server }) => server.route(QUEUE, { body: '<html><body>Bad Gateway</body></html>' }),
    notImage: ({ server }) => {
      server.route(QUEUE, { json: fixture(import.meta.url, 'comfyui-queued.json') });
      server.route(HISTORY, ready());
      server.route(VIEW, { body: Buffer.from('404: Not Found'), headers: { 'content-type': 'text/plain' } });
    },
    pendingThenReady: ({ server, png }, polls) => {
      server.route(QUEUE, { json: fixture(import.meta.url, 'comfyui-queued.json') });
      server.route(HISTORY, [...Array.from({ length: polls }, () => ({ json: {} })), ready()]);
      server.route(VIEW, { body: png, headers: { 'content-type': 'image/png' } });
    },
    neverReady: ({ server }) => {
      server.route(QUEUE, { json: fixture(import.meta.url, 'comfyui-queued.json') });
      server.route(HISTORY, { json: {} });
    },
  },
  assertRequests: (server) => {
    const [queued] = server.calls(QUEUE);
    expect(queued!.headers.authorization).toBe(`Bearer ${TEST_API_KEY}`);
    const graph = (queued!.body as { prompt: Record<string, { inputs: Record<string, unknown> }> }).prompt;
    expect(graph['4']!.inputs.ckpt_name).toBe('sd_xl_base_1.0.safetensors');
    expect(graph['5']!.inputs).toMatchObject({ width: 1344, height: 768 });
    expect(graph['6']!.inputs.text).toMatch(/^a lighthouse at dusk, watercolor painting/);
    expect(graph['7']!.inputs.text).toBe('');
    expect(graph['3']!.inputs.seed).toEqual(expect.any(Number));
    expect(server.calls(VIEW)[0]!.path).toBe('/api/view?filename=aiphoto_00042_.png&subfolder=&type=output');
  },
});

describe('comfyui workflows', () => {
  it('fills a fixed seed and the negative prompt, and says when the workflow failed on the server', async () => {
    const server = await FakeProviderServer.start();
    try {
      server.route(QUEUE, { json: fixture(import.meta.url, 'comfyui-queued.json') });
      server.route(HISTORY, ready('error'));
      const provider = new ComfyUIImageProvider({ apiKey: '', baseUrl: `${server.url}/api`, attemptTimeoutMs: 2_000, pollIntervalMs: 5 });
      const request = { model: 'm', upstreamModel: 'x.safetensors', options, prompt: 'a fox', style: 'Anime' as const, ratio: '1:1' as const, seed: 99, negativePrompt: 'blur' };
      await expect(provider.generate(request)).rejects.toMatchObject({ kind: 'retryable', message: 'the workflow failed on the server' });
      const graph = (server.calls(QUEUE)[0]!.body as { prompt: Record<string, { inputs: Record<string, unknown> }> }).prompt;
      expect([graph['3']!.inputs.seed, graph['7']!.inputs.text, graph['5']!.inputs.width]).toEqual([99, 'blur', 1024]);
      expect(server.calls(QUEUE)[0]!.headers.authorization).toBeUndefined();
    } finally {
      await server.close();
    }
  });

  it.each([
    [{}, /options.workflow: expected the path/],
    [{ workflow: 'missing.json' }, /cannot read .*missing.json as JSON/],
    [{ workflow: 'no-prompt.json' }, /no input is "\{\{prompt\}\}"/],
  ])('refuses a candidate whose workflow cannot work (%#)', (given, message) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-comfy-'));
    fs.writeFileSync(path.join(dir, 'no-prompt.json'), JSON.stringify({ '1': { class_type: 'SaveImage', inputs: {} } }));
    expect(() => prepareComfyOptions(given, dir)).toThrow(message);
  });
});
