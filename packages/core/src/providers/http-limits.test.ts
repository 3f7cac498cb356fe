import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { pngBomb } from '../testing/images.ts';
import { MAX_PROVIDER_BODY_BYTES, downloadImage, requestJson, send, startAttempt, verifyImage } from './http.ts';
import { ProviderError } from './image-provider.ts';
import { z } from 'zod';

const MiB = 1024 * 1024;

/** A provider that streams `totalBytes` of filler as fast as the client reads, counting what it sent. */
async function endlessProvider(status: number, totalBytes: number, opening = '') {
  let sent = 0;
  const server = http.createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(256 * 1024, 'x');
    res.write(opening);
    const pump = () => {
      while (sent < totalBytes) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/x`,
    sent: () => sent,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const attempt = () => startAttempt('test', { apiKey: 'k', baseUrl: 'http://127.0.0.1', attemptTimeoutMs: 20_000, pollIntervalMs: 5 }, undefined);

describe('what is read from a provider is bounded', () => {
  let provider: Awaited<ReturnType<typeof endlessProvider>> | undefined;
  afterEach(async () => {
    await provider?.close();
    provider = undefined;
  });

  it('reads at most 64 KiB of a 300 MB error body, and still classifies the failure', async () => {
    provider = await endlessProvider(500, 300 * MiB, '{"error":"overloaded');
    const failure = await send(attempt(), provider.url, { method: 'POST', body: {} }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProviderError);
    expect((failure as ProviderError).kind).toBe('retryable');
    expect((failure as ProviderError).responseBody).toContain('more than');
    expect(provider.sent()).toBeLessThan(32 * MiB);
  });

  it('refuses a successful JSON answer over the body limit as a retryable failure', async () => {
    provider = await endlessProvider(200, 300 * MiB, '{"data":"');
    const failure = await requestJson(attempt(), provider.url, { method: 'POST', body: {} }, z.object({ data: z.string() })).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProviderError);
    expect((failure as ProviderError).message).toContain(`more than ${MAX_PROVIDER_BODY_BYTES} bytes`);
    expect(provider.sent()).toBeLessThan(MAX_PROVIDER_BODY_BYTES + 32 * MiB);
  });

  it('refuses an image download over the body limit', async () => {
    provider = await endlessProvider(200, 300 * MiB);
    const failure = await downloadImage(attempt(), provider.url).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProviderError);
    expect(provider.sent()).toBeLessThan(MAX_PROVIDER_BODY_BYTES + 32 * MiB);
  });

  it('refuses an image whose header declares too many pixels, without decoding it', async () => {
    const failure = await verifyImage({ provider: 'test' }, pngBomb(60_000, 60_000)).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProviderError);
    expect((failure as ProviderError).message).toContain('60000×60000');
  });
});
