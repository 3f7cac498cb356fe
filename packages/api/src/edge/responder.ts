import {
  InvalidRequestError,
  MethodNotAllowedError,
  NotFoundError,
  RateLimitedError,
  secondsUntil,
  type AIPhotoError,
  type QuotaSnapshot,
} from '@aiphoto/core';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Identity } from '../context.ts';
import { ERROR_TABLE, errorEnvelope, openaiError, toAIPhotoError, trpcErrorBody } from '../errors.ts';
import type { createMetrics } from './metrics.ts';
import { MAX_TRPC_BATCH } from './request-guards.ts';
import { isTrpcPath, pathOf, surfaceOf, type Surface } from './surfaces.ts';

/**
 * The one place where an outcome becomes a status, headers and an error body. Every surface
 * reports what happened the same way — the quota the work left in `request.outcome`, each
 * failure in `request.failures` — and this plugin answers: the same status, `Retry-After`,
 * rate-limit headers and metrics for the same outcome on REST, tRPC and /v1, each error body
 * in its surface's dialect.
 */

type Metrics = ReturnType<typeof createMetrics>;

/** The status an error is sent with on a surface (OpenAI's dialect has its own for moderation). */
export const statusOn = (surface: Surface, failure: AIPhotoError) =>
  surface === 'openai' ? ERROR_TABLE[failure.code].openai.status : ERROR_TABLE[failure.code].status;

function rateLimitHeaders(quota: QuotaSnapshot, now: Date): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(quota.limit),
    'X-RateLimit-Remaining': String(quota.remaining),
    'X-RateLimit-Reset': String(Math.floor(quota.resetAt.getTime() / 1000)),
    'RateLimit-Policy': `"daily";q=${quota.limit};w=86400`,
    RateLimit: `"daily";r=${quota.remaining};t=${secondsUntil(quota.resetAt, now)}`,
  };
}

/**
 * Retry-After for a refusal: the error's own hint, else the quota reset for a 429, else 5
 * seconds for a 503. Undefined for anything else.
 */
function retryAfterFor(status: number, failure: AIPhotoError | undefined, identity: Identity | undefined, now: Date): string | undefined {
  if (status !== 429 && status !== 503) return undefined;
  const fallback = identity && status === 429 ? secondsUntil(identity.quota.resetAt, now) : 5;
  return String(Math.max(failure?.retryAfterSeconds ?? fallback, 1));
}

/** The headers an answer carries, whichever surface gave it. */
export function outcomeHeaders(options: {
  status: number;
  identity: Identity | undefined;
  quotaAfter: QuotaSnapshot | undefined;
  failure: AIPhotoError | undefined;
  now: Date;
}): Record<string, string> {
  const { status, identity, quotaAfter, failure, now } = options;
  const quota = quotaAfter ?? identity?.quota;
  const retryAfter = retryAfterFor(status, failure, identity, now);
  return { ...(quota ? rateLimitHeaders(quota, now) : {}), ...(retryAfter ? { 'Retry-After': retryAfter } : {}) };
}

/**
 * Only the server's own failures are errors in the log. A caller that hung up is not one:
 * its work was stopped on purpose, and nobody is waiting for the answer.
 */
export function logFailure(request: FastifyRequest, failure: AIPhotoError, error: unknown): void {
  if (request.raw.socket?.destroyed) {
    request.log.info({ code: failure.code }, 'caller went away before the answer');
    return;
  }
  // generation_failed is not here: the router already warned about each provider's failure.
  if (failure.code === 'server_error') request.log.error({ err: error }, 'request failed');
}

/** Writes a failure in the dialect of the surface it happened on. */
function sendFailure(request: FastifyRequest, reply: FastifyReply, failure: AIPhotoError) {
  const path = request.entryPath || pathOf(request.url);
  const surface = surfaceOf(path);
  if (surface === 'openai') {
    const { status, body } = openaiError(failure);
    return reply.status(status).send(body);
  }
  const status = ERROR_TABLE[failure.code].status;
  if (surface === 'trpc') return reply.status(status).type('application/json').send(trpcErrorBody(failure));
  return reply.status(status).send(errorEnvelope(failure));
}

/** Reports a failure the way every surface does, for the answer's headers and metrics. */
export function recordFailure(request: FastifyRequest, error: unknown): AIPhotoError {
  const failure = toAIPhotoError(error);
  logFailure(request, failure, error);
  request.failures.push(failure);
  return failure;
}

/**
 * Fastify's own refusals before any hook runs (a path too long for its router), answered
 * like any other failure: a tRPC batch past the limit, or a path that does not exist.
 */
export function frameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const path = pathOf(request.url);
  const failure =
    isTrpcPath(path) && error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new InvalidRequestError(`A tRPC batch may hold at most ${MAX_TRPC_BATCH} calls.`)
      : new NotFoundError(`No such path: ${request.method} ${path.slice(0, 200)}; see /api/docs for the API.`);
  reply.header('X-Request-Id', request.id);
  void sendFailure(request, reply, failure);
}

// Metric labels must stay a fixed set whatever paths callers invent: the matched route
// template, the REST operation behind trpc-to-openapi's wildcard, or one "unmatched".
function metricRoute(request: FastifyRequest, restTemplateOf: (path: string) => string | undefined): string {
  const matched = request.routeOptions.url;
  if (matched === undefined) return 'unmatched';
  if (matched !== '/api/*') return matched;
  return restTemplateOf(request.entryPath) ?? 'unmatched';
}

const isFetchResponse = (payload: unknown): payload is Response => payload instanceof Response;

export const responder = fp<{ metrics: Metrics; clock: () => Date; restTemplateOf: (path: string) => string | undefined }>(async (app, { metrics, clock, restTemplateOf }) => {
  // Synchronous: an async handler would cost every refusal a promise and a microtask.
  app.setErrorHandler((error, request, reply) => {
    void sendFailure(request, reply, recordFailure(request, error));
  });

  // Synchronous hooks take Fastify's callback form (an async one costs a promise a request).
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('X-Request-Id', request.id);
    // tRPC hands Fastify a fetch Response, whose status Fastify applies after this hook.
    const status = isFetchResponse(payload) ? payload.status : reply.statusCode;
    const failure = status >= 400 ? (request.failures.find((candidate) => statusOn(request.surface, candidate) === status) ?? request.failures[0]) : undefined;
    reply.headers(outcomeHeaders({ status, identity: request.identity, quotaAfter: request.outcome?.quota, failure, now: clock() }));
    if (failure instanceof MethodNotAllowedError) reply.header('Allow', failure.allow.join(', '));
    // trpc-to-openapi writes its own error shape; REST callers get the contract's envelope.
    if (failure && request.surface === 'rest') {
      reply.type('application/json; charset=utf-8');
      return done(null, JSON.stringify(errorEnvelope(failure)));
    }
    done(null, payload);
  });

  app.addHook('onResponse', (request, reply, done) => {
    metrics.request(metricRoute(request, restTemplateOf), request.method, reply.statusCode, reply.elapsedTime / 1000);
    // Daily-quota refusals by plan, on every surface (in-flight refusals are not quota).
    for (const failure of request.failures ?? []) {
      if (failure instanceof RateLimitedError && failure.reason === 'daily_limit' && request.identity) {
        metrics.quotaRejected(request.identity.caller.plan);
      }
    }
    done();
  });
});
