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

/** Which answers close their connection: every one while shutting down, and early refusals. */
export const connectionLifecycle = fp<{ lifecycle: Lifecycle }>(async (app, { lifecycle }) => {
  app.addHook('onSend', async (request, reply) => {
    // While shutting down, each keep-alive connection closes after its response, so the
    // server can finish closing instead of waiting for clients to hang up. So does an answer
    // given before the body was read (a 401 or 413 to an upload): the client stops sending
    // instead of pushing the rest of a large body for nothing.
    if (lifecycle.shuttingDown || !request.raw.complete) reply.header('Connection', 'close');
  });
});
