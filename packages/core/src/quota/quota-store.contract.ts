import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { QuotaStore } from './quota-store.ts';

/**
 * One behavioural suite for every QuotaStore implementation, so they cannot drift apart.
 * `open` may be called twice in a test to model a restart on the same backing data.
 */
export function describeQuotaStore(
  name: string,
  options: { persistent: boolean },
  setup: () => { open: () => Promise<QuotaStore>; cleanup?: () => Promise<void> | void },
) {
  describe(`${name} quota store`, () => {
    let open: () => Promise<QuotaStore>;
    let cleanup: (() => Promise<void> | void) | undefined;
    const opened: QuotaStore[] = [];
    const openStore = async () => {
      const store = await open();
      opened.push(store);
      return store;
    };

    beforeEach(() => {
      ({ open, cleanup } = setup());
    });
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
      await cleanup?.();
    });

    it('admits units up to the limit and refuses the next one', async () => {
      const store = await openStore();
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await store.reserve('ip:1', '2026-05-09', 1, 3));
      expect(results.map((r) => r.admitted)).toEqual([true, true, true, false]);
      expect(results.map((r) => r.used)).toEqual([1, 2, 3, 3]);
      expect(await store.usage('ip:1', '2026-05-09')).toBe(3);
    });

    it('admits exactly min(N, R) of N concurrent reservations', async () => {
      const store = await openStore();
      await store.reserve('key:a', '2026-05-09', 2, 5);
      const results = await Promise.all(Array.from({ length: 40 }, () => store.reserve('key:a', '2026-05-09', 1, 5)));
      expect(results.filter((r) => r.admitted)).toHaveLength(3);
      expect(await store.usage('key:a', '2026-05-09')).toBe(5);
    });

    it('refuses a multi-unit reservation that would cross the limit, taking nothing', async () => {
      const store = await openStore();
      expect((await store.reserve('s', '2026-05-09', 4, 3)).admitted).toBe(false);
      await store.reserve('s', '2026-05-09', 2, 3);
      expect(await store.reserve('s', '2026-05-09', 2, 3)).toEqual({ admitted: false, used: 2 });
    });

    it('keeps subjects and days apart', async () => {
      const store = await openStore();
      await store.reserve('ip:1', '2026-05-09', 1, 1);
      expect((await store.reserve('ip:2', '2026-05-09', 1, 1)).admitted).toBe(true);
      expect((await store.reserve('ip:1', '2026-05-10', 1, 1)).admitted).toBe(true);
      expect((await store.reserve('ip:1', '2026-05-09', 1, 1)).admitted).toBe(false);
    });

    it('releases units and never goes below zero', async () => {
      const store = await openStore();
      await store.reserve('s', '2026-05-09', 1, 2);
      await store.reserve('s', '2026-05-09', 1, 2);
      expect(await store.release('s', '2026-05-09', 1)).toBe(1);
      expect((await store.reserve('s', '2026-05-09', 1, 2)).admitted).toBe(true);
      await store.release('s', '2026-05-09', 5);
      expect(await store.usage('s', '2026-05-09')).toBe(0);
      expect(await store.release('never-seen', '2026-05-09', 1)).toBe(0);
    });

    // Registered only for persistent stores, so no suite reports a skip.
    if (options.persistent) it('keeps counts across a reopen', async () => {
      const first = await openStore();
      await first.reserve('s', '2026-05-09', 2, 5);
      await first.close();
      const second = await openStore();
      expect(await second.usage('s', '2026-05-09')).toBe(2);
    });
  });
}
