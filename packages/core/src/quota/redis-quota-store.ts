import type { Redis } from 'ioredis';
import { withRedis } from '../redis.ts';
import type { QuotaStore } from './quota-store.ts';

/** Counts outlive their day by two more, so a refund after midnight still finds its key. */
const KEY_TTL_SECONDS = 3 * 86_400;

/** Check and increment in one script: atomic in Redis itself, across every instance. */
const RESERVE = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local units = tonumber(ARGV[1])
if used + units > tonumber(ARGV[2]) then return {0, used} end
used = redis.call('INCRBY', KEYS[1], units)
redis.call('EXPIRE', KEYS[1], ARGV[3])
return {1, used}
`;

const RELEASE = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local next = used - tonumber(ARGV[1])
if next < 0 then next = 0 end
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('SET', KEYS[1], next, 'KEEPTTL') end
return next
`;

export class RedisQuotaStore implements QuotaStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'aiphoto',
  ) {}

  private key(subject: string, day: string) {
    return `${this.prefix}:quota:${day}:${subject}`;
  }

  async reserve(subject: string, day: string, units: number, limit: number) {
    const [admitted, used] = (await withRedis(() =>
      this.redis.eval(RESERVE, 1, this.key(subject, day), units, limit, KEY_TTL_SECONDS),
    )) as [number, number];
    return { admitted: admitted === 1, used };
  }

  async release(subject: string, day: string, units: number) {
    return Number(await withRedis(() => this.redis.eval(RELEASE, 1, this.key(subject, day), units)));
  }

  async usage(subject: string, day: string) {
    return Number((await withRedis(() => this.redis.get(this.key(subject, day)))) ?? 0);
  }

  /** Seconds until this count expires; for tests and operators. */
  async ttl(subject: string, day: string): Promise<number> {
    return withRedis(() => this.redis.ttl(this.key(subject, day)));
  }

  async close() {}
}
