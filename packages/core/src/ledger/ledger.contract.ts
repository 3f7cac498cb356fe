import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lastDays, type Ledger, type LedgerEntry } from './ledger.ts';

/** One behavioural suite for every Ledger, so SQLite and Redis cannot drift apart. */
export function describeLedger(name: string, setup: () => { open: () => Promise<Ledger>; cleanup?: () => Promise<void> | void }) {
  describe(`${name} ledger`, () => {
    let ledger: Ledger;
    let cleanup: (() => Promise<void> | void) | undefined;
    beforeEach(async () => {
      const opened = setup();
      cleanup = opened.cleanup;
      ledger = await opened.open();
    });
    afterEach(async () => cleanup?.());

    const entry = (id: string, overrides: Partial<LedgerEntry> = {}): LedgerEntry => ({
      id,
      subject: 'key:key_a',
      day: '2026-11-24',
      createdAt: '2026-11-24T10:00:00.000Z',
      operation: 'generate',
      model: 'flux-2-pro',
      provider: 'openrouter',
      upstreamModel: 'black-forest-labs/flux.2-pro',
      seed: 42,
      ...overrides,
    });

    it('totals units and reported cost by day and model, telling priced units from unknown ones', async () => {
      await ledger.record(entry('a1', { costUsd: 0.03 }));
      await ledger.record(entry('a2', { costUsd: 0.045 }));
      await ledger.record(entry('a3', { provider: 'bfl', upstreamModel: 'flux-2-pro' }));
      // Recorded out of model order: the answer is ordered by day, then model.
      await ledger.record(entry('e1', { operation: 'enhance', model: 'esrgan-thick', provider: 'local', day: '2026-11-25' }));
      await ledger.record(entry('a4', { model: 'dall-e-3', provider: 'openai', day: '2026-11-25', tokens: { input: 31, output: 1056 } }));
      await ledger.record(entry('other', { subject: 'key:key_b', costUsd: 9 }));
      const rows = await ledger.usage('key:key_a', lastDays('2026-11-25', 2));
      expect(rows.map((row) => ({ ...row, costUsd: Math.round(row.costUsd * 1000) / 1000 }))).toEqual([
        { day: '2026-11-24', model: 'flux-2-pro', units: 3, costUsd: 0.075, pricedUnits: 2, inputTokens: 0, outputTokens: 0 },
        { day: '2026-11-25', model: 'dall-e-3', units: 1, costUsd: 0, pricedUnits: 0, inputTokens: 31, outputTokens: 1056 },
        { day: '2026-11-25', model: 'esrgan-thick', units: 1, costUsd: 0, pricedUnits: 0, inputTokens: 0, outputTokens: 0 },
      ]);
    });

    it('keeps each entry whole, and records an id once', async () => {
      await ledger.record(entry('full', { costUsd: 0.03, tokens: { input: 5, output: 7 } }));
      await ledger.record(entry('full', { costUsd: 9 }));
      expect(await ledger.entry('full')).toEqual(entry('full', { costUsd: 0.03, tokens: { input: 5, output: 7 } }));
      const { upstreamModel: _upstream, seed: _seed, ...bare } = entry('bare', { operation: 'enhance', model: 'esrgan-thick', provider: 'local' });
      await ledger.record(bare);
      expect(await ledger.entry('bare')).toEqual(bare);
      expect(await ledger.entry('missing')).toBeUndefined();
    });

    it('tells when a subject last spent a unit, never moving back for an entry recorded late', async () => {
      expect(await ledger.lastUsed('key:key_a')).toBeUndefined();
      await ledger.record(entry('first', { createdAt: '2026-11-24T10:00:00.000Z' }));
      await ledger.record(entry('latest', { createdAt: '2026-11-25T08:30:00.000Z', day: '2026-11-25' }));
      await ledger.record(entry('late', { createdAt: '2026-11-24T12:00:00.000Z' }));
      await ledger.record(entry('theirs', { subject: 'key:key_b', createdAt: '2026-11-26T00:00:00.000Z' }));
      expect(await ledger.lastUsed('key:key_a')).toBe('2026-11-25T08:30:00.000Z');
    });

    it('reads only the days asked for', async () => {
      await ledger.record(entry('old', { day: '2026-10-01' }));
      expect(await ledger.usage('key:key_a', lastDays('2026-11-25', 30))).toEqual([]);
      expect(await ledger.usage('key:key_a', ['2026-10-01'])).toHaveLength(1);
    });
  });
}

