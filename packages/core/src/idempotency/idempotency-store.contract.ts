import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IdempotencyStore } from './idempotency-store.ts';

/** One behavioural suite for every IdempotencyStore, so SQLite and Redis cannot drift apart. */
export function describeIdempotencyStore(name: string, setup: () => { open: () => Promise<IdempotencyStore>; cleanup?: () => Promise<void> | void }) {
  describe(`${name} idempotency store`, () => {
    let store: IdempotencyStore;
    let cleanup: (() => Promise<void> | void) | undefined;
    beforeEach(async () => {
      const opened = setup();
      cleanup = opened.cleanup;
      store = await opened.open();
    });
    afterEach(async () => cleanup?.());

    it('lets exactly one of many concurrent claims run, then replays its answer', async () => {
      const claims = await Promise.all(Array.from({ length: 20 }, () => store.claim('key:a', 'k1', 'fp', 60)));
      expect(claims.filter((claim) => claim.state === 'claimed')).toHaveLength(1);
      expect(claims.filter((claim) => claim.state === 'running')).toHaveLength(19);
      await store.complete('key:a', 'k1', { body: { url: 'u' } }, 60);
      expect(await store.claim('key:a', 'k1', 'fp', 60)).toEqual({ state: 'done', fingerprint: 'fp', answer: { body: { url: 'u' } } });
    });

    it('keeps callers apart and frees a released key', async () => {
      expect((await store.claim('key:a', 'k2', 'fp', 60)).state).toBe('claimed');
      expect((await store.claim('key:b', 'k2', 'fp', 60)).state).toBe('claimed');
      await store.release('key:a', 'k2');
      expect((await store.claim('key:a', 'k2', 'other', 60)).state).toBe('claimed');
    });

    it('reports the fingerprint a key was first used with', async () => {
      await store.claim('key:a', 'k3', 'first', 60);
      expect(await store.claim('key:a', 'k3', 'second', 60)).toEqual({ state: 'running', fingerprint: 'first' });
    });
  });
}
