import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { pngBomb } from '../testing/images.ts';
import {
  MAX_PROVIDER_BODY_BYTES,
  MAX_PROVIDER_IMAGE_PIXELS,
  downloadImage,
  pause,
  readJson,
  requestJson,
  send,
  startAttempt,
  verifyImage,
  type AttemptContext,
} from './http.ts';
import { ProviderError } from './image-provider.ts';

interface Sent {
  url: string;
  init: RequestInit;
}

/** An attempt whose fetch answers `reply` and records what it was asked. */
function attemptWith(reply: (url: string, init: RequestInit) => Response | Promise<Response>, options: { callerSignal?: AbortSignal; timeoutMs?: number } = {}) {
  const sent: Sent[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    sent.push({ url, init });
    init.signal?.throwIfAborted();
    return reply(url, init);
  }) as unknown as typeof globalThis.fetch;
  const context = startAttempt('test', { apiKey: 'k', baseUrl: 'https://api.example.com/v1', attemptTimeoutMs: options.timeoutMs ?? 5_000, pollIntervalMs: 5, fetch }, options.callerSignal);
  return { context, sent };
}

const failureOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as ProviderError);

describe('send', () => {
  it('posts JSON with its content type, and sends a GET without a body or content type', async () => {
    const { context, sent } = attemptWith(() => new Response('{}'));
    await send(context, 'https://api.example.com/v1/x', { headers: { authorization: 'Bearer k' }, body: { prompt: 'a' } });
    await send(context, 'https://cdn.example.com/y.png', { method: 'GET' });
    expect(sent[0]!.init).toMatchObject({
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
      body: '{"prompt":"a"}',
      redirect: 'error',
    });
    expect(sent[1]!.init).toMatchObject({ method: 'GET', headers: {}, redirect: 'follow' });
    expect(sent[1]!.init.body).toBeUndefined();
  });

  it.each([
    [400, 'fatal'],
    [401, 'fatal'],
    [404, 'fatal'],
    [408, 'retryable'],
    [409, 'retryable'],
    [429, 'retryable'],
    [500, 'retryable'],
    [503, 'retryable'],
  ])('classifies HTTP %i as %s, with the status, the URL without its query and an excerpt of the body', async (status, kind) => {
    const body = `{"error":"${'e'.repeat(2_000)}"}`;
    const { context } = attemptWith(() => new Response(body, { status }));
    const failure = await failureOf(send(context, 'https://api.example.com/v1/x?sig=secret', { body: {} }));
    expect(failure).toBeInstanceOf(ProviderError);
    expect(failure).toMatchObject({ kind, statusCode: status, message: `HTTP ${status}`, url: 'https://api.example.com/v1/x' });
    expect(failure!.responseBody).toBe(body.slice(0, 500));
  });

  it('lets the adapter call an answer moderation', async () => {
    const { context } = attemptWith(() => new Response('{"error":"flagged"}', { status: 400 }));
    const failure = await failureOf(send(context, 'https://api.example.com/v1/x', { body: {} }, (status, text) => status === 400 && text.includes('flagged')));
    expect(failure!.kind).toBe('moderation');
  });

  it('reads at most 64 KiB of an error body', async () => {
    const exactly = 'x'.repeat(64 * 1024);
    const { context } = attemptWith(() => new Response(exactly, { status: 500 }));
    expect((await failureOf(send(context, 'https://api.example.com/v1/x', { body: {} })))!.responseBody).toBe(exactly.slice(0, 500));
    const { context: over } = attemptWith(() => new Response(`${exactly}y`, { status: 500 }));
    expect((await failureOf(send(over, 'https://api.example.com/v1/x', { body: {} })))!.responseBody).toBe('(more than 65536 bytes)');
  });

  it("rethrows the caller's own abort as is, and makes its own deadline and network errors retryable", async () => {
    const caller = new AbortController();
    const reason = new Error('caller left');
    caller.abort(reason);
    const { context: abandoned } = attemptWith(() => new Response('{}'), { callerSignal: caller.signal });
    expect(await send(abandoned, 'https://api.example.com/v1/x', { body: {} }).catch((error: unknown) => error)).toBe(reason);

    // A provider that never answers: only the attempt's own deadline ends the wait.
    const never = attemptWith(
      (_url, init) =>
        new Promise<Response>((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason))),
      { timeoutMs: 20 },
    );
    const timedOut = await failureOf(send(never.context, 'https://api.example.com/v1/x?sig=1', { body: {} }));
    expect(timedOut).toMatchObject({ kind: 'retryable', message: 'timed out', url: 'https://api.example.com/v1/x' });

    const { context: broken } = attemptWith(() => {
      throw new TypeError('fetch failed');
    });
    const network = await failureOf(send(broken, 'https://api.example.com/v1/x', { body: {} }));
    expect(network).toMatchObject({ kind: 'retryable', message: 'network error: TypeError: fetch failed', url: 'https://api.example.com/v1/x' });
  });
});

describe('readJson and requestJson', () => {
  const schema = z.object({ id: z.string() });

  it('keeps only the fields the schema names', async () => {
    const { context } = attemptWith(() => new Response('{"id":"a","extra":1}'));
    expect(await requestJson(context, 'https://api.example.com/v1/x', { body: {} }, schema)).toEqual({ id: 'a' });
  });

  it('calls a body that is not JSON, or not the expected shape, a retryable failure with an excerpt', async () => {
    const html = `<html>${'x'.repeat(1_000)}</html>`;
    const { context } = attemptWith(() => new Response(html));
    const notJson = await failureOf(requestJson(context, 'https://api.example.com/v1/x', { body: {} }, schema));
    expect(notJson).toMatchObject({ kind: 'retryable', message: 'returned a body that is not JSON', responseBody: html.slice(0, 500) });
    const wrong = JSON.stringify({ id: 5, pad: 'p'.repeat(1_000) });
    const { context: other } = attemptWith(() => new Response(wrong));
    const unexpected = await failureOf(requestJson(other, 'https://api.example.com/v1/x', { body: {} }, schema));
    expect(unexpected).toMatchObject({ kind: 'retryable', responseBody: wrong.slice(0, 500) });
    expect(unexpected!.message).toMatch(/^returned an unexpected response: .*expected string/i);
  });

  it('refuses an answer that declares more than the body limit without reading it, and takes one exactly at it', async () => {
    const over = new Response('{"id":"a"}', { headers: { 'content-length': String(MAX_PROVIDER_BODY_BYTES + 1) } });
    const { context } = attemptWith(() => over);
    const failure = await failureOf(readJson(context, over, schema));
    expect(failure).toMatchObject({ kind: 'retryable', message: `returned more than ${MAX_PROVIDER_BODY_BYTES} bytes` });
    const atLimit = new Response('{"id":"a"}', { headers: { 'content-length': String(MAX_PROVIDER_BODY_BYTES) } });
    expect(await readJson(context, atLimit, schema)).toEqual({ id: 'a' });
  });
});

describe('images from providers', () => {
  it('accepts a real PNG with its size and media type', async () => {
    const image = await verifyImage({ provider: 'test' }, pngBomb(3, 2));
    expect(image).toMatchObject({ mediaType: 'image/png', width: 3, height: 2 });
  });

  it('accepts JPEG and WebP with their sizes, and refuses a GIF and a PNG cut off before its size', async () => {
    const picture = sharp({ create: { width: 5, height: 4, channels: 3, background: '#808080' } });
    expect(await verifyImage({ provider: 'test' }, await picture.clone().jpeg().toBuffer())).toMatchObject({ mediaType: 'image/jpeg', width: 5, height: 4 });
    expect(await verifyImage({ provider: 'test' }, await picture.clone().webp().toBuffer())).toMatchObject({ mediaType: 'image/webp', width: 5, height: 4 });
    const gif = await picture.clone().gif().toBuffer();
    // Cut off where the height begins, with the rest of the file right after it in memory:
    // once at the start of its buffer, once inside it.
    const whole = pngBomb(3, 2);
    const atStart = new Uint8Array(whole.length);
    atStart.set(whole);
    const inside = new Uint8Array(whole.length + 8);
    inside.set(whole, 8);
    for (const bytes of [gif, atStart.subarray(0, 20), inside.subarray(8, 28)]) {
      expect(await failureOf(verifyImage({ provider: 'test' }, bytes))).toMatchObject({ kind: 'retryable', message: 'returned data that is not a PNG, JPEG or WebP image' });
    }
  });

  it('refuses bytes that are not an image', async () => {
    const failure = await failureOf(verifyImage({ provider: 'test' }, new TextEncoder().encode('GIF89a-not-really')));
    expect(failure).toMatchObject({ kind: 'retryable', message: 'returned data that is not a PNG, JPEG or WebP image' });
  });

  it('takes an image of exactly the pixel limit and refuses one pixel row more', async () => {
    const width = 10_000;
    const height = MAX_PROVIDER_IMAGE_PIXELS / width;
    expect((await verifyImage({ provider: 'test' }, pngBomb(width, height))).height).toBe(height);
    const failure = await failureOf(verifyImage({ provider: 'test' }, pngBomb(width, height + 1)));
    expect(failure).toMatchObject({ kind: 'retryable' });
    expect(failure!.message).toContain('over the 50000000-pixel limit');
  });

  it('downloads without credentials, and refuses a download over the body limit', async () => {
    const png = pngBomb(2, 2);
    const { context, sent } = attemptWith(() => new Response(png));
    expect((await downloadImage(context, 'https://cdn.example.com/a.png?sig=1')).width).toBe(2);
    expect(sent[0]!.init).toMatchObject({ method: 'GET', headers: {} });
    const { context: huge } = attemptWith(() => new Response(png, { headers: { 'content-length': String(MAX_PROVIDER_BODY_BYTES + 1) } }));
    expect(await failureOf(downloadImage(huge, 'https://cdn.example.com/a.png'))).toMatchObject({
      message: `returned more than ${MAX_PROVIDER_BODY_BYTES} bytes`,
      url: 'https://cdn.example.com/a.png',
    });
  });
});

describe('pause', () => {
  const contextWith = (deadline: AbortSignal, caller?: AbortSignal): AttemptContext => ({
    provider: 'test',
    deadline,
    abortSignal: caller,
    fetch: globalThis.fetch,
  });

  it('waits the time asked', async () => {
    const started = performance.now();
    await pause(contextWith(new AbortController().signal), 30);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });

  it("stops at once for the caller's abort, with the caller's reason", async () => {
    const caller = new AbortController();
    const reason = new Error('left');
    const waiting = pause(contextWith(new AbortController().signal, caller.signal), 10_000).catch((error: unknown) => error);
    caller.abort(reason);
    expect(await waiting).toBe(reason);
    const already = new AbortController();
    already.abort(reason);
    expect(await pause(contextWith(new AbortController().signal, already.signal), 10_000).catch((error: unknown) => error)).toBe(reason);
  });

  it('turns the attempt deadline into a retryable timeout', async () => {
    const failure = await failureOf(pause(contextWith(AbortSignal.timeout(10)), 10_000));
    expect(failure).toMatchObject({ kind: 'retryable', message: 'timed out' });
  });
});
