import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { InvalidRequestError, MethodNotAllowedError, NotFoundError, type AIPhotoError, type Config, type CoreServices } from '@aiphoto/core';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Identity, Outcome } from '../context.ts';
import { toAIPhotoError } from '../errors.ts';
import { assertBatchWithinLimit, assertBodyWithinLimit, assertIdempotencyKey, assertJsonNotTooDeep, mediaTypeOf } from './request-guards.ts';
import { pathOf, surfaceOf, type Surface } from './surfaces.ts';
import { restMethodsOf } from './trpc.ts';

/** `GET /api/generate` is a real path asked the wrong way: 405 with what it takes, not 404. */
function assertMethodAllowed(method: string, path: string): void {
  const allowed = restMethodsOf(path);
  if (!allowed || allowed.includes(method) || method === 'OPTIONS') return;
  throw new MethodNotAllowedError(`${path} does not answer ${method}; use ${allowed.filter((name) => name !== 'HEAD').join(' or ')}.`, allowed);
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The path as it arrived: trpc-to-openapi rewrites `url` for its own routing. */
    entryPath: string;
    surface: Surface;
    /** Set on the API surfaces (and the docs, when the stores answer). */
    identity: Identity | undefined;
    outcome: Outcome;
    /** What the request failed with, as its caller is told (a tRPC batch can fail several times). */
    failures: AIPhotoError[];
  }
}

const SANE_REQUEST_ID = /^[A-Za-z0-9._:@\-]{1,128}$/;
const SANE_ORIGIN = /^https?:\/\/[A-Za-z0-9.\-]{1,253}(:\d{1,5})?$|^https?:\/\/\[[0-9A-Fa-f:.]{2,45}\](:\d{1,5})?$/;

/** A sane incoming X-Request-Id is kept (so a proxy's id follows the request), else a new one. */
export function requestIdFor(raw: IncomingMessage): string {
  const incoming = raw.headers['x-request-id'];
  return typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * Where this caller reaches us: AIPHOTO_PUBLIC_URL when set, else the request's own origin
 * (its Host, and X-Forwarded-Host/-Proto only from a trusted proxy), so image URLs, the
 * page's CSP 'self' and the docs' "Try it out" agree with the address in the browser.
 */
export function originFinder(config: Config): (request: FastifyRequest) => string {
  return (request) => {
    if (config.publicUrl) return config.publicUrl;
    const origin = `${request.protocol}://${request.host}`;
    return SANE_ORIGIN.test(origin) ? origin : `http://localhost:${request.socket.localPort}`;
  };
}

/** The caller behind an Authorization header (anonymous when refused) and its quota now. */
async function identify(services: CoreServices, request: FastifyRequest): Promise<{ identity: Identity; refusal?: AIPhotoError }> {
  let refusal: AIPhotoError | undefined;
  let caller;
  try {
    caller = await services.access.identify(request.headers.authorization, request.ip);
  } catch (error) {
    const domain = toAIPhotoError(error);
    // A store outage is not the caller's fault, and not a refusal of its key.
    if (domain.code === 'service_unavailable') throw domain;
    refusal = domain;
    caller = services.access.anonymous(request.ip);
  }
  return { identity: { caller, quota: await services.quota.snapshot(caller.account) }, ...(refusal ? { refusal } : {}) };
}

/**
 * What is known about a request before its body is read: its surface, its caller and quota
 * (for every API surface alike, so a refused key is the first thing any caller hears, before
 * 400, 413 or 415), and whether its body may be read at all.
 */
export const requestContext = fp<{ services: CoreServices; maxUploadBytes: number }>(async (app, { services, maxUploadBytes }) => {
  app.decorateRequest('entryPath', '');
  app.decorateRequest('surface', 'site');
  app.decorateRequest('identity', undefined);
  app.decorateRequest('outcome', null as unknown as Outcome);
  app.decorateRequest('failures', null as unknown as AIPhotoError[]);

  app.addHook('onRequest', async (request) => {
    request.entryPath = pathOf(request.url);
    request.surface = surfaceOf(request.entryPath);
    request.outcome = {};
    request.failures = [];
    if (request.surface === 'site') return;
    let refusal: AIPhotoError | undefined;
    try {
      await services.catchUp();
      ({ identity: request.identity, refusal } = await identify(services, request));
    } catch (error) {
      // The docs still load while a store is down; everything else is 503.
      if (request.surface === 'docs') return;
      throw error;
    }
    if (request.surface === 'docs') return;
    if (refusal) throw refusal;
    if (request.surface === 'rest') assertMethodAllowed(request.method, request.entryPath);
    assertBodyWithinLimit(request, request.entryPath, maxUploadBytes);
    assertBatchWithinLimit(request.entryPath);
    assertIdempotencyKey(request.headers['idempotency-key']);
    // trpc-to-openapi answers HEAD on any path under /api with 204; only the GET operations
    // have a HEAD, everything else there is 404.
    if (request.method === 'HEAD' && request.routeOptions.url === '/api/*') {
      throw new NotFoundError(`No such path: HEAD ${request.entryPath}; see /api/docs for the API.`);
    }
  });

  // trpc-to-openapi spreads the body into the input, so a JSON array or string would pass as
  // an object with odd keys; the contract says a body that is not an object is malformed.
  app.addHook('preHandler', (request, _reply, done) => {
    const body = request.body;
    if (body === undefined || mediaTypeOf(request.headers['content-type']) !== 'application/json') return done();
    try {
      assertJsonNotTooDeep(body);
      if (request.surface === 'rest' && (body === null || typeof body !== 'object' || Array.isArray(body))) {
        throw new InvalidRequestError('The request body must be a JSON object.');
      }
    } catch (error) {
      return done(error as Error);
    }
    done();
  });
});
