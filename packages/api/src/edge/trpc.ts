import { fastifyRequestHandler, fastifyTRPCPlugin, type FastifyTRPCPluginOptions } from '@trpc/server/adapters/fastify';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { fastifyTRPCOpenApiPlugin } from 'trpc-to-openapi';
import type { Context } from '../context.ts';
import type { OperationMeta } from '../procedures.ts';
import type { CallFor } from '../direct-caller.ts';
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

/** The methods a REST path answers (HEAD wherever GET), or undefined for a path that is no operation's. */
export function restMethodsOf(path: string): string[] | undefined {
  const template = restTemplateOf(path);
  if (!template) return undefined;
  const methods = REST_OPERATIONS.filter((operation) => operation.path === template).map((operation) => operation.method.toUpperCase());
  return methods.includes('GET') ? [...methods, 'HEAD'] : methods;
}

export type ContextFor = (request: FastifyRequest, reply: FastifyReply) => Context;

/**
 * The router on two surfaces: tRPC at /trpc and REST at /api (through trpc-to-openapi). Both
 * report failures to the responder, which answers them alike.
 */
export const trpcSurfaces: FastifyPluginAsync<{ contextFor: ContextFor; call: CallFor }> = async (app, { contextFor, call }) => {
  const createContext = ({ req, res }: { req: FastifyRequest; res: FastifyReply }) => contextFor(req, res);
  const trpcOptions = {
    router: appRouter,
    createContext,
    onError: ({ error, req }) => void recordFailure(req, error),
  } satisfies FastifyTRPCPluginOptions<AppRouter>['trpcOptions'];

  await app.register(fastifyTRPCPlugin, { prefix: '/trpc', trpcOptions });

  // The call every page load and every client's quota check makes, answered by the procedure
  // (called directly, see direct-caller.ts) in tRPC's own wire format: tRPC's handler would
  // first build a web Request and stream a web Response, which cost it six times what the
  // answer does. Any other form of the call (an input, a streaming client) goes to tRPC's
  // handler as before; errors are answered by the responder in tRPC's shape, as for every
  // refusal at the edge.
  app.get('/trpc/status', { exposeHeadRoute: false }, async (request, reply) => {
    const { batch, input, ...others } = request.query as Record<string, string | undefined>;
    const batched = batch === '1';
    const plain = Object.keys(others).length === 0 && request.headers['trpc-accept'] === undefined && (batched ? input === undefined || input === '{}' : batch === undefined && input === undefined);
    if (!plain) return fastifyRequestHandler({ ...trpcOptions, req: request, res: reply, path: 'status' });
    const result = { result: { data: await call(request, reply).status() } };
    reply.header('vary', 'trpc-accept, accept').type('application/json');
    return batched ? [result] : result;
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
