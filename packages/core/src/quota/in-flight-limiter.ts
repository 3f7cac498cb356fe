import { RateLimitedError } from '../errors.ts';

const RETRY_AFTER_SECONDS = 5;

/**
 * At most `limit` pieces of work in progress per caller on this instance, so one caller
 * cannot hold every provider slot or the whole enhance queue. Entries leave the map when
 * they reach zero, so it never holds more subjects than there is work in progress.
 */
export class InFlightLimiter {
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly limit: number,
    /** What is counted, for the refusal message: "generations", "enhancements". */
    private readonly noun: string,
  ) {}

  /** Takes a place or throws 429; the returned function gives it back (once). */
  acquire(subject: string): () => void {
    const count = this.counts.get(subject) ?? 0;
    if (count >= this.limit) {
      throw new RateLimitedError(
        `You already have ${count} ${this.noun} in progress, the most one caller may run at once; retry when one finishes.`,
        { retryAfterSeconds: RETRY_AFTER_SECONDS, reason: 'in_flight' },
      );
    }
    this.counts.set(subject, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.counts.get(subject) ?? 1) - 1;
      if (left <= 0) this.counts.delete(subject);
      else this.counts.set(subject, left);
    };
  }

  inFlight(subject: string): number {
    return this.counts.get(subject) ?? 0;
  }
}
