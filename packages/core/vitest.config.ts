import { defineConfig } from 'vitest/config';
import { useTempDirPerRun } from './src/testing/temp-dir-per-run.ts';

// Tests run in a time zone far from UTC (inherited by every test process), so that code
// reading the local date where it means the UTC day (the quota day, the reset time) fails
// here instead of in production.
process.env.TZ = 'Pacific/Auckland';
// Everything the tests write under os.tmpdir() goes when the run ends.
useTempDirPerRun();

export default defineConfig({
  test: {
    setupFiles: ['./src/testing/loopback-only.ts'],
    include: ['src/**/*.test.ts'],
    exclude: ['src/**/*.int.test.ts', '**/node_modules/**'],
  },
});
