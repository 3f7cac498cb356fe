import { RateLimitedError } from '../errors.ts';
import type { QuotaStore } from './quota-store.ts';

export type Clock = () => Date;

const DAY_MS = 86_400_000;

/** The last day asked about: every request asks for its day, and nearly all ask for today. */
let lastDay = { start: 0, end: 0, text: '1970-01-01' };

function dayOf(moment: Date): typeof lastDay {
  const time = moment.getTime();
  if (!(time >= lastDay.start && time < lastDay.end)) {
    const start = Math.floor(time / DAY_MS) * DAY_MS;
    lastDay = { start, end: start + DAY_MS, text: moment.toISOString().slice(0, 10) };
  }
  return lastDay;
}

/** The UTC calendar day a moment falls on, as YYYY-MM-DD. */
export function utcDay(moment: Date): string {
  return dayOf(moment).text;
}

/** Whole seconds from `now` until `moment`, never below zero (Retry-After, RateLimit's t=). */
export function secondsUntil(moment: Date, now: Date): number {
  return Math.max(Math.ceil((moment.getTime() - now.getTime()) / 1000), 0);
}

/** The next 00:00 UTC after `moment`. */
export function nextUtcMidnight(moment: Date): Date {
  return new Date(dayOf(moment).end);
}

export interface QuotaSnapshot {
  used: number;
  limit: number;
  remaining: number;
  resetAt: Date;
}

export interface QuotaAccount {
  subject: string;
  limit: number;
}

/**
 * A unit taken before the work starts. `commit` keeps it, `refund` gives it back; the first
 * of the two wins and later calls do nothing, so error paths can refund unconditionally.
 */
export class Reservation {
  private settlement: 'held' | 'committed' | 'refunded' = 'held';

  constructor(
    private readonly store: QuotaStore,
    readonly account: QuotaAccount,
    readonly day: string,
    readonly units: number,
    /** Units used today including this reservation. */
    readonly used: number,
    readonly resetAt: Date,
  ) {}

  get remaining(): number {
    return Math.max(this.account.limit - this.used, 0);
  }

  /** The account's quota with this reservation counted. */
  get snapshot(): QuotaSnapshot {
    return { used: this.used, limit: this.account.limit, remaining: this.remaining, resetAt: this.resetAt };
  }

  /** Whether the units are still held, were kept, or were given back. */
  get state(): 'held' | 'committed' | 'refunded' {
    return this.settlement;
  }

  commit(): void {
    if (this.settlement === 'held') this.settlement = 'committed';
  }

  async refund(): Promise<void> {
    if (this.settlement !== 'held') return;
    this.settlement = 'refunded';
    await this.store.release(this.account.subject, this.day, this.units);
  }
}

export class QuotaService {
  constructor(
    private readonly store: QuotaStore,
    private readonly clock: Clock = () => new Date(),
  ) {}

  async snapshot(account: QuotaAccount): Promise<QuotaSnapshot> {
    const now = this.clock();
    const used = await this.store.usage(account.subject, utcDay(now));
    return { used, limit: account.limit, remaining: Math.max(account.limit - used, 0), resetAt: nextUtcMidnight(now) };
  }

  /** Takes `units` atomically or throws `RateLimitedError` carrying the seconds until reset. */
  async reserve(account: QuotaAccount, units = 1): Promise<Reservation> {
    const now = this.clock();
    const day = utcDay(now);
    const resetAt = nextUtcMidnight(now);
    const result = await this.store.reserve(account.subject, day, units, account.limit);
    if (!result.admitted) {
      const retryAfterSeconds = Math.max(secondsUntil(resetAt, now), 1);
      throw new RateLimitedError(
        `Daily limit of ${account.limit} reached; it resets at ${resetAt.toISOString().replace('.000Z', 'Z')} (midnight UTC).`,
        { retryAfterSeconds },
      );
    }
    return new Reservation(this.store, account, day, units, result.used, resetAt);
  }
}
