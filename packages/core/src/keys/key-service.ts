import { hash, randomBytes } from 'node:crypto';
import type { ApiKeyRecord, KeyStore } from './key-store.ts';
import { newWebhookSecret } from '../jobs/webhooks.ts';

export const KEY_PREFIX = 'aip_';
/** 32 random bytes, base64url: 43 characters after the prefix. */
const KEY_PATTERN = /^aip_[A-Za-z0-9_-]{43}$/;
const DISPLAY_CHARACTERS = 8;

export type KeyVerification =
  | { status: 'valid'; key: ApiKeyRecord }
  | { status: 'malformed' }
  | { status: 'not_found' }
  | { status: 'revoked'; key: ApiKeyRecord };

/** SHA-256 in hex; crypto.hash is one call into native code, a third of createHash's cost. */
export function hashKey(key: string): string {
  return hash('sha256', key, 'hex');
}

export function looksLikeKey(value: string): boolean {
  return KEY_PATTERN.test(value);
}

export class KeyService {
  constructor(
    private readonly store: KeyStore,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** The returned `key` exists only here: it is shown once and only its hash is kept. */
  async create(options: { name: string; dailyLimit?: number | undefined }): Promise<{ key: string; record: ApiKeyRecord }> {
    const key = KEY_PREFIX + randomBytes(32).toString('base64url');
    const record: ApiKeyRecord = {
      id: `key_${randomBytes(9).toString('base64url')}`,
      name: options.name,
      prefix: key.slice(0, KEY_PREFIX.length + DISPLAY_CHARACTERS),
      hash: hashKey(key),
      dailyLimit: options.dailyLimit ?? null,
      createdAt: this.clock().toISOString(),
      revokedAt: null,
    };
    await this.store.insert(record);
    return { key, record };
  }

  /** Hashes before lookup, so the presented key never meets the store in the clear. */
  async verify(presented: string): Promise<KeyVerification> {
    if (!looksLikeKey(presented)) return { status: 'malformed' };
    const record = await this.store.findByHash(hashKey(presented));
    if (!record) return { status: 'not_found' };
    if (record.revokedAt) return { status: 'revoked', key: record };
    return { status: 'valid', key: record };
  }

  list(): Promise<ApiKeyRecord[]> {
    return this.store.list();
  }

  revoke(id: string): Promise<boolean> {
    return this.store.revoke(id, this.clock().toISOString());
  }

  /**
   * The key's webhook signing secret, made on first use; `rotate` replaces it (receivers
   * must then verify with the new one). Undefined when no such key exists.
   */
  webhookSecret(id: string, options: { rotate?: boolean } = {}): Promise<string | undefined> {
    return this.store.setWebhookSecret(id, newWebhookSecret(), !options.rotate);
  }
}
