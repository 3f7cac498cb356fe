import { InvalidRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '@aiphoto/core';
import type { FastifyRequest } from 'fastify';
import { isTrpcPath, trpcCallsOf } from './surfaces.ts';

/**
 * Checks every request must pass before a byte of its body is read or parsed: sizes, media
 * types, tRPC batch sizes and JSON nesting. Each bounds what one request can make the
 * server spend.
 */

export const JSON_BODY_LIMIT = 64 * 1024;
/** Room for multipart boundaries and the small text fields around the file. */
export const MULTIPART_OVERHEAD_BYTES = 64 * 1024;
/** Calls one tRPC batch request may carry (documented in the README). */
export const MAX_TRPC_BATCH = 10;
/** No request this API takes nests deeper than a few levels; parsers and validators recurse. */
export const MAX_JSON_DEPTH = 32;

/** Operations that take an upload; every other body is JSON and small. */
const UPLOAD_PATHS = new Set(['/api/enhance', '/trpc/enhance', '/trpc/enhanceJob']);

/** The media type alone, lower-cased: media types are case-insensitive (RFC 9110 8.3.1). */
export const mediaTypeOf = (header: string | undefined) => header?.split(';', 1)[0]!.trim().toLowerCase() ?? '';

/**
 * Refuses a body that would pass its route's limit before a byte of it is read. Node never
 * delivers more than a declared Content-Length, so the declared length bounds what any
 * parser can buffer. JSON without a length is counted by Fastify's own bodyLimit while it
 * streams, and REST multipart by busboy's per-part limits; tRPC reads an upload whole
 * through fetch's FormData with no limit of its own, so there an upload must declare its
 * length (every browser and HTTP client does for a FormData body).
 */
export function assertBodyWithinLimit(request: FastifyRequest, url: string, maxUploadBytes: number): void {
  const { headers } = request;
  const hasBody = headers['transfer-encoding'] !== undefined || (headers['content-length'] ?? '0') !== '0';
  if (!hasBody) return;
  const isMultipart = mediaTypeOf(headers['content-type']) === 'multipart/form-data';
  const isUploadPath = UPLOAD_PATHS.has(url);
  if (isMultipart && !isUploadPath) {
    throw new UnsupportedMediaTypeError('This operation takes a JSON body (Content-Type: application/json), not multipart/form-data.');
  }
  // Before any size check: a photo sent as raw bytes (or as text) is answered with what to do
  // instead, not with the JSON limit it would otherwise run into.
  if (isUploadPath && !isMultipart) {
    throw new UnsupportedMediaTypeError(
      `Send the photo as multipart/form-data with the file in the "image" field (curl -F image=@photo.jpg), not as ${mediaTypeOf(headers['content-type']) || 'a body without a Content-Type'}.`,
    );
  }
  const limit = isUploadPath && isMultipart ? maxUploadBytes + MULTIPART_OVERHEAD_BYTES : JSON_BODY_LIMIT;
  const declared = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
  if (declared !== undefined && declared > limit) {
    throw new PayloadTooLargeError(
      isMultipart
        ? `The upload is larger than the ${maxUploadBytes}-byte limit.`
        : `The request body is larger than the ${JSON_BODY_LIMIT}-byte limit for JSON.`,
    );
  }
  if (declared === undefined && isMultipart && isTrpcPath(url)) {
    throw new PayloadTooLargeError('Uploads must declare their Content-Length.');
  }
}


export function assertBatchWithinLimit(url: string): void {
  if (!isTrpcPath(url)) return;
  const calls = trpcCallsOf(url);
  if (calls > MAX_TRPC_BATCH) {
    throw new InvalidRequestError(`A tRPC batch may hold at most ${MAX_TRPC_BATCH} calls; this one holds ${calls}.`);
  }
}

/** Deepest nesting of arrays and objects in a parsed value, walked without recursion. */
function depthOf(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    deepest = Math.max(deepest, depth);
    if (deepest > limit) return deepest;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/** The same for JSON text not yet parsed (tRPC parses its own body). */
function textDepthOf(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 0x5c) i++;
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x7b || char === 0x5b) {
      deepest = Math.max(deepest, ++depth);
      if (deepest > limit) return deepest;
    } else if (char === 0x7d || char === 0x5d) depth--;
  }
  return deepest;
}

export function assertJsonNotTooDeep(body: unknown): void {
  const depth = typeof body === 'string' ? textDepthOf(body, MAX_JSON_DEPTH) : depthOf(body, MAX_JSON_DEPTH);
  if (depth > MAX_JSON_DEPTH) {
    throw new InvalidRequestError(`The JSON body is nested more than ${MAX_JSON_DEPTH} levels deep.`);
  }
}

/** An Idempotency-Key is 1–255 visible ASCII characters (Stripe's limit), sent once. */
export function assertIdempotencyKey(header: string | string[] | undefined): void {
  if (header === undefined) return;
  if (typeof header !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(header)) {
    throw new InvalidRequestError('Idempotency-Key must be 1 to 255 visible ASCII characters, sent once.');
  }
}
