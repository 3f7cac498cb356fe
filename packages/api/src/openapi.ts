import { ERROR_CODES, IMAGE_FORMATS, type ErrorCode, type ModelSpec } from '@aiphoto/core';
import { generateOpenApiDocument, type OpenAPIObject } from 'trpc-to-openapi';
import { readinessSchema } from './edge/ops.ts';
import { ERROR_TABLE, HTTP_STATUS } from './errors.ts';
import { GENERATE_ERRORS } from './operations/generate.ts';
import { openaiImagesRequestSchema } from './operations/openai.ts';
import type { OperationMeta } from './procedures.ts';
import { appRouter } from './router.ts';


type Operation = { responses?: Record<string, unknown>; [key: string]: unknown };

/** Which errors each REST operation can answer with, from the operation's own module. */
const OPERATION_ERRORS: Record<string, readonly ErrorCode[]> = Object.fromEntries(
  Object.values(appRouter._def.procedures).flatMap((procedure) => {
    const meta = (procedure as { _def: { meta?: OperationMeta } })._def.meta;
    return meta?.openapi && meta.errors ? [[`${meta.openapi.method} ${meta.openapi.path}`, meta.errors]] : [];
  }),
);

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'The request is invalid; `error` says which part.',
  401: 'The Authorization header is malformed, or the key is unknown or revoked.',
  404: 'No such path or image.',
  413: 'The request body is too large.',
  415: 'Wrong Content-Type for this route.',
  409: 'The first request with this Idempotency-Key is still running.',
  422: 'The prompt was rejected by the content filter or by the provider’s moderation, or the Idempotency-Key was used with a different request.',
  429: 'The daily quota is used up; it resets at 00:00 UTC.',
  500: 'Generation or the server failed; no quota was charged.',
  503: 'A store is unreachable or the service is overloaded; retry after `Retry-After` seconds.',
};

const RATE_LIMIT_HEADERS = {
  'X-RateLimit-Limit': { $ref: '#/components/headers/X-RateLimit-Limit' },
  'X-RateLimit-Remaining': { $ref: '#/components/headers/X-RateLimit-Remaining' },
  'X-RateLimit-Reset': { $ref: '#/components/headers/X-RateLimit-Reset' },
  'RateLimit-Policy': { $ref: '#/components/headers/RateLimit-Policy' },
  RateLimit: { $ref: '#/components/headers/RateLimit' },
  'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' },
};

const COMPONENT_HEADERS = {
  'X-RateLimit-Limit': { description: "The caller's daily limit.", schema: { type: 'integer' } },
  'X-RateLimit-Remaining': { description: 'Units left today.', schema: { type: 'integer' } },
  'X-RateLimit-Reset': { description: 'Unix epoch seconds of the next 00:00 UTC.', schema: { type: 'integer' } },
  'RateLimit-Policy': { description: 'IETF draft form: `"daily";q=<limit>;w=86400`.', schema: { type: 'string' } },
  RateLimit: { description: 'IETF draft form: `"daily";r=<remaining>;t=<seconds to reset>`.', schema: { type: 'string' } },
  'X-Request-Id': { description: 'Echoes a sane incoming X-Request-Id, else a generated one.', schema: { type: 'string' } },
  'Retry-After': { description: 'Seconds until retrying can succeed.', schema: { type: 'integer' } },
};

/** The operations that also run as jobs (`Prefer: respond-async`, RFC 7240). */
const JOB_OPERATIONS = new Set(['POST /generate', 'POST /enhance']);

const PREFER_PARAMETER = {
  name: 'Prefer',
  in: 'header',
  required: false,
  description: '`respond-async` runs the operation as a job: the answer is 202 with the job and `Location: /api/jobs/{id}` instead of waiting for the image.',
  schema: { type: 'string', example: 'respond-async' },
};

const ACCEPTED_RESPONSE = {
  description: 'Sent `Prefer: respond-async`: the job was accepted and its unit reserved. Watch it at `Location`; `result` holds the 200 body once it succeeded.',
  headers: {
    Location: { description: 'Where to watch the job: `/api/jobs/{id}`.', schema: { type: 'string' } },
    'Preference-Applied': { description: '`respond-async`.', schema: { type: 'string' } },
    ...RATE_LIMIT_HEADERS,
  },
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Job' } } },
};

function errorResponse(status: number, codes: readonly ErrorCode[]) {
  const headers: Record<string, unknown> = { ...RATE_LIMIT_HEADERS };
  if (status === 429 || status === 503) headers['Retry-After'] = { $ref: '#/components/headers/Retry-After' };
  return {
    description: ERROR_DESCRIPTIONS[status] ?? 'Error.',
    headers,
    content: {
      'application/json': {
        schema: {
          allOf: [{ $ref: '#/components/schemas/Error' }],
          properties: { error: { type: 'string', enum: codes } },
        },
      },
    },
  };
}

function errorResponses(codes: readonly ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(HTTP_STATUS[code], [...(byStatus.get(HTTP_STATUS[code]) ?? []), code]);
  return Object.fromEntries([...byStatus].map(([status, list]) => [String(status), errorResponse(status, list)]));
}

/**
 * trpc-to-openapi documents its own error shape; the server sends ours (`{success, error,
 * message}`), so every non-2xx response is replaced here with the envelope and the exact
 * codes that operation can return.
 */
export function buildOpenApiDocument(publicUrl: string, models: readonly Pick<ModelSpec, 'id' | 'aliases'>[]): OpenAPIObject {
  const document = generateOpenApiDocument(appRouter, {
    title: 'AIPhoto API',
    version: '1.0',
    description:
      'Generate images from text and enhance photos. Send `Authorization: Bearer <key>` for the pro plan; without it you use the free plan, counted per client network. Every response carries rate-limit headers. Long work can run as a job: send `Prefer: respond-async` to `POST /generate` or `POST /enhance`, get 202 and a job, watch it at `GET /jobs/{id}` (or receive a signed webhook), cancel it with `DELETE /jobs/{id}`. The same operations are tRPC procedures at `/trpc/<name>` (generate, enhance, generateJob, enhanceJob, job, jobs, cancelJob, status, models; for `@trpc/client` with the `AppRouter` type), answered with the same statuses and headers.',
    baseUrl: `${publicUrl}/api`,
    securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key, `aip_…`.' } },
    paths: {
      '/images/{file}': {
        servers: [{ url: publicUrl }],
        get: {
          operationId: 'getImage',
          tags: ['images'],
          summary: 'A stored result',
          description: 'Served from this service with a long cache lifetime and an ETag; outside `/api`, so no quota headers.',
          parameters: [
            { name: 'file', in: 'path', required: true, schema: { type: 'string', pattern: `^[A-Za-z0-9_-]{24}\\.(${Object.keys(IMAGE_FORMATS).join('|')})$` } },
          ],
          responses: {
            '200': {
              description: 'The image bytes.',
              headers: {
                ETag: { schema: { type: 'string' } },
                'Cache-Control': { schema: { type: 'string' } },
              },
              content: Object.fromEntries(
                Object.values(IMAGE_FORMATS).map((mediaType) => [mediaType, { schema: { type: 'string', contentMediaType: mediaType } }]),
              ),
            },
            '304': { description: 'Not modified (If-None-Match matched).' },
            '404': {
              description: 'No such image.',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
            },
          },
        },
      },
      '/v1/images/generations': {
        servers: [{ url: publicUrl }],
        post: {
          operationId: 'openaiCreateImage',
          tags: ['openai-compatible'],
          summary: "OpenAI Images API: generate (for OpenAI SDKs and tools)",
          description:
            'The same generation as POST /api/generate in OpenAI\'s wire format: point an OpenAI client at `<server>/v1` with an AIPhoto key. Each image costs one unit; `n` images are reserved all-or-nothing. `style`, `quality` and `user` are accepted and ignored. Errors use OpenAI\'s shape with AIPhoto\'s code in `code`, except the content filter, which is 400 `content_policy_violation` as at OpenAI.',
          security: [{}, { bearerAuth: [] }],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                // The schema the route validates with, documented as callers send it.
                schema: openaiImagesRequestSchema,
              },
            },
          },
          responses: {
            '200': {
              description: 'The images.',
              headers: RATE_LIMIT_HEADERS,
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['created', 'data'],
                    properties: {
                      created: { type: 'integer' },
                      data: {
                        type: 'array',
                        items: { type: 'object', properties: { url: { type: 'string' }, b64_json: { type: 'string' } } },
                      },
                    },
                  },
                },
              },
            },
            ...Object.fromEntries(
              [...new Set(GENERATE_ERRORS.map((code) => ERROR_TABLE[code].openai.status))].map((status) => [
                String(status),
                {
                  description: ERROR_DESCRIPTIONS[status] ?? 'Error.',
                  headers: RATE_LIMIT_HEADERS,
                  content: { 'application/json': { schema: { $ref: '#/components/schemas/OpenAIError' } } },
                },
              ]),
            ),
          },
        },
      },
      '/v1/models': {
        servers: [{ url: publicUrl }],
        get: {
          operationId: 'openaiListModels',
          tags: ['openai-compatible'],
          summary: "OpenAI Models API: the models in OpenAI's list shape",
          security: [{}, { bearerAuth: [] }],
          responses: {
            '200': {
              description: 'The models.',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      object: { const: 'list' },
                      data: {
                        type: 'array',
                        items: {
                          type: 'object',
                          properties: { id: { type: 'string' }, object: { const: 'model' }, created: { type: 'integer' }, owned_by: { type: 'string' } },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
      '/readyz': {
        servers: [{ url: publicUrl }],
        get: {
          operationId: 'readyz',
          tags: ['operations'],
          summary: 'Readiness: the stores and storage answer and the server is not shutting down',
          responses: {
            '200': { description: 'Ready to serve.', content: { 'application/json': { schema: readinessSchema } } },
            '503': { description: 'Not ready; a load balancer should send traffic elsewhere.', content: { 'application/json': { schema: readinessSchema } } },
          },
        },
      },
      '/metrics': {
        servers: [{ url: publicUrl }],
        get: {
          operationId: 'metrics',
          tags: ['operations'],
          summary: 'Prometheus metrics (requests by route, generations, provider latency, quota refusals, queue depth)',
          responses: { '200': { description: 'Prometheus text format.', content: { 'text/plain': { schema: { type: 'string' } } } } },
        },
      },
      '/healthz': {
        servers: [{ url: publicUrl }],
        get: {
          operationId: 'healthz',
          tags: ['operations'],
          summary: 'Liveness',
          responses: {
            '200': {
              description: 'The process is up.',
              content: { 'application/json': { schema: { type: 'object', properties: { status: { const: 'ok' } }, required: ['status'] } } },
            },
          },
        },
      },
    },
  });

  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
      const operation = (item as Record<string, Operation | undefined>)[method];
      const codes = OPERATION_ERRORS[`${method.toUpperCase()} ${path}`];
      if (!operation || !codes) continue;
      const success = operation.responses?.['200'] as { headers?: unknown } | undefined;
      const asJob = JOB_OPERATIONS.has(`${method.toUpperCase()} ${path}`);
      operation.responses = {
        '200': { ...success, headers: RATE_LIMIT_HEADERS },
        ...(asJob ? { '202': ACCEPTED_RESPONSE } : {}),
        ...errorResponses(codes),
      };
      if (asJob) operation.parameters = [...((operation.parameters as unknown[] | undefined) ?? []), PREFER_PARAMETER];
      operation.security = [{}, { bearerAuth: [] }];
    }
  }

  const schemas = Object.fromEntries(
    Object.entries(document.components?.schemas ?? {}).filter(([name]) => !name.startsWith('error.')),
  );
  document.components = {
    ...document.components,
    schemas: {
      ...schemas,
      OpenAIError: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['message', 'type', 'param', 'code'],
            properties: {
              message: { type: 'string' },
              type: { type: 'string', enum: ['invalid_request_error', 'authentication_error', 'rate_limit_error', 'server_error'] },
              param: { type: ['string', 'null'] },
              code: { type: 'string', enum: [...ERROR_CODES.filter((code) => code !== 'content_filtered'), 'content_policy_violation'] },
            },
          },
        },
      },
      Error: {
        type: 'object',
        required: ['success', 'error', 'message'],
        additionalProperties: false,
        properties: {
          success: { const: false },
          error: { type: 'string', enum: [...ERROR_CODES] },
          message: { type: 'string', description: 'One sentence a person can act on.' },
        },
      },
    },
    headers: COMPONENT_HEADERS as NonNullable<OpenAPIObject['components']>['headers'],
  };
  listModels(document, models);
  return document;
}

/** The operator's catalog decides which model names exist: the document lists this server's. */
function listModels(document: OpenAPIObject, models: readonly Pick<ModelSpec, 'id' | 'aliases'>[]): void {
  const modelField = (path: string) => {
    const body = (document.paths?.[path]?.post?.requestBody ?? {}) as { content?: Record<string, { schema?: { properties?: Record<string, Record<string, unknown>> } }> };
    return body.content?.['application/json']?.schema?.properties?.model;
  };
  const ids = models.map((model) => model.id);
  const generate = modelField('/generate');
  if (generate) generate.enum = [...ids, ...models.flatMap((model) => model.aliases)];
  const openai = modelField('/v1/images/generations');
  if (openai) openai.enum = [...ids, ...models.flatMap((model) => model.aliases)];
}
