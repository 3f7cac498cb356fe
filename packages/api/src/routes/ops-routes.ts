import type { CoreServices } from '@aiphoto/core';
import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';

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
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', ...checks, shutting_down: stopping });
  });

  app.get('/metrics', async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
};
