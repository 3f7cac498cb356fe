import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { pathOf, surfaceOf } from './surfaces.ts';

/**
 * One log line per request, written when the answer is out (Fastify's own two, "incoming
 * request" and "request completed", become this one): method, path (never the query, which
 * may carry what a caller should not have put there), status and milliseconds, with the
 * request id pino binds to every line of the request. The page's static files are logged at
 * debug level only, unless they fail.
 */
export class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override routeNotFound(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const path = request.entryPath || pathOf(request.url);
    const line = { method: request.method, url: path, statusCode: reply.statusCode, responseTime: Math.round(reply.elapsedTime * 10) / 10 };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else if ((request.surface ?? surfaceOf(path)) === 'site' && reply.statusCode < 400) reply.log.debug(line, 'request completed');
    else reply.log.info(line, 'request completed');
  }
}
