import type { Redis } from 'ioredis';
import { withRedis } from '../redis.ts';
import type { ApiKeyRecord, KeyStore } from './key-store.ts';

/**
 * Keys in Redis, so every instance sees a key the moment the CLI creates it and stops
 * accepting it the moment it is revoked. One hash field per key id holds the record;
 * a second hash maps the SHA-256 to the id.
 */
export class RedisKeyStore implements KeyStore {
  private readonly records: string;
  private readonly byHash: string;
  private readonly secrets: string;

  constructor(
    private readonly redis: Redis,
    prefix = 'aiphoto',
  ) {
    this.records = `${prefix}:keys`;
    this.byHash = `${prefix}:keys:by-hash`;
    this.secrets = `${prefix}:keys:webhook-secrets`;
  }

  async insert(record: ApiKeyRecord) {
    await withRedis(() =>
      this.redis.multi().hset(this.records, record.id, JSON.stringify(record)).hset(this.byHash, record.hash, record.id).exec(),
    );
  }

  async findByHash(hash: string) {
    const id = await withRedis(() => this.redis.hget(this.byHash, hash));
    if (!id) return undefined;
    const json = await withRedis(() => this.redis.hget(this.records, id));
    return json ? (JSON.parse(json) as ApiKeyRecord) : undefined;
  }

  async list() {
    const all = await withRedis(() => this.redis.hvals(this.records));
    return all
      .map((json) => JSON.parse(json) as ApiKeyRecord)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  async revoke(id: string, at: string) {
    const json = await withRedis(() => this.redis.hget(this.records, id));
    if (!json) return false;
    const record = JSON.parse(json) as ApiKeyRecord;
    if (!record.revokedAt) {
      record.revokedAt = at;
      await withRedis(() => this.redis.hset(this.records, id, JSON.stringify(record)));
    }
    return true;
  }

  async webhookSecret(id: string) {
    return (await withRedis(() => this.redis.hget(this.secrets, id))) ?? undefined;
  }

  async setWebhookSecret(id: string, secret: string, onlyIfUnset: boolean) {
    if (!(await withRedis(() => this.redis.hexists(this.records, id)))) return undefined;
    if (onlyIfUnset) await withRedis(() => this.redis.hsetnx(this.secrets, id, secret));
    else await withRedis(() => this.redis.hset(this.secrets, id, secret));
    return this.webhookSecret(id);
  }
}
