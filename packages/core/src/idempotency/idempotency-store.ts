/**
 * Idempotency keys, with Stripe's semantics for work that succeeded: the same key and the
 * same request within the retention window get the first answer again, at no charge. The
 * first request claims the key atomically, so concurrent duplicates cannot both run.
 */

/** What a replay gives back: the operation's body, exactly as first sent. */
export interface StoredAnswer {
  body: unknown;
}

export type Claim =
  /** This request owns the key: run it, then `complete` or `release`. */
  | { state: 'claimed' }
  /** Another request owns the key and has not finished. */
  | { state: 'running'; fingerprint: string }
  | { state: 'done'; fingerprint: string; answer: StoredAnswer };

export interface IdempotencyStore {
  claim(scope: string, key: string, fingerprint: string, ttlSeconds: number): Promise<Claim>;
  complete(scope: string, key: string, answer: StoredAnswer, ttlSeconds: number): Promise<void>;
  /** Frees the key after a failure (whose unit was refunded), so a retry with it runs again. */
  release(scope: string, key: string): Promise<void>;
}

/** Keys are kept a day, as Stripe keeps them. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
