/**
 * Counts units used per subject (an API key or a client network) per UTC day.
 * Implementations must make `reserve` atomic: N concurrent calls with R units left admit
 * exactly min(N, R), across every process that shares the store.
 */
export interface QuotaStore {
  /** Takes `units` if the total stays within `limit`. Returns the count after the attempt. */
  reserve(subject: string, day: string, units: number, limit: number): Promise<{ admitted: boolean; used: number }>;
  /** Gives back units taken by an earlier `reserve` on the same day; never goes below zero. */
  release(subject: string, day: string, units: number): Promise<number>;
  usage(subject: string, day: string): Promise<number>;
  close(): Promise<void>;
}
