import type { Reservation } from './quota/quota-service.ts';

/**
 * What a service tells whoever runs its work in the background (a job): when the work was
 * admitted (its units taken, so every refusal is behind it) and how far it has got.
 */
export interface WorkHooks {
  /** The units were reserved: validation, filters and quota all passed, and the work runs. */
  reserved?(reservation: Reservation): void;
  /** Where the work is now; `progress` (0–1) where it is known. */
  progress?(update: { stage: string; progress?: number }): void;
}
