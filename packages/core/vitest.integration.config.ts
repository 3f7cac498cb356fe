import { defineConfig } from 'vitest/config';

/** Real models, worker threads and Redis: slower, so kept apart from unit tests. */
export default defineConfig({
  test: {
    setupFiles: ['./src/testing/loopback-only.ts', './src/testing/timezone.ts'],
    include: ['src/**/*.int.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
