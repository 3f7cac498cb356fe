import { defineConfig } from 'vitest/config';
import { useTempDirPerRun } from './src/testing/temp-dir-per-run.ts';

// Tests run in a time zone far from UTC (inherited by every test process), so that code
// reading the local date where it means the UTC day (the quota day, the reset time) fails
// here instead of in production.
process.env.TZ = 'Pacific/Auckland';
// Everything the tests write under os.tmpdir() goes when the run ends.
useTempDirPerRun();

/**
 * What mutation testing runs: the unit tests, plus the integration tests of the mutated
 * stores that need a real Redis or S3 server (each starts its own on loopback).
 */
export default defineConfig({
  test: {
    setupFiles: ['./src/testing/loopback-only.ts'],
    include: [
      'src/**/*.test.ts',
      'src/quota/**/*.int.test.ts',
      'src/keys/**/*.int.test.ts',
      'src/storage/**/*.int.test.ts',
      'src/ledger/**/*.int.test.ts',
      'src/idempotency/**/*.int.test.ts',
      'src/jobs/**/*.int.test.ts',
    ],
    exclude: ['src/enhance/**/*.int.test.ts', '**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
