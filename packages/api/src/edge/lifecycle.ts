import type { Socket } from 'node:net';
import { CallerGoneError, ServiceUnavailableError } from '@aiphoto/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

/**
 * The requests at work and how the server stops: each request gets a signal that aborts
 * when its caller goes away (so work stops and refunds by the services' rules) or when a
 * shutdown runs out of time.
 */
export class Lifecycle {
  private readonly inFlight = new Set<AbortController>();
  private stopping = false;

  get shuttingDown(): boolean {
    return this.stopping;
  }

  signalFor(request: FastifyRequest, reply: FastifyReply): AbortSignal {
    const controller = new AbortController();
    // Made on first use, the signal can come after the caller already hung up (during a
    // Redis round trip, say), when no 'close' is left to hear: it starts aborted.
    if (reply.raw.destroyed && !reply.raw.writableFinished) {
      controller.abort(new CallerGoneError(request.id));
      return controller.signal;
    }
    this.inFlight.add(controller);
    reply.raw.on('close', () => {
      this.inFlight.delete(controller);
      if (!reply.raw.writableFinished) controller.abort(new CallerGoneError(request.id));
    });
    return controller.signal;
  }

  /** SIGTERM: stop accepting, let in-flight requests finish until the deadline, then cancel them. */
  async shutdown(app: FastifyInstance, deadlineMs: number): Promise<void> {
    this.stopping = true;
    app.log.info({ deadlineMs, inFlight: this.inFlight.size }, 'shutting down: finishing in-flight requests');
    // Stop accepting; requests already running go on (Fastify answers new ones on open
    // connections with 503).
    const closing = app.close();
    await this.drained(deadlineMs);
    app.server.closeIdleConnections();
    if (this.inFlight.size > 0) {
      app.log.warn({ inFlight: this.inFlight.size }, 'shutdown deadline passed: cancelling and refunding what is still running');
      // Cancelled work stops, refunds its unit, and answers 503 so the client retries elsewhere.
      for (const controller of this.inFlight) {
        controller.abort(new ServiceUnavailableError('The server is restarting; retry the request.', { retryAfterSeconds: 5 }));
      }
      await this.drained(5_000);
      app.server.closeIdleConnections();
    }
    await closing;
  }

  private async drained(withinMs: number): Promise<void> {
    const until = Date.now() + withinMs;
    while (this.inFlight.size > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** How long, and how many more bytes, a refused upload's connection is drained after the answer. */
const LINGER_MS = 2_000;
const LINGER_BYTES = 4 * 1024 * 1024;

/**
 * Closing a socket whose client is still sending makes the kernel reset it, and a reset can
 * destroy the answer before the client reads it. So, as web servers do ("lingering close"),
 * a connection closed before its body was read is half-closed after the answer and its
 * input drained and dropped for a short, bounded while before it is destroyed.
 */
function lingerOnClose(socket: Socket): void {
  socket.destroySoon = function lingeringClose(this: Socket) {
    this.end();
    const stop = () => this.destroy();
    const timer = setTimeout(stop, LINGER_MS);
    let drained = 0;
    this.on('data', (chunk: Buffer) => {
      drained += chunk.length;
      if (drained > LINGER_BYTES) stop();
    });
    this.once('close', () => clearTimeout(timer));
    this.resume();
  };
}

/** Which answers close their connection: every one while shutting down, and early refusals. */
export const connectionLifecycle = fp<{ lifecycle: Lifecycle }>(async (app, { lifecycle }) => {
  // Synchronous hooks take Fastify's callback form: an async one costs a promise and a
  // microtask turn per request for nothing.
  app.addHook('onSend', (request, reply, payload, done) => {
    // While shutting down, each keep-alive connection closes after its response, so the
    // server can finish closing instead of waiting for clients to hang up. So does an answer
    // given before the body was read (a 401 or 413 to an upload): the client stops sending
    // instead of pushing the rest of a large body for nothing.
    if (lifecycle.shuttingDown || !request.raw.complete) reply.header('Connection', 'close');
    if (!request.raw.complete && request.raw.socket) lingerOnClose(request.raw.socket);
    done(null, payload);
  });
});
