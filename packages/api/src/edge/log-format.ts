import pretty from 'pino-pretty';
import type { Config } from '@aiphoto/core';

/**
 * Where log lines go: JSON as they are (for a log collector), or, when a person is watching
 * a terminal, one readable line each: time, level, message, and for a request its method,
 * path, status, milliseconds and id. AIPHOTO_LOG_FORMAT chooses; "auto" asks whether stdout
 * is a terminal. Redaction runs before either (pino's streamWrite hook sees the JSON).
 */
export function logDestination(format: Config['logFormat'], destination: NodeJS.WritableStream, isTerminal: boolean): NodeJS.WritableStream {
  if (format === 'json' || (format === 'auto' && !isTerminal)) return destination;
  return pretty({
    destination,
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
