import { Redis } from 'ioredis';
import { ServiceUnavailableError } from './errors.ts';

export interface RedisLogger {
  error(object: object, message: string): void;
  info(object: object, message: string): void;
}

const RETRY_AFTER_SECONDS = 5;

/**
 * One ioredis connection for the shared stores. Commands fail at once while Redis is down
 * (no offline queue), which the stores turn into 503 service_unavailable: the service fails
 * closed instead of admitting unmetered work. The outage is logged once, not per request,
 * and ioredis reconnects by itself.
 */
export async function connectRedis(
  url: string,
  options: { logger?: RedisLogger; commandTimeoutMs: number; readyTimeoutMs?: number },
): Promise<Redis> {
  const { logger, readyTimeoutMs = 5_000 } = options;
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    lazyConnect: false,
    // A Redis that accepts the connection but never answers (frozen, swapping, a network
    // black hole) must not hold every request: each command gives up and the request is 503.
    commandTimeout: options.commandTimeoutMs,
  });
  let down = false;
  const markDown = (reason: string) => {
    if (down) return;
    down = true;
    logger?.error({ err: reason }, 'redis unreachable; quota and key operations answer 503 until it returns');
  };
  redis.on('error', (error) => markDown(error.message));
  redis.on('close', () => markDown('connection closed'));
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    logger?.info({}, 'redis reachable again');
  });
  // Commands sent before the first connection would fail (no offline queue), so wait for it;
  // if Redis is down at startup, carry on and answer 503 until it comes up.
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, readyTimeoutMs);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return redis;
}

/** Runs a Redis operation, turning a connection failure into 503 with Retry-After. */
export async function withRedis<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw new ServiceUnavailableError('The shared store is unreachable; retry in a few seconds.', {
      retryAfterSeconds: RETRY_AFTER_SECONDS,
      cause: error,
    });
  }
}

export async function isRedisReady(redis: Redis): Promise<boolean> {
  try {
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  }
}
