import { validate } from '@scalar/openapi-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '@aiphoto/core';
import { startTestServer, type TestServer } from './testing/harness.ts';
import { photo } from './testing/images.ts';

type Json = Record<string, any>;

describe('GET /api/openapi.json', () => {
  let t: TestServer;
  let document: Json;
  beforeEach(async () => {
    t = await startTestServer({ env: { AIPHOTO_FREE_DAILY_LIMIT: '1' } });
    const response = await t.fetch('/api/openapi.json');
    expect(response.status).toBe(200);
    document = await response.json();
  });
  afterEach(() => t.close());

  it('gives every number in the response schemas a realistic example and no negative bound', () => {
    const problems: string[] = [];
    const walk = (node: unknown, where: string) => {
      if (!node || typeof node !== 'object') return;
      const schema = node as Json;
      if (schema.type === 'integer' || schema.type === 'number') {
        if (schema.example === undefined) problems.push(`${where}: no example`);
        if (typeof schema.minimum === 'number' && schema.minimum < 0) problems.push(`${where}: minimum ${schema.minimum}`);
      }
      for (const [key, child] of Object.entries(schema)) walk(child, `${where}.${key}`);
    };
    for (const name of ['GenerateResponse', 'EnhanceResponse', 'StatusResponse', 'ModelsResponse']) {
      expect(document.components.schemas[name], name).toBeDefined();
      walk(document.components.schemas[name], name);
    }
    expect(problems).toEqual([]);
    expect(document.components.schemas.GenerateResponse.properties.usage.example).toBe(2);
  });

  it('is a valid OpenAPI 3.1 document according to a third-party validator', async () => {
    expect(document.openapi).toBe('3.1.0');
    const result = await validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('describes every operation and every error code the server can send', () => {
    expect(document.servers).toEqual([{ url: `${t.baseUrl}/api` }]);
    expect(Object.keys(document.paths).sort()).toEqual([
      '/enhance',
      '/generate',
      '/healthz',
      '/images/{file}',
      '/jobs',
      '/jobs/{id}',
      '/metrics',
      '/models',
      '/readyz',
      '/status',
      '/usage',
      '/v1/images/generations',
      '/v1/models',
    ]);
    const documentedCodes = new Set<string>();
    for (const item of Object.values(document.paths) as Json[]) {
      for (const operation of Object.values(item).filter((value) => value?.responses) as Json[]) {
        for (const response of Object.values(operation.responses) as Json[]) {
          const schema = response.content?.['application/json']?.schema;
          for (const code of schema?.properties?.error?.enum ?? []) documentedCodes.add(code);
        }
      }
    }
    // 405 answers a method a path has no operation for, so no operation can list it; the Error
    // schema's enum (below) carries it.
    expect([...documentedCodes].sort()).toEqual(ERROR_CODES.filter((code) => code !== 'method_not_allowed').sort());
    expect(document.components.schemas.Error.properties.error.enum).toEqual([...ERROR_CODES]);
    const generate = document.paths['/generate'].post;
    expect(generate.requestBody.content['application/json'].schema.required).toEqual(['prompt']);
    expect(generate.responses['429'].headers['Retry-After']).toBeDefined();
    expect(generate.responses['200'].headers['X-RateLimit-Remaining']).toBeDefined();
    // Both long operations document their job form: the Prefer header and a 202 with the job.
    for (const operation of [generate, document.paths['/enhance'].post]) {
      expect(operation.parameters.map((parameter: Json) => parameter.name)).toContain('Prefer');
      expect(operation.responses['202'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Job' });
      expect(operation.responses['202'].headers.Location).toBeDefined();
    }
    expect(document.components.schemas.Job.properties.status.enum).toEqual(['queued', 'running', 'succeeded', 'failed', 'canceled']);
    expect(Object.keys(document.paths['/jobs/{id}'])).toEqual(expect.arrayContaining(['get', 'delete']));
    expect(document.paths['/jobs/{id}'].get.responses['404']).toBeDefined();
    const enhance = document.paths['/enhance'].post;
    const upload = enhance.requestBody.content['multipart/form-data'].schema;
    expect(upload.required).toEqual(['image']);
    expect(upload.properties.image).toMatchObject({ type: 'string', format: 'binary' });
    expect(Object.keys(upload.properties).sort()).toEqual(['format', 'image', 'scale', 'strength', 'webhook_url']);
  });

  /** Validates a real response body against the schema the document gives for its status. */
  async function expectMatchesDocument(path: string, method: string, response: Response) {
    const operation = document.paths[path][method];
    const schema = operation.responses[String(response.status)]?.content?.['application/json']?.schema;
    expect(schema, `${method.toUpperCase()} ${path} documents ${response.status}`).toBeDefined();
    const ajv = new Ajv2020({ strict: false });
    addFormats.default(ajv);
    ajv.addSchema({ $id: 'doc', components: document.components });
    const resolved = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/'));
    const body = await response.json();
    const valid = ajv.validate(resolved, body);
    expect(ajv.errors ?? [], JSON.stringify(body)).toEqual([]);
    expect(valid).toBe(true);
  }

  it('documents exactly the bodies the server really sends, success and error alike', async () => {
    const post = (body: unknown, headers: Record<string, string> = {}) => t.generate(body, headers);
    await expectMatchesDocument('/generate', 'post', await post({ prompt: 'a cat', ratio: '16:9' }));
    await expectMatchesDocument('/generate', 'post', await post({ prompt: '' }));
    await expectMatchesDocument('/generate', 'post', await post({ prompt: 'a cat', model: 'x' }));
    await expectMatchesDocument('/generate', 'post', await post({ prompt: 'a cat', style: 'x' }));
    await expectMatchesDocument('/generate', 'post', await post({ prompt: 'a cat', ratio: 'x' }));
    await expectMatchesDocument('/generate', 'post', await post('{oops'));
    await expectMatchesDocument('/generate', 'post', await post({ prompt: 'x'.repeat(100_000) }));
    await expectMatchesDocument('/generate', 'post', await post({ prompt: 'n.u.d.e' }));
    await expectMatchesDocument('/generate', 'post', await post({ prompt: 'a cat' }));
    await expectMatchesDocument('/generate', 'post', await post({ prompt: 'a cat' }, { authorization: 'Bearer x' }));
    await expectMatchesDocument(
      '/generate',
      'post',
      await t.fetch('/api/generate', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' }),
    );
    const upload = (fields: Record<string, string | Blob>) => {
      const form = new FormData();
      for (const [name, value] of Object.entries(fields)) form.set(name, value);
      return t.fetch('/api/enhance', { method: 'POST', body: form });
    };
    await expectMatchesDocument('/enhance', 'post', await upload({ image: new Blob(['not an image']) }));
    await expectMatchesDocument('/enhance', 'post', await upload({ image: new Blob([await photo(16, 16, 'png')]), strength: '0' }));
    await expectMatchesDocument('/enhance', 'post', await upload({ image: new Blob([await photo(16, 16, 'png')]) }));
    const openai = (body: unknown) =>
      t.fetch('/v1/images/generations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await expectMatchesDocument('/v1/images/generations', 'post', await openai({ prompt: 'a fox', size: '512x512' }));
    await expectMatchesDocument('/v1/images/generations', 'post', await openai({ prompt: 'n.u.d.e' }));
    await expectMatchesDocument('/v1/images/generations', 'post', await openai({ prompt: 'a fox' }));
    await expectMatchesDocument('/v1/models', 'get', await t.fetch('/v1/models'));
    await expectMatchesDocument('/status', 'get', await t.fetch('/api/status'));
    await expectMatchesDocument('/status', 'get', await t.fetch('/api/status', { headers: { authorization: 'Bearer x' } }));
    await expectMatchesDocument('/models', 'get', await t.fetch('/api/models'));
    // Jobs: the 202, a job as it runs and once it ended (its result is the 200 body), the list, a cancel, a 404.
    // With a key of its own: the free quota of this address is spent above.
    const key = (await t.cli('keys', 'create', '--name', 'jobs')).stdout.trim();
    const asOwner = { authorization: `Bearer ${key}` };
    const submitted = await post({ prompt: 'a cat as a job' }, { prefer: 'respond-async', ...asOwner });
    const { id } = (await submitted.clone().json()) as { id: string };
    await expectMatchesDocument('/generate', 'post', submitted);
    await expectMatchesDocument('/enhance', 'post', await t.fetch('/api/enhance', { method: 'POST', headers: { prefer: 'respond-async' }, body: (() => {
      const form = new FormData();
      form.set('image', new Blob([new Uint8Array([1, 2, 3])]));
      return form;
    })() }));
    for (let i = 0; i < 200 && ((await (await t.fetch(`/api/jobs/${id}`, { headers: asOwner })).json()) as { status: string }).status === 'running'; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    const ended = await t.fetch(`/api/jobs/${id}`, { headers: asOwner });
    expect(((await ended.clone().json()) as { status: string }).status).toBe('succeeded');
    await expectMatchesDocument('/jobs/{id}', 'get', ended);
    await expectMatchesDocument('/jobs/{id}', 'get', await t.fetch('/api/jobs/job_nonenonenonenonenonenone'));
    await expectMatchesDocument('/jobs/{id}', 'delete', await t.fetch(`/api/jobs/${id}`, { method: 'DELETE', headers: asOwner }));
    await expectMatchesDocument('/jobs', 'get', await t.fetch('/api/jobs', { headers: asOwner }));
    await expectMatchesDocument('/jobs', 'get', await t.fetch('/api/jobs?status=nope'));
  });
});

describe('GET /api/docs', () => {
  it('renders from local assets only', async () => {
    await using t = await startTestServer();
    const page = await t.fetch('/api/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).not.toMatch(/(?:src|href)=["']?(?:https?:)?\/\//);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(4);
    for (const asset of assets) {
      const response = await t.fetch(asset);
      expect(response.status, asset).toBe(200);
      const text = await response.text();
      if (asset.endsWith('.js') && asset.includes('init')) {
        expect(text).toContain("url: '/api/openapi.json'");
        expect(text).toContain('validatorUrl: null');
      }
    }
  });
});
