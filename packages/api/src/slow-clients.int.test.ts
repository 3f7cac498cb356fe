import net from 'node:net';
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { startTestServer } from './testing/harness.ts';
import { FakeProviderServer, installProviders, providerEnvironment } from '@aiphoto/core/testing';

async function slowOpenAI(delayMs: number) {
  const fake = await FakeProviderServer.start();
  const png = await sharp({ create: { width: 1024, height: 1024, channels: 3, background: '#335577' } }).png().toBuffer();
  installProviders(fake, png);
  const b64 = png.toString('base64');
  fake.route('POST /openai/images/generations', async () => {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    return { json: { created: 1, data: [{ b64_json: b64 }] } };
  });
  return Object.assign(fake, { [Symbol.asyncDispose]: () => fake.close() });
}

const TIMEOUTS = { AIPHOTO_HEADERS_TIMEOUT_MS: '500', AIPHOTO_REQUEST_TIMEOUT_MS: '1000', AIPHOTO_KEEP_ALIVE_TIMEOUT_MS: '500' };

/**
 * Opens a socket, lets `behave` write to it, and resolves with what the server sent and how
 * long the socket stayed open. Gives up (and fails the test) after `giveUpMs`.
 */
async function holdSocket(baseUrl: string, behave: (socket: net.Socket) => void, giveUpMs = 8_000) {
  const { hostname, port } = new URL(baseUrl);
  const socket = net.connect(Number(port), hostname);
  const started = Date.now();
  let received = '';
  socket.on('data', (data) => (received += data.toString('latin1')));
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  behave(socket);
  const closedByServer = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), giveUpMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
  socket.destroy();
  return { closedByServer, openMs: Date.now() - started, received };
}

describe('slow and silent clients are cut off', () => {
  it('closes a connection that never finishes its headers', async () => {
    await using t = await startTestServer({ env: TIMEOUTS });
    const held = await holdSocket(t.baseUrl, (socket) => socket.write('GET /api/status HTTP/1.1\r\nHost: x\r\n'));
    expect(held.closedByServer).toBe(true);
  });

  it('closes a connection that sends headers and then withholds the body', async () => {
    await using t = await startTestServer({ env: TIMEOUTS });
    const held = await holdSocket(t.baseUrl, (socket) =>
      socket.write('POST /api/generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"pro'),
    );
    expect(held.closedByServer).toBe(true);
    expect(held.received).toMatch(/^HTTP\/1\.1 408/);
  });

  it('closes a connection that trickles its body a byte at a time', async () => {
    await using t = await startTestServer({ env: TIMEOUTS });
    let timer: NodeJS.Timeout | undefined;
    const held = await holdSocket(t.baseUrl, (socket) => {
      socket.write('POST /api/generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n');
      timer = setInterval(() => socket.write('a'), 100);
    });
    clearInterval(timer);
    expect(held.closedByServer).toBe(true);
  });

  it('closes an idle keep-alive connection after a request, and serves requests before that', async () => {
    await using t = await startTestServer({ env: TIMEOUTS });
    const held = await holdSocket(t.baseUrl, (socket) => socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'));
    expect(held.received).toMatch(/^HTTP\/1\.1 200/);
    expect(held.closedByServer).toBe(true);
  });

  it('keeps a connection whose request is complete while the server works on it', async () => {
    await using fake = await slowOpenAI(1_500);
    await using t = await startTestServer({ env: { ...TIMEOUTS, ...providerEnvironment(fake, ['openai']) } });
    // The provider takes longer than both connection timeouts; the answer must still arrive.
    const response = await t.generate({ prompt: 'a quiet harbour at dawn', model: 'dall-e-3' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ provider: 'openai' });
  });
});
