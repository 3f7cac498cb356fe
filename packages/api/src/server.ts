import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import {
  InvalidRequestError,
  ServiceUnavailableError,
  type AIPhotoError,
  NotFoundError,
  RateLimitedError,
  CallerGoneError,
  configuredSecrets,
  createCoreServices,
  redactingStream,
  secondsUntil,
  type Config,
  type CoreServices,
  type QuotaSnapshot,
} from '@aiphoto/core';
import fastifyStatic from '@fastify/static';
import { fastifyTRPCPlugin, type FastifyTRPCPluginOptions } from '@trpc/server/adapters/fastify';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type RawServerDefault } from 'fastify';
import { fastifyTRPCOpenApiPlugin, type OpenApiMeta } from 'trpc-to-openapi';
import { HTTP_STATUS, errorEnvelope, toAIPhotoError } from './errors.ts';
import { registerEnhanceRoute } from './enhance-route.ts';
import { createMetrics } from './metrics.ts';
import { OpenAIParamError, openaiError, registerOpenAICompat } from './openai-compat.ts';
import { docsRoutes } from './routes/docs-routes.ts';
import { imagesRoute } from './routes/images-route.ts';
import { opsRoutes } from './routes/ops-routes.ts';
import {
  JSON_BODY_LIMIT,
  MAX_TRPC_BATCH,
  assertBatchWithinLimit,
  assertBodyWithinLimit,
  assertJsonNotTooDeep,
  isTrpcPath,
  mediaTypeOf,
} from './request-guards.ts';
import { appRouter, type AppRouter } from './root.ts';
import type { Context, RequestState } from './trpc.ts';

declare module 'fastify' {
  interface FastifyRequest {
    aiphoto?: RequestState;
    /** The error a procedure failed with on a REST path, for the envelope written in onSend. */
    restError?: unknown;
    /** The path as it arrived: trpc-to-openapi rewrites `url` for its own routing. */
    entryPath?: string;
  }
}

export interface ServerOptions {
  clock?: () => Date;
  /** Where JSON logs go (tests capture them); defaults to stdout. */
  logStream?: NodeJS.WritableStream;
}

export interface AIPhotoServer {
  app: FastifyInstance<RawServerDefault>;
  services: CoreServices;
  /** Starts listening; returns the public base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
  /** SIGTERM: stop accepting, let in-flight requests finish until the deadline, then cancel them. */
  shutdown(deadlineMs?: number): Promise<void>;
}

/** Where `pnpm build` puts the web app in this repository. */
const DEFAULT_WEB_DIR = path.resolve(import.meta.dirname, '../../../apps/web/dist');
const SANE_REQUEST_ID = /^[A-Za-z0-9._:@\-]{1,128}$/;
const SANE_ORIGIN = /^https?:\/\/[A-Za-z0-9.\-]{1,253}(:\d{1,5})?$|^https?:\/\/\[[0-9A-Fa-f:.]{2,45}\](:\d{1,5})?$/;
/** Paths under /api that are documentation, not operations: no key is checked there. */
const isDocsPath = (url: string) => url === '/api/openapi.json' || url === '/api/docs' || url.startsWith('/api/docs/');
const pathOf = (url: string) => url.split('?', 1)[0]!;
const isApiPath = (url: string) => url === '/api' || url.startsWith('/api/');
const isOpenAIPath = (url: string) => url.startsWith('/v1/');

function rateLimitHeaders(quota: QuotaSnapshot, now: Date): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(quota.limit),
    'X-RateLimit-Remaining': String(quota.remaining),
    'X-RateLimit-Reset': String(Math.floor(quota.resetAt.getTime() / 1000)),
    'RateLimit-Policy': `"daily";q=${quota.limit};w=86400`,
    RateLimit: `"daily";r=${quota.remaining};t=${secondsUntil(quota.resetAt, now)}`,
  };
}

/** The REST operations trpc-to-openapi serves from its one `/api/*` route. */
const REST_OPERATIONS = Object.values(appRouter._def.procedures).flatMap((procedure) => {
  const openapi = (procedure as { _def: { meta?: OpenApiMeta } })._def.meta?.openapi;
  return openapi ? [{ method: openapi.method, path: `/api${openapi.path}` }] : [];
});

/**
 * Only the server's own failures are errors in the log. A caller that hung up is not one:
 * its work was stopped on purpose, and nobody is waiting for the answer.
 */
function logFailure(request: FastifyRequest, domain: AIPhotoError, error: unknown, message: string): void {
  if (request.raw.socket?.destroyed) {
    request.log.info({ code: domain.code }, 'caller went away before the answer');
    return;
  }
  // generation_failed is not here: the router already warned about each provider's failure.
  if (domain.code === 'server_error') request.log.error({ err: error }, message);
}

/**
 * Retry-After for a refusal, the same on every surface: the error's own hint, else the
 * quota reset for a 429, else 5 seconds for a 503. Undefined for anything else.
 */
function retryAfterFor(status: number, failure: AIPhotoError | undefined, state: RequestState | undefined, now: Date): string | undefined {
  if (status !== 429 && status !== 503) return undefined;
  const untilReset = state && status === 429 ? secondsUntil(state.quota.resetAt, now) : 5;
  return String(Math.max(failure?.retryAfterSeconds ?? untilReset, 1));
}

const trustHops = (hops: number) => (_address: string, hop: number) => hop < hops;

/**
 * Aborted when the client goes away before the response is written (or a shutdown runs out
 * of time), so work can stop and refund. Live controllers are kept in `inFlight`.
 */
function requestSignal(request: FastifyRequest, reply: FastifyReply, inFlight: Set<AbortController>): AbortSignal {
  const controller = new AbortController();
  inFlight.add(controller);
  reply.raw.on('close', () => {
    inFlight.delete(controller);
    if (!reply.raw.writableFinished) controller.abort(new CallerGoneError(request.id));
  });
  return controller.signal;
}

export async function buildServer(config: Config, options: ServerOptions = {}): Promise<AIPhotoServer> {
  const clock = options.clock ?? (() => new Date());
  const inFlight = new Set<AbortController>();
  let shuttingDown = false;
  let publicUrl = config.publicUrl ?? `http://localhost:${config.port}`;
  /**
   * Where this caller reaches us: AIPHOTO_PUBLIC_URL when set, else the request's own
   * origin (its Host, and X-Forwarded-Host/-Proto only from a trusted proxy), so image URLs,
   * the page's CSP 'self' and the docs' "Try it out" agree with the address in the browser.
   */
  const originOf = (request: FastifyRequest): string => {
    if (config.publicUrl) return config.publicUrl;
    const origin = `${request.protocol}://${request.host}`;
    return SANE_ORIGIN.test(origin) ? origin : publicUrl;
  };

  const app = Fastify({
    logger: {
      level: config.logLevel,
      // Keys must never reach logs, whatever a future serializer decides to include.
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', '*.apiKey', 'key'],
        censor: '[redacted]',
      },
      // Every line is scrubbed on its way out, whatever wrote it and at whatever level.
      stream: redactingStream(options.logStream ?? process.stdout, configuredSecrets(config)),
    },
    // A hop count trusts exactly the first N hops from the socket, so the client is the
    // address N hops back; a string is a list of trusted proxy addresses.
    trustProxy: typeof config.trustProxy === 'string' ? config.trustProxy : trustHops(config.trustProxy),
    bodyLimit: JSON_BODY_LIMIT,
    // Slow clients are cut off: headers must arrive within headersTimeout and the whole
    // request within requestTimeout (Node answers 408 and closes), idle keep-alive sockets
    // close after keepAliveTimeout. There is deliberately no socket inactivity timeout: a
    // long enhance leaves a healthy socket silent for minutes while the server works.
    requestTimeout: config.connections.requestTimeoutMs,
    keepAliveTimeout: config.connections.keepAliveTimeoutMs,
    serverFactory: (handler) =>
      http.createServer(
        {
          headersTimeout: Math.min(config.connections.headersTimeoutMs, config.connections.requestTimeoutMs),
          requestTimeout: config.connections.requestTimeoutMs,
          keepAliveTimeout: config.connections.keepAliveTimeoutMs,
          // Node checks those timeouts on this interval (30 s by default).
          connectionsCheckingInterval: Math.min(1_000, config.connections.headersTimeoutMs),
        },
        handler,
      ),
    requestIdHeader: false,
    // Long enough for a full tRPC batch of procedure names; longer paths are refused in
    // the contract's shape by frameworkErrors below, never with Fastify's bare 414.
    routerOptions: { maxParamLength: 256 },
    frameworkErrors: (error, request, reply) => {
      const url = pathOf(request.url);
      const domain =
        isTrpcPath(url) && error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? new InvalidRequestError(`A tRPC batch may hold at most ${MAX_TRPC_BATCH} calls.`)
          : new NotFoundError(`No such path: ${request.method} ${url.slice(0, 200)}; see /api/docs for the API.`);
      reply.header('X-Request-Id', request.id);
      void (reply as FastifyReply).status(HTTP_STATUS[domain.code]).send(errorEnvelope(domain));
    },
    genReqId: (raw) => {
      const incoming = raw.headers['x-request-id'];
      return typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
  });

  let metrics: ReturnType<typeof createMetrics> | undefined;
  const services = await createCoreServices(config, {
    clock,
    logger: app.log,
    observer: {
      generation: (event) => metrics?.observer.generation(event),
      providerAttempt: (event) => metrics?.observer.providerAttempt(event),
    },
  });
  metrics = createMetrics({ enhanceQueueDepth: () => services.enhancePool.depth });
  app.addHook('onClose', async () => services.close());

  app.addHook('onRequest', async (request) => {
    const url = pathOf(request.url);
    request.entryPath = url;
    if (!isApiPath(url) && !isTrpcPath(url) && !isOpenAIPath(url)) return;
    let caller;
    let authError: AIPhotoError | undefined;
    try {
      caller = await services.access.identify(request.headers.authorization, request.ip);
    } catch (error) {
      const domain = toAIPhotoError(error);
      // A store outage is not the caller's fault: the docs still load, everything else is 503.
      if (domain.code === 'service_unavailable') {
        if (isDocsPath(url)) return;
        throw domain;
      }
      authError = domain;
      caller = services.access.anonymous(request.ip);
    }
    let quota;
    try {
      quota = await services.quota.snapshot(caller.account);
    } catch (error) {
      if (isDocsPath(url)) return;
      throw error;
    }
    request.aiphoto = { caller, authError, quota };
    // REST refuses a bad key before reading the body (401 comes before 400/413/415); tRPC
    // refuses it in the procedure middleware so the client sees a tRPC-shaped error.
    if (authError && (isOpenAIPath(url) || (isApiPath(url) && !isDocsPath(url)))) throw authError;
    try {
      assertBodyWithinLimit(request, url, config.limits.maxUploadBytes);
      assertBatchWithinLimit(url);
    } catch (error) {
      // A refused key is the first thing any caller hears, on tRPC as on REST.
      throw authError ?? error;
    }
    // trpc-to-openapi answers HEAD on any path under /api with 204; only the GET operations
    // have a HEAD (registered below), everything else there is 404.
    if (request.method === 'HEAD' && request.routeOptions.url === '/api/*') {
      throw new NotFoundError(`No such path: HEAD ${url}; see /api/docs for the API.`);
    }
  });

  // trpc-to-openapi spreads the body into the input, so a JSON array or string would pass as
  // an object with odd keys; the contract says a body that is not an object is malformed.
  app.addHook('preHandler', async (request) => {
    const body = request.body;
    const isJson = mediaTypeOf(request.headers['content-type']) === 'application/json';
    if (body === undefined || !isJson) return;
    assertJsonNotTooDeep(body);
    if (!isApiPath(pathOf(request.url))) return;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new InvalidRequestError('The request body must be a JSON object.');
    }
  });

  /** Daily-quota refusals by plan, on every surface (in-flight refusals are not quota). */
  const countRejection = (failure: AIPhotoError | undefined, state: RequestState | undefined) => {
    if (failure instanceof RateLimitedError && failure.reason === 'daily_limit' && state) metrics.quotaRejected(state.caller.plan);
  };

  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('X-Request-Id', request.id);
    // While shutting down, close each keep-alive connection after its response, so the
    // server can finish closing instead of waiting for clients to hang up.
    // So does an answer given before the body was read (a 401 or 413 to an upload): the
    // client stops sending instead of pushing the rest of a large body for nothing.
    if (shuttingDown || !request.raw.complete) reply.header('Connection', 'close');
    const failure = reply.statusCode >= 400 && request.restError !== undefined ? toAIPhotoError(request.restError) : undefined;
    const state = request.aiphoto;
    const now = clock();
    if (!isTrpcPath(request.entryPath ?? '')) countRejection(failure, state);
    if (state) reply.headers(rateLimitHeaders(state.quota, now));
    // tRPC sets its own status later than this hook runs; its refusals go through
    // responseMeta (below), with the same rules.
    if (!isTrpcPath(request.entryPath ?? '')) {
      const retryAfter = retryAfterFor(reply.statusCode, failure, state, now);
      if (retryAfter) reply.header('Retry-After', retryAfter);
    }
    // trpc-to-openapi writes its own error shape; REST clients get the contract's envelope.
    if (failure && isApiPath(request.entryPath ?? '')) {
      reply.type('application/json; charset=utf-8');
      return JSON.stringify(errorEnvelope(failure));
    }
    return payload;
  });

  // Metric labels must stay a fixed set whatever paths callers invent: the matched route
  // template, the REST operation behind trpc-to-openapi's wildcard, or one "unmatched".
  const restOperationPaths = new Set(REST_OPERATIONS.map((operation) => operation.path));
  const metricRoute = (request: FastifyRequest): string => {
    const matched = request.routeOptions.url;
    if (matched === undefined) return 'unmatched';
    if (matched !== '/api/*') return matched;
    return restOperationPaths.has(request.entryPath ?? '') ? request.entryPath! : 'unmatched';
  };
  app.addHook('onResponse', async (request, reply) => {
    metrics.request(metricRoute(request), request.method, reply.statusCode, reply.elapsedTime / 1000);
  });

  app.setErrorHandler(async (error, request, reply) => {
    const domain = toAIPhotoError(error);
    const status = HTTP_STATUS[domain.code];
    logFailure(request, domain, error, 'request failed');
    request.restError = domain;
    if (isOpenAIPath(request.entryPath ?? pathOf(request.url))) {
      const openai = openaiError(domain, error instanceof OpenAIParamError ? error.param : undefined);
      return reply.status(openai.status).send(openai.body);
    }
    return reply.status(status).send(errorEnvelope(domain));
  });

  const webDir = config.webDir ?? DEFAULT_WEB_DIR;
  // The page keeps a pro key in localStorage: allow nothing but this server's own scripts,
  // so no injected or third-party script can read it. Images may come from the bucket when
  // AIPHOTO_S3_PUBLIC_MODE=presign redirects there.
  const bucketOrigin =
    config.s3?.publicMode === 'presign' ? new URL(config.s3.endpoint ?? `https://s3.${config.s3.region}.amazonaws.com`).origin : '';
  const pageSecurityHeaders = {
    'content-security-policy': [
      "default-src 'self'",
      "script-src 'self'",
      // React writes a few style attributes (aspect ratios, the comparison slider).
      "style-src 'self' 'unsafe-inline'",
      `img-src 'self' blob: data: ${bucketOrigin}`.trim(),
      "connect-src 'self'",
      "base-uri 'self'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join('; '),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
  const hasWebApp = fs.existsSync(path.join(webDir, 'index.html'));
  if (hasWebApp) {
    await app.register(fastifyStatic, {
      root: webDir,
      prefix: '/',
      index: ['index.html'],
      // Vite names every asset by its content hash, so those never change; the page itself
      // must be revalidated to pick up a new build.
      setHeaders: (res, filePath) => {
        const isAsset = filePath.includes(`${path.sep}assets${path.sep}`);
        res.header('cache-control', isAsset ? 'public, max-age=31536000, immutable' : 'no-cache');
        if (filePath.endsWith('.html')) res.headers(pageSecurityHeaders);
      },
    });
  }

  app.setNotFoundHandler(async (request, reply) => {
    const url = pathOf(request.url);
    // The web app routes on the client: any other page URL gets index.html, but the API,
    // tRPC, images, health and missing files (a stale hashed asset) keep their JSON 404.
    const looksLikeFile = /\.[a-z0-9]+$/i.test(url);
    const isPage =
      request.method === 'GET' && !looksLikeFile && !isApiPath(url) && !isTrpcPath(url) && !url.startsWith('/images/') && url !== '/healthz';
    if (hasWebApp && isPage && request.headers.accept?.includes('text/html')) {
      return reply.header('cache-control', 'no-cache').headers(pageSecurityHeaders).type('text/html; charset=utf-8').sendFile('index.html', webDir);
    }
    const error = new NotFoundError(`No such path: ${request.method} ${pathOf(request.url)}; see /api/docs for the API.`);
    request.restError = error;
    if (isOpenAIPath(url)) {
      const openai = openaiError(error);
      return reply.status(openai.status).send(openai.body);
    }
    return reply.status(404).send(errorEnvelope(error));
  });

  const contextFor = (request: FastifyRequest, reply: FastifyReply): Context => ({
    services,
    request: request.aiphoto!,
    signal: requestSignal(request, reply, inFlight),
    imageUrl: (fileName) => `${originOf(request)}/images/${fileName}`,
  });
  const createContext = ({ req, res }: { req: FastifyRequest; res: FastifyReply }) => contextFor(req, res);

  await registerEnhanceRoute(app, { maxUploadBytes: config.limits.maxUploadBytes, createContext: contextFor });
  registerOpenAICompat(app, { services, contextFor });

  await app.register(fastifyTRPCPlugin, {
    prefix: '/trpc',
    trpcOptions: {
      router: appRouter,
      createContext,
      responseMeta: ({ ctx, errors }) => {
        const failure = errors[0] && toAIPhotoError(errors[0]);
        for (const error of errors) countRejection(toAIPhotoError(error), ctx?.request);
        const retryAfter = failure && retryAfterFor(HTTP_STATUS[failure.code], failure, ctx?.request, clock());
        return retryAfter ? { headers: { 'Retry-After': retryAfter } } : {};
      },
      onError: ({ error, req }) => {
        logFailure(req, toAIPhotoError(error), error, 'tRPC call failed');
      },
    } satisfies FastifyTRPCPluginOptions<AppRouter>['trpcOptions'],
  });

  await app.register(fastifyTRPCOpenApiPlugin, {
    basePath: '/api',
    router: appRouter,
    createContext: createContext as never,
    onError: ({ error, req }: { error: unknown; req: FastifyRequest }) => {
      req.restError = error;
      logFailure(req, toAIPhotoError(error), error, 'API call failed');
    },
  } as never);

  await app.register(docsRoutes, { originOf });

  // HEAD is GET without the body: the rate-limit headers a client may want, nothing run.
  for (const operation of REST_OPERATIONS.filter((candidate) => candidate.method === 'GET')) {
    app.head(operation.path, async (_request, reply) => reply.status(200).send());
  }

  await app.register(opsRoutes, { services, registry: metrics.registry, shuttingDown: () => shuttingDown });
  await app.register(imagesRoute, { services, presign: config.s3?.publicMode === 'presign' });

  return {
    app,
    services,
    async listen() {
      const address = await app.listen({ port: config.port, host: config.host });
      const port = Number(new URL(address).port);
      publicUrl = config.publicUrl ?? `http://localhost:${port}`;
      const served = services.router.describe();
      for (const [model, providers] of Object.entries(served)) {
        if (providers[0] === 'local') {
          app.log.warn({ model, provider: 'local' }, `model ${model} is served by the offline placeholder renderer (not AI)`);
        } else {
          app.log.info({ model, providers }, `model ${model} is served by ${providers.join(' → ') || 'nothing'}`);
        }
      }
      app.log.info(
        { publicUrl, store: config.redisUrl ? 'redis' : 'sqlite', storage: config.s3 ? `s3:${config.s3.bucket}` : 'local' },
        `AIPhoto listening at ${publicUrl}`,
      );
      services.retention.start();
      return publicUrl;
    },
    close: () => app.close(),
    async shutdown(deadlineMs = config.shutdownTimeoutMs) {
      shuttingDown = true;
      app.log.info({ deadlineMs, inFlight: inFlight.size }, 'shutting down: finishing in-flight requests');
      // Stop accepting; requests already running go on (Fastify answers new ones on open
      // connections with 503).
      const closing = app.close();
      const drained = async (withinMs: number) => {
        const until = Date.now() + withinMs;
        while (inFlight.size > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
      };
      await drained(deadlineMs);
      app.server.closeIdleConnections();
      if (inFlight.size > 0) {
        app.log.warn({ inFlight: inFlight.size }, 'shutdown deadline passed: cancelling and refunding what is still running');
        // Cancelled work stops, refunds its unit, and answers 503 so the client retries elsewhere.
        for (const controller of inFlight) {
          controller.abort(new ServiceUnavailableError('The server is restarting; retry the request.', { retryAfterSeconds: 5 }));
        }
        await drained(5_000);
        app.server.closeIdleConnections();
      }
      await closing;
    },
  };
}
