import { fastifyTRPCPlugin, type FastifyTRPCPluginOptions } from '@trpc/server/adapters/fastify';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { fastifyTRPCOpenApiPlugin } from 'trpc-to-openapi';
import type { Context } from '../context.ts';
import type { OperationMeta } from '../procedures.ts';
import { appRouter, type AppRouter } from '../router.ts';
import { recordFailure } from './responder.ts';

/** The REST operations trpc-to-openapi serves from its one `/api/*` route. */
export const REST_OPERATIONS = Object.values(appRouter._def.procedures).flatMap((procedure) => {
  const openapi = (procedure as { _def: { meta?: OperationMeta } })._def.meta?.openapi;
  return openapi ? [{ method: openapi.method, path: `/api${openapi.path}` }] : [];
});

const REST_TEMPLATES = REST_OPERATIONS.map((operation) => ({
  template: operation.path,
  pattern: new RegExp(`^${operation.path.replace(/\{[^}/]+\}/g, '[^/]+')}$`),
}));

/** The REST operation's path template a concrete path belongs to (`/api/jobs/{id}`), if any. */
export const restTemplateOf = (path: string) => REST_TEMPLATES.find(({ pattern }) => pattern.test(path))?.template;

export type ContextFor = (request: FastifyRequest, reply: FastifyReply) => Context;

/**
 * The router on two surfaces: tRPC at /trpc and REST at /api (through trpc-to-openapi). Both
 * report failures to the responder, which answers them alike.
 */
export const trpcSurfaces: FastifyPluginAsync<{ contextFor: ContextFor }> = async (app, { contextFor }) => {
  const createContext = ({ req, res }: { req: FastifyRequest; res: FastifyReply }) => contextFor(req, res);

  await app.register(fastifyTRPCPlugin, {
    prefix: '/trpc',
    trpcOptions: {
      router: appRouter,
      createContext,
      onError: ({ error, req }) => void recordFailure(req, error),
    } satisfies FastifyTRPCPluginOptions<AppRouter>['trpcOptions'],
  });

  await app.register(fastifyTRPCOpenApiPlugin, {
    basePath: '/api',
    router: appRouter,
    createContext: createContext as never,
    onError: ({ error, req }: { error: unknown; req: FastifyRequest }) => void recordFailure(req, error),
  } as never);

  // HEAD is GET without the body: the rate-limit headers a client may want, nothing run.
  for (const operation of REST_OPERATIONS.filter((candidate) => candidate.method === 'GET')) {
    app.head(operation.path, async (_request, reply) => reply.status(200).send());
  }
};
