import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { providerFetch } from '../providers/provider-fetch.ts';

const connectionError = (socket: net.Socket) => new Promise<Error>((resolve) => socket.once('error', resolve));

describe('test network guard', () => {
  it('refuses any address that is not loopback', async () => {
    await expect(fetch('https://api.openai.com/v1/images/generations')).rejects.toThrow(/only use loopback/);
    await expect(fetch('http://10.0.0.1/')).rejects.toThrow(/only use loopback/);
  });

  it("refuses it at the socket too, whichever client connects (the providers' own, Redis, net itself)", async () => {
    const failure = await providerFetch('https://api.openai.com/v1/images/generations', { method: 'POST', body: '{}' }).catch((error: unknown) => error as TypeError);
    expect(String((failure as TypeError).cause)).toMatch(/api\.openai\.com; tests may only use loopback/);
    expect((await connectionError(net.connect(443, '10.0.0.1'))).message).toMatch(/10\.0\.0\.1; tests may only use loopback/);
    expect((await connectionError(net.connect({ host: 'example.com', port: 80 }))).message).toMatch(/example\.com; tests may only use loopback/);
  });

  it('lets loopback through', async () => {
    const server = http.createServer((_request, response) => response.end('here'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const response = await providerFetch(`http://localhost:${(server.address() as AddressInfo).port}/`);
      expect(await response.text()).toBe('here');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
