import type { QuotaStore } from './quota-store.ts';

/** For unit tests and single-process tools; counts vanish with the process. */
export class MemoryQuotaStore implements QuotaStore {
  private readonly counts = new Map<string, number>();

  async reserve(subject: string, day: string, units: number, limit: number) {
    const key = `${day}\u0000${subject}`;
    const used = this.counts.get(key) ?? 0;
    if (used + units > limit) return { admitted: false, used };
    this.counts.set(key, used + units);
    return { admitted: true, used: used + units };
  }

  async release(subject: string, day: string, units: number) {
    const key = `${day}\u0000${subject}`;
    const used = Math.max((this.counts.get(key) ?? 0) - units, 0);
    this.counts.set(key, used);
    return used;
  }

  async usage(subject: string, day: string) {
    return this.counts.get(`${day}\u0000${subject}`) ?? 0;
  }

  async close() {}
}
