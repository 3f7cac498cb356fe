import { defineConfig } from 'vitest/config';
import { useTempDirPerRun } from '../../packages/core/src/testing/temp-dir-per-run.ts';

// Everything the tests write under os.tmpdir() goes when the run ends.
useTempDirPerRun();

/** The built page in Debian's Chromium against the real server on port 0. */
export default defineConfig({
  test: {
    setupFiles: ['../../packages/core/src/testing/loopback-only.ts'],
    include: ['src/**/*.int.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
