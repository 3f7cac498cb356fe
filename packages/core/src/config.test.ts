import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { ConfigError, loadConfig } from './config.ts';
import { BUILT_IN_MODELS } from './model-catalog.ts';

describe('loadConfig', () => {
  it('has working defaults with an empty environment', () => {
    expect(loadConfig({}, { vnni: true })).toEqual({
      port: 3000,
      host: '127.0.0.1',
      dataDir: path.resolve('./data'),
      publicUrl: undefined,
      freeDailyLimit: 5,
      proDailyLimit: 1000,
      trustProxy: 0,
      localProvider: true,
      models: BUILT_IN_MODELS.map((model) => ({ ...model, candidates: [] })),
      blocklistFile: undefined,
      webDir: undefined,
      logLevel: 'info',
      logFormat: 'auto',
      redisUrl: undefined,
      s3: undefined,
      imageTtlDays: 30,
      shutdownTimeoutMs: 25_000,
      connections: { headersTimeoutMs: 10_000, requestTimeoutMs: 60_000, keepAliveTimeoutMs: 5_000 },
      redisTimeoutMs: 1_500,
      openaiMaxImages: 4,
      inFlightPerCaller: { generates: 4, enhances: 1 },
      providers: {},
      moderation: 'off',
      timeouts: { attemptMs: 90_000, generationMs: 180_000, pollIntervalMs: 500 },
      limits: { maxUploadBytes: 10 * 1024 * 1024, maxInputPixels: 1024 * 1024, maxOutputPixels: 4096 * 4096 },
      enhance: {
        model: 'thick',
        runtime: 'onnx',
        precision: 'int8',
        precisionReason: 'the CPU has VNNI',
        workers: 1,
        threads: os.availableParallelism(),
        queue: 4,
        maxTile: 288,
        jobTimeoutMs: 120_000,
      },
      jobs: { leaseMs: 30_000, finishedTtlMs: 86_400_000, webhookAllowHosts: [], webhookRetryDelaysMs: [10_000, 60_000, 600_000, 3_600_000] },
    });
  });

  it('runs enhance in int8 where the CPU has VNNI, fp32 elsewhere, and sizes what one unit buys to match', () => {
    const fp32 = loadConfig({}, { vnni: false });
    expect(fp32.enhance).toMatchObject({ precision: 'fp32', precisionReason: 'the CPU has no VNNI' });
    expect(fp32.limits).toEqual({ maxUploadBytes: 10 * 1024 * 1024, maxInputPixels: 1024 * 1024, maxOutputPixels: 2048 * 2048 });
    expect(loadConfig({ AIPHOTO_ENHANCE_PRECISION: 'fp32' }, { vnni: true }).enhance.precision).toBe('fp32');
    expect(loadConfig({ AIPHOTO_ENHANCE_PRECISION: 'int8' }, { vnni: false }).enhance.precision).toBe('int8');
    expect(loadConfig({ AIPHOTO_ENHANCE_RUNTIME: 'tfjs' }, { vnni: true }).enhance.precision).toBe('fp32');
    expect(loadConfig({ AIPHOTO_ENHANCE_MODEL: 'slim' }, { vnni: true }).enhance).toMatchObject({ precision: 'fp32', precisionReason: 'int8 is no faster for esrgan-slim' });
    expect(loadConfig({ AIPHOTO_MAX_OUTPUT_PIXELS: '1000000' }, { vnni: true }).limits.maxOutputPixels).toBe(1_000_000);
    expect(() => loadConfig({ AIPHOTO_ENHANCE_PRECISION: 'int8', AIPHOTO_ENHANCE_RUNTIME: 'tfjs' })).toThrow(/int8 runs on the onnx runtime only/);
    expect(() => loadConfig({ AIPHOTO_ENHANCE_PRECISION: 'int4' })).toThrow(/AIPHOTO_ENHANCE_PRECISION: expected one of auto, fp32, int8/);
    expect(() => loadConfig({ AIPHOTO_MAX_OUTPUT_PIXELS: '0' })).toThrow(/AIPHOTO_MAX_OUTPUT_PIXELS/);
  });

  it('reads the job settings: hours kept, lease, webhook allow list and retry waits', () => {
    expect(
      loadConfig({
        AIPHOTO_JOB_TTL_HOURS: '0.5',
        AIPHOTO_JOB_LEASE_MS: '5000',
        AIPHOTO_WEBHOOK_ALLOW_HOSTS: ' hooks.internal, 10.0.0.0/8 ,,',
        AIPHOTO_WEBHOOK_RETRY_DELAYS_MS: '100, 2000',
      }).jobs,
    ).toEqual({ leaseMs: 5000, finishedTtlMs: 1_800_000, webhookAllowHosts: ['hooks.internal', '10.0.0.0/8'], webhookRetryDelaysMs: [100, 2000] });
    for (const bad of ['0', '-5', 'soon', '1,,2', Array.from({ length: 11 }, () => '1').join(',')]) {
      expect(() => loadConfig({ AIPHOTO_WEBHOOK_RETRY_DELAYS_MS: bad }), bad).toThrow(/AIPHOTO_WEBHOOK_RETRY_DELAYS_MS/);
    }
    expect(() => loadConfig({ AIPHOTO_JOB_TTL_HOURS: '0' })).toThrow(/AIPHOTO_JOB_TTL_HOURS/);
    expect(() => loadConfig({ AIPHOTO_WEBHOOK_ALLOW_HOSTS: 'hooks.internal,10.0.0.0/33' })).toThrow(/AIPHOTO_WEBHOOK_ALLOW_HOSTS: "10.0.0.0\/33" is not a network/);
  });

  it('reads every variable and treats empty strings as unset', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      AIPHOTO_DATA_DIR: '/var/lib/aiphoto',
      AIPHOTO_PUBLIC_URL: 'https://img.example.com/',
      AIPHOTO_FREE_DAILY_LIMIT: '10',
      AIPHOTO_PRO_DAILY_LIMIT: '',
      AIPHOTO_TRUST_PROXY: '10.0.0.0/8, 192.168.1.1',
      AIPHOTO_LOCAL_PROVIDER: 'off',
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      dataDir: '/var/lib/aiphoto',
      publicUrl: 'https://img.example.com',
      freeDailyLimit: 10,
      proDailyLimit: 1000,
      trustProxy: '10.0.0.0/8,192.168.1.1',
      localProvider: false,
    });
    expect(loadConfig({ AIPHOTO_TRUST_PROXY: 'on' }).trustProxy).toBe(1);
    expect(loadConfig({ AIPHOTO_TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ AIPHOTO_TRUST_PROXY: 'off' }).trustProxy).toBe(0);
    expect(loadConfig({ AIPHOTO_TRUST_PROXY: '2' }).trustProxy).toBe(2);
  });

  it('enables exactly the providers whose key is set, with overridable base URLs', () => {
    const config = loadConfig({
      BFL_API_KEY: 'bfl-secret',
      FAL_KEY: 'fal-secret',
      FAL_BASE_URL: 'http://127.0.0.1:9999/fal/',
      OPENAI_BASE_URL: 'http://ignored.example',
    });
    expect(config.providers).toEqual({
      bfl: { apiKey: 'bfl-secret', baseUrl: 'https://api.bfl.ai/v1' },
      fal: { apiKey: 'fal-secret', baseUrl: 'http://127.0.0.1:9999/fal' },
    });
  });

  it('refuses remote moderation without an OpenAI key', () => {
    expect(() => loadConfig({ AIPHOTO_MODERATION: 'openai' })).toThrow(/AIPHOTO_MODERATION: .*OPENAI_API_KEY/);
    expect(loadConfig({ AIPHOTO_MODERATION: 'openai', OPENAI_API_KEY: 'sk-x' }).moderation).toBe('openai');
  });

  it.each([
    ['PORT', 'http'],
    ['PORT', '70000'],
    ['AIPHOTO_FREE_DAILY_LIMIT', 'five'],
    ['AIPHOTO_PRO_DAILY_LIMIT', '-1'],
    ['AIPHOTO_PUBLIC_URL', 'localhost:3000'],
    ['AIPHOTO_LOCAL_PROVIDER', 'maybe'],
    ['AIPHOTO_TRUST_PROXY', 'everyone'],
    ['AIPHOTO_ENHANCE_MODEL', 'huge'],
    ['AIPHOTO_ENHANCE_RUNTIME', 'cuda'],
    ['AIPHOTO_MAX_UPLOAD_BYTES', '10MB'],
    ['AIPHOTO_ENHANCE_TILE', '8'],
    ['BFL_BASE_URL', 'api.bfl.ai'],
    ['AIPHOTO_MODERATION', 'strict'],
    ['AIPHOTO_PROVIDER_TIMEOUT_MS', '0'],
    ['REDIS_URL', 'http://localhost:6379'],
    ['AIPHOTO_S3_PUBLIC_MODE', 'public'],
    ['AIPHOTO_IMAGE_TTL_DAYS', '-1'],
  ])('refuses %s=%s with a message naming the variable', (name, value) => {
    const attempt = () => loadConfig({ [name]: value });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(new RegExp(`${name}: `));
  });
});

describe('the model catalog (AIPHOTO_MODELS_FILE)', () => {
  const catalogFile = (name: string, text: string) => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-catalog-')), name);
    fs.writeFileSync(file, text);
    return file;
  };

  it('serves the built-in models on their providers when only keys are set', () => {
    const config = loadConfig({ OPENAI_API_KEY: 'sk-openai', BFL_API_KEY: 'bfl-key' });
    const dalle = config.models.find((model) => model.id === 'dall-e-3')!;
    expect(dalle.candidates).toEqual([{ provider: 'openai', model: 'gpt-image-2', settings: { apiKey: 'sk-openai', baseUrl: 'https://api.openai.com/v1' }, options: {} }]);
    expect(dalle.aliases).toContain('gpt-image-1');
    expect(config.models.find((model) => model.id === 'flux-pro')!.candidates.map((candidate) => candidate.model)).toEqual(['flux-pro-1.1']);
    expect(config.models.find((model) => model.id === 'flux-schnell')!.candidates).toEqual([]);
  });

  it('adds and replaces models from a YAML file, keeping the seed ids first', () => {
    const file = catalogFile(
      'models.yaml',
      [
        'models:',
        '  - id: dall-e-3',
        '    aliases: [gpt-image-1]',
        '    candidates:',
        '      - provider: openai',
        '        model: gpt-image-2.5-flare',
        '  - id: house-openai',
        '    name: House GPT image',
        '    candidates:',
        '      - provider: openai',
        '        model: gpt-image-2',
        '        base_url: http://gpu-box.internal:1234/v1/',
        '        api_key_env: HOUSE_OPENAI_KEY',
      ].join('\n'),
    );
    const config = loadConfig({ AIPHOTO_MODELS_FILE: file, OPENAI_API_KEY: 'sk-openai', HOUSE_OPENAI_KEY: 'house-key-123456' });
    expect(config.models.map((model) => model.id)).toEqual(['flux-pro', 'dall-e-3', 'stable-diffusion-xl-1024-v1-0', 'flux-schnell', 'flux-2-pro', 'house-openai']);
    const dalle = config.models.find((model) => model.id === 'dall-e-3')!;
    expect([dalle.aliases, dalle.candidates[0]!.model, dalle.name]).toEqual([['gpt-image-1'], 'gpt-image-2.5-flare', 'OpenAI GPT Image']);
    expect(config.models.at(-1)!.candidates).toEqual([
      { provider: 'openai', model: 'gpt-image-2', settings: { apiKey: 'house-key-123456', baseUrl: 'http://gpu-box.internal:1234/v1' }, options: {} },
    ]);
  });

  it('reads JSON too', () => {
    const file = catalogFile('models.json', JSON.stringify({ models: [{ id: 'extra', candidates: [{ provider: 'bfl', model: 'flux-2-max' }] }] }));
    expect(loadConfig({ AIPHOTO_MODELS_FILE: file, BFL_API_KEY: 'bfl-key' }).models.at(-1)).toMatchObject({ id: 'extra', candidates: [{ model: 'flux-2-max' }] });
  });

  it.each([
    ['models:\n  - id: x\n    candidates:\n      - provider: dalle\n        model: m\n', /AIPHOTO_MODELS_FILE: models\[0\]\.candidates\[0\]\.provider: expected one of openai/],
    ['models:\n  - id: x\n    candidates: []\n', /models\[0\]\.candidates: expected at least one candidate/],
    ['models:\n  - id: "bad id"\n    candidates:\n      - { provider: bfl, model: m }\n', /models\[0\]\.id: expected letters/],
    ['models:\n  - id: x\n    candidates:\n      - { provider: bfl, model: m, base_url: gpu-box }\n', /candidates\[0\]\.base_url: expected an absolute/],
    ['models:\n  - id: x\n    aliases: [flux-pro]\n    candidates:\n      - { provider: bfl, model: m }\n', /"flux-pro" names both flux-pro and x/],
    ['models: [\n', /is not valid YAML/],
  ])('refuses a broken catalog with an error that names the entry and field (%#)', (text, message) => {
    const file = catalogFile('models.yaml', text);
    expect(() => loadConfig({ AIPHOTO_MODELS_FILE: file })).toThrow(message);
  });
});
