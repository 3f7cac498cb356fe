import { imageSize } from 'image-size';
import type { z } from 'zod';
import { IMAGE_FORMATS, imageExtension } from '../storage/image-storage.ts';
import { ProviderError, isRetryableStatus, type GeneratedImage, type ProviderFailureKind } from './image-provider.ts';
import { providerFetch, type ProviderFetchInit } from './provider-fetch.ts';

/** How an attempt reaches the network: providerFetch, or `fetch` itself (tests hand in their own). */
export type ProviderFetch = (url: string, init: ProviderFetchInit) => Promise<Response>;

/**
 * The HTTP plumbing every adapter shares: one attempt deadline, error classification, JSON
 * parsing against the few fields we use, and image download and verification.
 */
export interface AttemptContext {
  provider: string;
  /** The caller's signal: aborted when the client disconnects or the overall deadline passes. */
  abortSignal: AbortSignal | undefined;
  /** This attempt's own deadline (submit, polling and download together). */
  deadline: AbortSignal;
  fetch: ProviderFetch;
}

export interface ProviderSettings {
  apiKey: string;
  baseUrl: string;
  attemptTimeoutMs: number;
  pollIntervalMs: number;
  fetch?: ProviderFetch;
}

export function startAttempt(provider: string, settings: ProviderSettings, abortSignal: AbortSignal | undefined): AttemptContext {
  return {
    provider,
    abortSignal,
    deadline: AbortSignal.timeout(settings.attemptTimeoutMs),
    fetch: settings.fetch ?? providerFetch,
  };
}

const BODY_EXCERPT = 500;
/** What we read of a provider's error answer: enough to classify it and log an excerpt. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** A provider's successful answer: JSON with a base64 image, or the image itself. */
export const MAX_PROVIDER_BODY_BYTES = 64 * 1024 * 1024;
/** Largest image a provider may hand back (about 7000×7000); nobody's model draws more. */
export const MAX_PROVIDER_IMAGE_PIXELS = 50_000_000;

/**
 * Reads a body up to `maxBytes`, stopping (and dropping the connection) the moment it is
 * exceeded, so a provider or a man in the middle cannot make us buffer without bound.
 * Returns undefined when the body is longer than that.
 */
async function readAtMost(response: Response, maxBytes: number): Promise<Uint8Array | undefined> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    return undefined;
  }
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return new Uint8Array(Buffer.concat(chunks, size));
}

/** A body as text, cut at `maxBytes` (for error answers, of which only an excerpt matters). */
async function readTextAtMost(response: Response, maxBytes: number): Promise<string> {
  const bytes = await readAtMost(response, maxBytes).catch(() => new Uint8Array(0));
  return bytes === undefined ? `(more than ${maxBytes} bytes)` : Buffer.from(bytes).toString('utf8');
}

function tooLarge(context: Pick<AttemptContext, 'provider'>, url: string): ProviderError {
  return new ProviderError({
    provider: context.provider,
    kind: 'retryable',
    message: `returned more than ${MAX_PROVIDER_BODY_BYTES} bytes`,
    url: redactUrl(url),
  });
}

/** A URL without its query string, so signed URLs never reach a log. */
function redactUrl(url: string): string {
  // A Response built by hand (an injected fetch) has no URL; never fail on the way to an error.
  if (!URL.canParse(url)) return url.split('?', 1)[0]!;
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

/** Rethrows the caller's abort as is; turns our own deadline into a retryable failure. */
function failOnAbort(context: AttemptContext, url: string | undefined, cause: unknown): never {
  if (context.abortSignal?.aborted) throw context.abortSignal.reason;
  const where = url === undefined ? {} : { url: redactUrl(url) };
  if (context.deadline.aborted) {
    throw new ProviderError({ provider: context.provider, kind: 'retryable', message: 'timed out', ...where, cause });
  }
  throw new ProviderError({ provider: context.provider, kind: 'retryable', message: `network error: ${String(cause)}`, ...where, cause });
}

export interface HttpRequest {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Sent as JSON, or as multipart when it is FormData (fetch writes that Content-Type). */
  body?: unknown;
}

/**
 * Sends one request. A non-2xx answer becomes a ProviderError: `moderation` when the
 * adapter's predicate says so, `retryable` for 408/409/429/5xx, `fatal` otherwise.
 */
export async function send(
  context: AttemptContext,
  url: string,
  request: HttpRequest,
  isModeration: (status: number, body: string) => boolean = () => false,
): Promise<Response> {
  const signal = AbortSignal.any([context.deadline, ...(context.abortSignal ? [context.abortSignal] : [])]);
  const isJson = request.body !== undefined && !(request.body instanceof FormData);
  let response: Response;
  try {
    response = await context.fetch(url, {
      method: request.method ?? (request.body === undefined ? 'GET' : 'POST'),
      headers: { ...(isJson ? { 'content-type': 'application/json' } : {}), ...request.headers },
      ...(request.body === undefined ? {} : { body: isJson ? JSON.stringify(request.body) : (request.body as FormData) }),
      signal,
      // A request that carries credentials must not follow a redirect to another host
      // (fetch keeps custom headers such as x-key across redirects); downloads, which
      // carry none, may.
      redirect: request.headers ? 'error' : 'follow',
    });
  } catch (error) {
    failOnAbort(context, url, error);
  }
  if (response.ok) return response;
  const text = await readTextAtMost(response, MAX_ERROR_BODY_BYTES);
  const kind: ProviderFailureKind = isModeration(response.status, text)
    ? 'moderation'
    : isRetryableStatus(response.status)
      ? 'retryable'
      : 'fatal';
  throw new ProviderError({
    provider: context.provider,
    kind,
    message: `HTTP ${response.status}`,
    statusCode: response.status,
    url: redactUrl(url),
    responseBody: text.slice(0, BODY_EXCERPT),
  });
}

/** Reads a 2xx body as JSON and keeps only the fields `schema` names. Garbage is retryable. */
export async function readJson<T>(context: AttemptContext, response: Response, schema: z.ZodType<T>): Promise<T> {
  let bytes: Uint8Array | undefined;
  try {
    bytes = await readAtMost(response, MAX_PROVIDER_BODY_BYTES);
  } catch (error) {
    failOnAbort(context, response.url, error);
  }
  if (bytes === undefined) throw tooLarge(context, response.url);
  const text = Buffer.from(bytes).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ProviderError({
      provider: context.provider,
      kind: 'retryable',
      message: 'returned a body that is not JSON',
      url: redactUrl(response.url),
      responseBody: text.slice(0, BODY_EXCERPT),
    });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new ProviderError({
      provider: context.provider,
      kind: 'retryable',
      message: `returned an unexpected response: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
      url: redactUrl(response.url),
      responseBody: text.slice(0, BODY_EXCERPT),
    });
  }
  return parsed.data;
}

export async function requestJson<T>(
  context: AttemptContext,
  url: string,
  request: HttpRequest,
  schema: z.ZodType<T>,
  isModeration?: (status: number, body: string) => boolean,
): Promise<T> {
  return readJson(context, await send(context, url, request, isModeration), schema);
}


/**
 * Reads the header: only a real PNG, JPEG or WebP with dimensions is accepted. A header
 * parser rather than sharp's metadata(): this runs on every generated image, and sharp's
 * costs ~0.2 ms of CPU and a thread-pool round trip for what these few bytes already say.
 */
export async function verifyImage(context: Pick<AttemptContext, 'provider'>, bytes: Uint8Array): Promise<GeneratedImage> {
  const header = imageHeader(bytes);
  const extension = header?.type ? imageExtension(header.type) : undefined;
  const mediaType = extension && IMAGE_FORMATS[extension];
  if (!header || !mediaType || !header.width || !header.height) {
    throw new ProviderError({ provider: context.provider, kind: 'retryable', message: 'returned data that is not a PNG, JPEG or WebP image' });
  }
  // Judged from the header alone: a small file declaring huge dimensions is never decoded
  // here, and must not be stored for a browser to choke on either.
  if (header.width * header.height > MAX_PROVIDER_IMAGE_PIXELS) {
    throw new ProviderError({
      provider: context.provider,
      kind: 'retryable',
      message: `returned a ${header.width}×${header.height} image, over the ${MAX_PROVIDER_IMAGE_PIXELS}-pixel limit`,
    });
  }
  return { bytes, mediaType, width: header.width, height: header.height };
}

function imageHeader(bytes: Uint8Array): { type?: string | undefined; width: number; height: number } | undefined {
  // image-size reads through a DataView on the whole underlying buffer: bytes cut short would
  // be completed by whatever follows them there (Node's buffer pool, the rest of a download).
  // A copy of its own ends where the bytes do; only small, pooled buffers need one.
  const ownBuffer = bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
  try {
    return imageSize(ownBuffer);
  } catch {
    return undefined;
  }
}

export function decodeBase64Image(context: Pick<AttemptContext, 'provider'>, base64: string): Promise<GeneratedImage> {
  return verifyImage(context, Buffer.from(base64, 'base64'));
}

/**
 * Downloads a result from the provider's CDN at once (such URLs expire within minutes to
 * hours). No credentials unless `headers` are given for a URL on the provider's own API
 * (a self-hosted server's /view): a CDN link is on a host that must never see our key.
 */
export async function downloadImage(context: AttemptContext, url: string, headers?: Record<string, string>): Promise<GeneratedImage> {
  const response = await send(context, url, { method: 'GET', ...(headers ? { headers } : {}) });
  let bytes: Uint8Array | undefined;
  try {
    bytes = await readAtMost(response, MAX_PROVIDER_BODY_BYTES);
  } catch (error) {
    failOnAbort(context, url, error);
  }
  if (bytes === undefined) throw tooLarge(context, url);
  return verifyImage(context, bytes);
}

/**
 * Whether a URL the provider handed back (a polling URL) may receive our credentials: only
 * when it is on the configured API's own site (same host, or a sibling under the same
 * parent domain such as api.us1.bfl.ai for api.bfl.ai), and never over plain HTTP to a
 * public host.
 */
export function mayCarryCredentials(url: string, baseUrl: string): boolean {
  const target = new URL(url);
  const base = new URL(baseUrl);
  if (target.protocol !== base.protocol) return false;
  if (target.host === base.host) return true;
  const parent = (host: string) => host.split('.').slice(-2).join('.');
  const isName = (host: string) => /[a-z]/i.test(host) && host.split('.').length >= 2 && !host.includes(':');
  return isName(target.hostname) && isName(base.hostname) && parent(target.hostname) === parent(base.hostname);
}

/** Refuses to follow a URL the provider handed back if it may not see our credentials. */
export function assertMayCarryCredentials(context: Pick<AttemptContext, 'provider'>, url: string, baseUrl: string): void {
  if (!mayCarryCredentials(url, baseUrl)) {
    throw new ProviderError({ provider: context.provider, kind: 'retryable', message: `returned a URL outside its API: ${redactUrl(url)}` });
  }
}

/** Waits, unless the attempt is cancelled or times out first. */
export async function pause(context: AttemptContext, milliseconds: number): Promise<void> {
  const signal = AbortSignal.any([context.deadline, ...(context.abortSignal ? [context.abortSignal] : [])]);
  await new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, milliseconds);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  }).catch((error: unknown) => failOnAbort(context, undefined, error));
}

/** Poll intervals: start small, grow by half each time, cap at five seconds. */
export function* backoff(initialMs: number): Generator<number> {
  let wait = initialMs;
  for (;;) {
    yield wait;
    wait = Math.min(Math.round(wait * 1.5), 5_000);
  }
}
