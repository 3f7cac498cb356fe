import { createRequire } from 'node:module';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { DOCS_ASSET_PREFIX, docsHtml, docsInitScript } from '../docs-page.ts';
import { buildOpenApiDocument } from '../openapi.ts';

/** Origins the document is kept for at once (localhost, an IP, a name…); then it starts over. */
const MAX_CACHED_ORIGINS = 16;

/** The OpenAPI document (its `servers` on the caller's address) and the docs page, all local. */
export const docsRoutes: FastifyPluginAsync<{ originOf: (request: FastifyRequest) => string }> = async (app, { originOf }) => {
  const documents = new Map<string, unknown>();
  app.get('/api/openapi.json', async (request) => {
    const origin = originOf(request);
    let document = documents.get(origin);
    if (!document) {
      if (documents.size >= MAX_CACHED_ORIGINS) documents.clear();
      document = buildOpenApiDocument(origin);
      documents.set(origin, document);
    }
    return document;
  });
  app.get('/api/docs', async (_request, reply) => reply.type('text/html; charset=utf-8').send(docsHtml));
  app.get('/api/docs/init.js', async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(docsInitScript));
  const swaggerUiDir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  await app.register(fastifyStatic, { root: swaggerUiDir, prefix: DOCS_ASSET_PREFIX, decorateReply: false, index: false });
};
