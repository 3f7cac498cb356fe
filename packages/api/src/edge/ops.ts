import type { CoreServices } from '@aiphoto/core';
import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import { z } from 'zod';

export const readinessSchema = z.object({
  status: z.enum(['ready', 'unavailable']),
  store: z.boolean(),
  storage: z.boolean(),
  shutting_down: z.boolean(),
});

/** Liveness, readiness (stores, storage, not shutting down) and Prometheus metrics. */
export const opsRoutes: FastifyPluginAsync<{ services: CoreServices; registry: Registry; shuttingDown: () => boolean }> = async (
  app,
  { services, registry, shuttingDown },
) => {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const checks = await services.readiness();
    const stopping = shuttingDown();
    const ready = checks.store && checks.storage && !stopping;
    const body: z.infer<typeof readinessSchema> = { status: ready ? 'ready' : 'unavailable', store: checks.store, storage: checks.storage, shutting_down: stopping };
    return reply.status(ready ? 200 : 503).send(body);
  });

  app.get('/metrics', async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
};
