import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { providerFetch } from './provider-fetch.ts';

/** Slow: it waits out the idle timeout (4 s) on the clock. */
describe('providerFetch connections over time', () => {
  let server: http.Server | undefined;
  afterEach(() => {
    server?.closeAllConnections();
    server?.close();
  });

  it('closes a connection left idle for 4 s, but never one whose answer is still coming', async () => {
    const closedAt: number[] = [];
    server = http.createServer((request, response) => {
      request.socket.once('close', () => closedAt.push(performance.now()));
      // The first answer takes longer than the idle timeout, as a provider drawing an image does.
      if (request.url === '/slow') setTimeout(() => response.end('drawn'), 5_000);
      else response.end('quick');
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    expect(await (await providerFetch(`${origin}/slow`)).text()).toBe('drawn');
    const idleFrom = performance.now();
    expect(closedAt).toEqual([]);
    await sleep(3_000);
    expect(closedAt).toEqual([]);
    await expect.poll(() => closedAt.length, { timeout: 3_000 }).toBe(1);
    expect(closedAt[0]! - idleFrom).toBeGreaterThan(3_900);
  });
});
