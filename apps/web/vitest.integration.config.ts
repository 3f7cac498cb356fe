import { defineConfig } from 'vitest/config';

/** The built page in Debian's Chromium against the real server on port 0. */
export default defineConfig({
  test: {
    setupFiles: ['../../packages/core/src/testing/loopback-only.ts'],
    include: ['src/**/*.int.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
