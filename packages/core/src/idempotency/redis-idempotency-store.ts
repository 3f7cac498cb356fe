import type { Redis } from 'ioredis';
import type { Claim, IdempotencyStore, StoredAnswer } from './idempotency-store.ts';

/** One key per scope and idempotency key; SET NX claims it, so instances agree on who runs. */
export class RedisIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'aiphoto',
  ) {}

  private keyOf(scope: string, key: string): string {
    return `${this.prefix}:idempotency:${scope}:${key}`;
  }

  async claim(scope: string, key: string, fingerprint: string, ttlSeconds: number): Promise<Claim> {
    const redisKey = this.keyOf(scope, key);
    const claimed = await this.redis.set(redisKey, JSON.stringify({ fingerprint }), 'EX', ttlSeconds, 'NX');
    if (claimed === 'OK') return { state: 'claimed' };
    const stored = await this.redis.get(redisKey);
    // Expired between the two commands: try again.
    if (stored === null) return this.claim(scope, key, fingerprint, ttlSeconds);
    const record = JSON.parse(stored) as { fingerprint: string; answer?: StoredAnswer };
    return record.answer === undefined ? { state: 'running', fingerprint: record.fingerprint } : { state: 'done', fingerprint: record.fingerprint, answer: record.answer };
  }

  async complete(scope: string, key: string, answer: StoredAnswer, ttlSeconds: number): Promise<void> {
    const redisKey = this.keyOf(scope, key);
    const stored = await this.redis.get(redisKey);
    const fingerprint = stored === null ? '' : (JSON.parse(stored) as { fingerprint: string }).fingerprint;
    await this.redis.set(redisKey, JSON.stringify({ fingerprint, answer }), 'EX', ttlSeconds);
  }

  async release(scope: string, key: string): Promise<void> {
    await this.redis.del(this.keyOf(scope, key));
  }
}
