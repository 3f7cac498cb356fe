import { createRequire } from 'node:module';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { ModelSpec } from '@aiphoto/core';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { DOCS_ASSET_PREFIX, docsHtml, docsInitScript } from './docs-page.ts';
import { buildOpenApiDocument } from '../openapi.ts';

/** Stands for the caller's origin in the document built once; never a real host (RFC 2606). */
const ORIGIN_PLACEHOLDER = 'http://origin.aiphoto.invalid';

/**
 * The OpenAPI document (its `servers` on the caller's address) and the docs page, all local.
 * The document is built once (about 8 ms) and only the origin is put in per request, so a
 * caller inventing Host headers cannot make the server rebuild it.
 */
export const docsRoutes: FastifyPluginAsync<{ originOf: (request: FastifyRequest) => string; models: readonly Pick<ModelSpec, 'id' | 'aliases'>[] }> = async (
  app,
  { originOf, models },
) => {
  let documentText: string | undefined;
  app.get('/api/openapi.json', async (request, reply) => {
    documentText ??= JSON.stringify(buildOpenApiDocument(ORIGIN_PLACEHOLDER, models));
    return reply.type('application/json; charset=utf-8').send(documentText.replaceAll(ORIGIN_PLACEHOLDER, originOf(request)));
  });
  app.get('/api/docs', async (_request, reply) => reply.type('text/html; charset=utf-8').send(docsHtml));
  app.get('/api/docs/init.js', async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(docsInitScript));
  const swaggerUiDir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  await app.register(fastifyStatic, { root: swaggerUiDir, prefix: DOCS_ASSET_PREFIX, decorateReply: false, index: false });
};
