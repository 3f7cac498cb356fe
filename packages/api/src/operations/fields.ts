import { z } from 'zod';

/**
 * A whole number of zero or more with a realistic example, so the generated document (and
 * the docs page built from it) shows "usage": 2, not the smallest safe integer.
 */
export const count = (example: number, description?: string) =>
  z
    .number()
    .int()
    .min(0)
    .meta({ example, ...(description ? { description } : {}) });
