import http from 'node:http';
import path from 'node:path';
import { configuredSecrets, createCoreServices, lineRedactor, type Config, type CoreServices } from '@aiphoto/core';
import Fastify, { type FastifyInstance, type RawServerDefault } from 'fastify';
import { docsRoutes } from './edge/docs.ts';
import { Lifecycle, connectionLifecycle } from './edge/lifecycle.ts';
import { createMetrics } from './edge/metrics.ts';
import { opsRoutes } from './edge/ops.ts';
import { originFinder, requestContext, requestIdFor } from './edge/request-context.ts';
import { logDestination } from './edge/log-format.ts';
import { OneLinePerRequest } from './edge/request-log.ts';
import { JSON_BODY_LIMIT } from './edge/request-guards.ts';
import { frameworkError, responder } from './edge/responder.ts';
import { restTemplateOf, trpcSurfaces, type ContextFor } from './edge/trpc.ts';
import { webApp } from './edge/web-app.ts';
import { enhanceRestRoute } from './operations/enhance.ts';
import { generateRestRoute } from './operations/generate.ts';
import { imageFileRoute } from './operations/image-file.ts';
import { openaiRoutes } from './operations/openai.ts';
import { statusRestRoute } from './operations/status.ts';
import { createDirectCaller, type CallFor } from './direct-caller.ts';

export interface ServerOptions {
  clock?: () => Date;
  /** Where JSON logs go (tests capture them); defaults to stdout. */
  logStream?: NodeJS.WritableStream;
}

export interface AIPhotoServer {
  app: FastifyInstance<RawServerDefault>;
  services: CoreServices;
  /** Starts listening; returns the address it listens on. */
  listen(): Promise<string>;
  close(): Promise<void>;
  /** SIGTERM: stop accepting, let in-flight requests finish until the deadline, then cancel them. */
  shutdown(deadlineMs?: number): Promise<void>;
}

/** Where `pnpm build` puts the web app in this repository. */
const DEFAULT_WEB_DIR = path.resolve(import.meta.dirname, '../../../apps/web/dist');

/** A hop count trusts exactly the first N hops from the socket; a string lists trusted proxies. */
const trustProxyOption = (trust: Config['trustProxy']) => (typeof trust === 'string' ? trust : (_address: string, hop: number) => hop < trust);

function createApp(config: Config, options: ServerOptions): FastifyInstance {
  const { connections } = config;
  return Fastify({
    logger: {
      level: config.logLevel,
      stream: logDestination(config.logFormat, options.logStream, !options.logStream && process.stdout.isTTY === true),
      // Every line is scrubbed on its way out, whatever wrote it, at whatever level and in
      // whatever field: keys, tokens and secrets by their form, the configured credentials by
      // value. (pino's path-based redact is not used: it matches only the fields named, and
      // re-parses every path and copies the object for each line and each request's child
      // logger: ~3 KB of garbage per status request.)
      hooks: { streamWrite: lineRedactor(configuredSecrets(config)) },
    },
    logController: new OneLinePerRequest(),
    trustProxy: trustProxyOption(config.trustProxy),
    bodyLimit: JSON_BODY_LIMIT,
    // Slow clients are cut off: headers within headersTimeout, the whole request within
    // requestTimeout (Node answers 408 and closes), idle keep-alive sockets after
    // keepAliveTimeout. There is deliberately no inactivity timeout: a long enhance leaves a
    // healthy socket silent for minutes while the server works.
    serverFactory: (handler) =>
      http.createServer(
        {
          headersTimeout: Math.min(connections.headersTimeoutMs, connections.requestTimeoutMs),
          requestTimeout: connections.requestTimeoutMs,
          keepAliveTimeout: connections.keepAliveTimeoutMs,
          // Node checks those timeouts on this interval (30 s by default).
          connectionsCheckingInterval: Math.min(1_000, connections.headersTimeoutMs),
        },
        handler,
      ),
    requestIdHeader: false,
    genReqId: requestIdFor,
    // Long enough for a full tRPC batch of procedure names; longer paths are refused in the
    // contract's shape by frameworkError, never with Fastify's bare 414.
    routerOptions: { maxParamLength: 256 },
    frameworkErrors: frameworkError,
  }) as unknown as FastifyInstance;
}

export async function buildServer(config: Config, options: ServerOptions = {}): Promise<AIPhotoServer> {
  const clock = options.clock ?? (() => new Date());
  const app = createApp(config, options);
  const lifecycle = new Lifecycle();
  let metrics: ReturnType<typeof createMetrics> | undefined;
  const services = await createCoreServices(config, {
    clock,
    logger: app.log,
    observer: {
      generation: (event) => {
        metrics?.observer.generation(event);
        app.log.info(event, `generate ${event.model} by ${event.provider}: ${event.outcome} in ${event.seconds.toFixed(1)} s`);
      },
      enhancement: (event) =>
        app.log.info(event, `enhance ${event.model} ×${event.scale}${event.size ? ` → ${event.size}` : ''} (${event.precision}): ${event.outcome} in ${event.seconds.toFixed(1)} s`),
      providerAttempt: (event) => metrics?.observer.providerAttempt(event),
    },
  });
  metrics = createMetrics({ enhanceQueueDepth: () => services.enhancePool.depth });
  // A plain close stops running jobs at once (refunded); a shutdown gives them what is left of its deadline.
  let jobsDeadline = 0;
  app.addHook('onClose', async () => services.close(Math.max(jobsDeadline - Date.now(), 0)));

  const originOf = originFinder(config);
  const contextFor: ContextFor = (request, reply) => ({
    services,
    caller: request.identity!.caller,
    quota: request.identity!.quota,
    // Made on first use: most answers (status, refusals) never need to know of a hang-up.
    get signal() {
      const signal = lifecycle.signalFor(request, reply);
      Object.defineProperty(this, 'signal', { value: signal });
      return signal;
    },
    imageUrl: (fileName) => `${originOf(request)}/images/${fileName}`,
    outcome: request.outcome,
    ...(typeof request.headers['idempotency-key'] === 'string' ? { idempotencyKey: request.headers['idempotency-key'] } : {}),
  });
  const call: CallFor = (request, reply) => createDirectCaller(contextFor(request, reply));

  await app.register(requestContext, { services, maxUploadBytes: config.limits.maxUploadBytes });
  await app.register(responder, { metrics, clock, restTemplateOf });
  await app.register(connectionLifecycle, { lifecycle });
  await app.register(webApp, { config, webDir: config.webDir ?? DEFAULT_WEB_DIR });
  await app.register(statusRestRoute, { call });
  await app.register(generateRestRoute, { call });
  await app.register(enhanceRestRoute, { maxUploadBytes: config.limits.maxUploadBytes, call });
  await app.register(openaiRoutes, { services, call });
  await app.register(trpcSurfaces, { contextFor, call });
  await app.register(docsRoutes, { originOf, models: config.models });
  await app.register(opsRoutes, { services, registry: metrics.registry, shuttingDown: () => lifecycle.shuttingDown });
  await app.register(imageFileRoute, { services, presign: config.s3?.publicMode === 'presign' });

  return {
    app,
    services,
    async listen() {
      const address = await app.listen({ port: config.port, host: config.host });
      for (const [model, providers] of Object.entries(services.router.describe())) {
        if (providers[0] === 'local') {
          app.log.warn({ model, provider: 'local' }, `model ${model} is served by the offline placeholder renderer (not AI)`);
        } else {
          app.log.info({ model, providers }, `model ${model} is served by ${providers.join(' → ') || 'nothing'}`);
        }
      }
      const { model, precision, reason } = services.enhanceEngine;
      app.log.info({ model, precision }, `enhance runs ${model} in ${precision} (${reason})`);
      const publicUrl = config.publicUrl ?? address;
      // An address that means "every interface" is not one a browser can open.
      const open = publicUrl.replace(/^(https?:\/\/)(0\.0\.0\.0|\[::\])(?=:|$)/, '$1localhost');
      app.log.info(
        { publicUrl, store: config.redisUrl ? 'redis' : 'sqlite', storage: config.s3 ? `s3:${config.s3.bucket}` : 'local' },
        `AIPhoto listening at ${publicUrl} — the page: ${open}/ · API docs: ${open}/api/docs · REST: ${open}/api · tRPC: ${open}/trpc`,
      );
      services.retention.start();
      services.jobs.start();
      return publicUrl;
    },
    close: () => app.close(),
    shutdown: (deadlineMs = config.shutdownTimeoutMs) => {
      jobsDeadline = Date.now() + deadlineMs;
      return lifecycle.shutdown(app, deadlineMs);
    },
  };
}
