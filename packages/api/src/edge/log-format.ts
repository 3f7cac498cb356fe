import pino from 'pino';
import pretty from 'pino-pretty';
import type { Config } from '@aiphoto/core';

/**
 * Where log lines go: JSON as they are (for a log collector), or, when a person is watching
 * a terminal, one readable line each: time, level, message, and for a request its method,
 * path, status, milliseconds and id. AIPHOTO_LOG_FORMAT chooses; "auto" asks whether stdout
 * is a terminal. Redaction runs before either (pino's streamWrite hook sees the JSON).
 */
export function logDestination(format: Config['logFormat'], destination: NodeJS.WritableStream | undefined, isTerminal: boolean): NodeJS.WritableStream {
  if (format === 'json' || (format === 'auto' && !isTerminal)) return destination ?? bufferedStdout();
  return pretty({
    destination: destination ?? process.stdout,
    sync: true,
    colorize: isTerminal,
    translateTime: 'SYS:HH:MM:ss',
    singleLine: true,
    ignore: 'pid,hostname,reqId,method,url,statusCode,responseTime',
    messageFormat: (log, messageKey) => {
      const id = typeof log.reqId === 'string' ? `  (${log.reqId})` : '';
      if (log[messageKey] === 'request completed') return `${log.method} ${log.url} → ${log.statusCode} in ${log.responseTime} ms${id}`;
      return `${String(log[messageKey])}${id}`;
    },
  });
}

/** How long a JSON line may wait in the buffer before it is written. */
export const LOG_FLUSH_MS = 100;

/**
 * JSON lines for a collector, written 4 KB at a time (and at least every LOG_FLUSH_MS): a
 * write to a pipe per line cost a busy server about a sixth of its requests. Whatever is
 * still buffered is written when the process exits, however it exits short of SIGKILL.
 */
function bufferedStdout(): pino.DestinationStream & NodeJS.WritableStream {
  const stdout = pino.destination({ dest: 1, sync: true, minLength: 4096, periodicFlush: LOG_FLUSH_MS });
  process.once('exit', () => stdout.flushSync());
  return stdout as unknown as pino.DestinationStream & NodeJS.WritableStream;
}
