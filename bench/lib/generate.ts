import sharp from 'sharp';
import { FakeProviderServer, installProviders } from '@aiphoto/core/testing';

/**
 * What the gateway bench and bench:compare measure generate against: the project's fake
 * provider server on loopback, answering every provider's wire format at once with a 64×64
 * PNG, so what is left of a generate's time is the service's own.
 */
export async function startZeroLatencyProvider(): Promise<FakeProviderServer> {
  const fake = await FakeProviderServer.start();
  installProviders(fake, await sharp({ create: { width: 64, height: 64, channels: 3, background: '#336699' } }).png().toBuffer());
  return fake;
}

/** Milliseconds from sending a request to the last byte of its answer; a failed answer throws. */
export async function elapsedMs(send: () => Promise<Response>): Promise<number> {
  const started = performance.now();
  const response = await send();
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
  return performance.now() - started;
}
