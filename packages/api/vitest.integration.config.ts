import { defineConfig } from 'vitest/config';

/** Real servers on port 0, real SQLite files, real HTTP; slower, so kept apart from unit tests. */
export default defineConfig({
  test: {
    setupFiles: ['../core/src/testing/loopback-only.ts', '../core/src/testing/timezone.ts'],
    include: ['src/**/*.int.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
