import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { FakeProviderServer } from '@aiphoto/core/testing';
import { startTestServer } from '../testing/harness.ts';

/** A catalog file served by the two self-hosted kinds, each a loopback fake in its wire format. */
async function selfHostedSetup() {
  const fake = await FakeProviderServer.start();
  const png = await sharp({ create: { width: 1344, height: 768, channels: 3, background: '#305070' } }).png().toBuffer();
  fake.route('POST /gpu/v1/images/generations', { json: { created: 1795651200, data: [{ b64_json: png.toString('base64') }] } });
  fake.route('POST /a1111/sdapi/v1/txt2img', { json: { images: [png.toString('base64')], parameters: {}, info: '{"seed": 42}' } });
  fake.route('POST /comfy/prompt', { json: { prompt_id: 'p-1', number: 1, node_errors: {} } });
  fake.route('GET /comfy/history/p-1', [
    { json: {} },
    { json: { 'p-1': { outputs: { '9': { images: [{ filename: 'a_00001_.png', subfolder: '', type: 'output' }] } }, status: { status_str: 'success', completed: true } } } },
  ]);
  fake.route('GET /comfy/view', { body: png, headers: { 'content-type': 'image/png' } });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-catalog-'));
  fs.writeFileSync(
    path.join(dir, 'sdxl-workflow.json'),
    JSON.stringify({
      '6': { class_type: 'CLIPTextEncode', inputs: { text: '{{prompt}}' } },
      '5': { class_type: 'EmptyLatentImage', inputs: { width: '{{width}}', height: '{{height}}', batch_size: 1 } },
      '9': { class_type: 'SaveImage', inputs: { filename_prefix: 'a' } },
    }),
  );
  const file = path.join(dir, 'models.yaml');
  fs.writeFileSync(
    file,
    [
      'models:',
      '  - id: my-sdxl',
      '    name: SDXL on the GPU box',
      '    candidates:',
      '      - provider: openai-compatible',
      `        base_url: ${fake.url}/gpu/v1`,
      '        model: sdxl',
      '  - id: house-sd',
      '    aliases: [sdxl-house]',
      '    candidates:',
      '      - provider: automatic1111',
      `        base_url: ${fake.url}/a1111`,
      '        model: sd_xl_base_1.0.safetensors',
      '        options: { steps: 20, negative_prompt: blurry }',
      '  - id: comfy-sdxl',
      '    candidates:',
      '      - provider: comfyui',
      `        base_url: ${fake.url}/comfy`,
      '        model: sd_xl_base_1.0.safetensors',
      '        options: { workflow: sdxl-workflow.json }',
    ].join('\n'),
  );
  return { fake, png, env: { AIPHOTO_MODELS_FILE: file, AIPHOTO_FREE_DAILY_LIMIT: '20' } };
}

describe('an operator catalog with self-hosted GPU servers (OpenAI-compatible, AUTOMATIC1111, ComfyUI)', () => {
  it('lists the new models everywhere and generates with each, with no cloud key', async () => {
    const { fake, png, env } = await selfHostedSetup();
    try {
      await using t = await startTestServer({ env });
      const models = (await (await t.fetch('/api/models')).json()).models as { id: string; providers: string[]; offline: boolean; aliases: string[] }[];
      expect(models.map((model) => model.id).slice(-3)).toEqual(['my-sdxl', 'house-sd', 'comfy-sdxl']);
      expect(models.find((model) => model.id === 'comfy-sdxl')).toMatchObject({ providers: ['comfyui'], offline: false });
      expect(models.find((model) => model.id === 'my-sdxl')).toMatchObject({ providers: ['openai-compatible'], offline: false });
      expect(models.find((model) => model.id === 'house-sd')).toMatchObject({ providers: ['automatic1111'], aliases: ['sdxl-house'] });

      for (const [model, provider] of [['my-sdxl', 'openai-compatible'], ['SDXL-House', 'automatic1111'], ['comfy-sdxl', 'comfyui']] as const) {
        const response = await t.generate({ prompt: 'a harbour at dawn', model, ratio: '16:9' });
        expect(response.status, model).toBe(200);
        const body = await response.json();
        expect(body).toMatchObject({ provider, width: 1344, height: 768 });
        expect(Buffer.from(await (await fetch(body.url)).arrayBuffer()).equals(png)).toBe(true);
      }
      expect(fake.calls('POST /gpu/v1/images/generations')[0]!.body).toMatchObject({ model: 'sdxl', size: '1344x768' });
      expect(fake.calls('POST /a1111/sdapi/v1/txt2img')[0]!.body).toMatchObject({
        steps: 20,
        negative_prompt: 'blurry',
        override_settings: { sd_model_checkpoint: 'sd_xl_base_1.0.safetensors' },
      });
      const comfyGraph = (fake.calls('POST /comfy/prompt')[0]!.body as { prompt: Record<string, { inputs: Record<string, unknown> }> }).prompt;
      expect(comfyGraph['5']!.inputs).toMatchObject({ width: 1344, height: 768 });
      expect(comfyGraph['6']!.inputs.text).toMatch(/^a harbour at dawn/);
      // The alias answers as the model it names.
      expect((await (await t.generate({ prompt: 'a fox', model: 'sdxl-house' })).json()).model).toBe('house-sd');

      const document = await (await t.fetch('/api/openapi.json')).json();
      const modelField = document.paths['/generate'].post.requestBody.content['application/json'].schema.properties.model;
      expect(modelField.enum).toEqual(expect.arrayContaining(['flux-pro', 'my-sdxl', 'house-sd', 'sdxl-house']));
      const openaiModels = (await (await t.fetch('/v1/models')).json()).data.map((model: { id: string }) => model.id);
      expect(openaiModels).toEqual(expect.arrayContaining(['my-sdxl', 'house-sd', 'sdxl-house']));
      const viaOpenAI = await t.fetch('/v1/images/generations', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'my-sdxl', prompt: 'a lighthouse', response_format: 'b64_json' }),
      });
      expect(viaOpenAI.status).toBe(200);
    } finally {
      await fake.close();
    }
  });

  it('answers a model nobody configured with invalid_model naming the ones that exist', async () => {
    await using t = await startTestServer();
    const response = await t.generate({ prompt: 'a fox', model: 'midjourney-v7' });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body).toMatchObject({ success: false, error: 'invalid_model' });
    expect(body.message).toContain('flux-pro, dall-e-3, stable-diffusion-xl-1024-v1-0, flux-schnell, flux-2-pro');
  });

  it('refuses to start on a broken catalog, naming the entry and field', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-catalog-')), 'models.yaml');
    fs.writeFileSync(file, 'models:\n  - id: x\n    candidates:\n      - provider: comfy\n        model: m\n');
    await expect(startTestServer({ env: { AIPHOTO_MODELS_FILE: file } })).rejects.toThrow(/models\[0\]\.candidates\[0\]\.provider: expected one of/);
  });
});
