import { describe, expect, it } from 'vitest';
import { RateLimitedError } from '../errors.ts';
import { MemoryQuotaStore } from './memory-quota-store.ts';
import { QuotaService, nextUtcMidnight, utcDay } from './quota-service.ts';

const account = { subject: 'ip:203.0.113.7', limit: 2 };

describe('QuotaService', () => {
  it('runs in a time zone whose local date differs from the UTC day (set in vitest.config.ts)', () => {
    // 13:30 UTC on the 9th is 01:30 on the 10th in Auckland (UTC+12 in May).
    const moment = new Date('2026-05-09T13:30:00Z');
    expect(moment.getDate()).not.toBe(moment.getUTCDate());
  });

  it('uses the UTC calendar day and resets at the next 00:00 UTC', () => {
    const lateEvening = new Date('2026-05-09T23:59:59.500Z');
    expect(utcDay(lateEvening)).toBe('2026-05-09');
    expect(nextUtcMidnight(lateEvening).toISOString()).toBe('2026-05-10T00:00:00.000Z');
    expect(nextUtcMidnight(new Date('2026-12-31T00:00:00Z')).toISOString()).toBe('2027-01-01T00:00:00.000Z');
    // Already the 10th in Auckland, still the 9th in UTC.
    const aucklandMorning = new Date('2026-05-09T13:30:00Z');
    expect(utcDay(aucklandMorning)).toBe('2026-05-09');
    expect(nextUtcMidnight(aucklandMorning).toISOString()).toBe('2026-05-10T00:00:00.000Z');
  });

  it('gives each moment its own day when asked in any order, across midnight both ways', () => {
    // The last day asked about is remembered; a moment on either side of it is not in it.
    const moments = ['2026-05-09T12:00:00Z', '2026-05-10T00:00:00.000Z', '2026-05-09T23:59:59.999Z', '2026-05-10T23:59:59.999Z', '2026-05-11T00:00:00Z', '1969-12-31T23:59:59Z'];
    const days = ['2026-05-09', '2026-05-10', '2026-05-09', '2026-05-10', '2026-05-11', '1969-12-31'];
    const resets = ['2026-05-10', '2026-05-11', '2026-05-10', '2026-05-11', '2026-05-12', '1970-01-01'];
    for (const [index, iso] of moments.entries()) {
      expect(utcDay(new Date(iso))).toBe(days[index]);
      expect(nextUtcMidnight(new Date(iso)).toISOString()).toBe(`${resets[index]}T00:00:00.000Z`);
    }
  });

  it('reports usage including the reservation and refuses past the limit with seconds to reset', async () => {
    const now = new Date('2026-05-09T23:00:00Z');
    const quota = new QuotaService(new MemoryQuotaStore(), () => now);
    const first = await quota.reserve(account);
    expect([first.used, first.remaining]).toEqual([1, 1]);
    await quota.reserve(account);
    const refusal = await quota.reserve(account).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(RateLimitedError);
    expect((refusal as RateLimitedError).retryAfterSeconds).toBe(3600);
    expect((refusal as RateLimitedError).message).toContain('2026-05-10T00:00:00Z');
  });

  it('refunds once, and not after a commit', async () => {
    const quota = new QuotaService(new MemoryQuotaStore(), () => new Date('2026-05-09T12:00:00Z'));
    const refunded = await quota.reserve(account);
    await refunded.refund();
    await refunded.refund();
    expect((await quota.snapshot(account)).used).toBe(0);

    const committed = await quota.reserve(account);
    committed.commit();
    await committed.refund();
    expect((await quota.snapshot(account)).used).toBe(1);
  });

  it('refunds into the day the unit was taken, even after midnight', async () => {
    let now = new Date('2026-05-09T23:59:59Z');
    const quota = new QuotaService(new MemoryQuotaStore(), () => now);
    const reservation = await quota.reserve(account);
    now = new Date('2026-05-10T00:00:01Z');
    await quota.reserve(account);
    await reservation.refund();
    expect((await quota.snapshot(account)).used).toBe(1);
  });

  it('reports a snapshot of today without taking anything, never below zero remaining', async () => {
    const store = new MemoryQuotaStore();
    const now = new Date('2026-05-09T12:00:00Z');
    const quota = new QuotaService(store, () => now);
    expect(await quota.snapshot(account)).toEqual({ used: 0, limit: 2, remaining: 2, resetAt: new Date('2026-05-10T00:00:00Z') });
    await quota.reserve(account);
    expect(await quota.snapshot(account)).toMatchObject({ used: 1, remaining: 1 });
    // A limit lowered below today's usage (a key's limit changed) reads as none left.
    expect(await quota.snapshot({ ...account, limit: 0 })).toMatchObject({ used: 1, remaining: 0 });
  });

  it('keeps a committed unit when a refund comes later', async () => {
    const store = new MemoryQuotaStore();
    const quota = new QuotaService(store, () => new Date('2026-05-09T12:00:00Z'));
    const reservation = await quota.reserve(account);
    reservation.commit();
    await reservation.refund();
    expect(await store.usage(account.subject, '2026-05-09')).toBe(1);
  });
});
