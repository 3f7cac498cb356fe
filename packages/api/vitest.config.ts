import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    setupFiles: ['../core/src/testing/loopback-only.ts', '../core/src/testing/timezone.ts'],
    include: ['src/**/*.test.ts'],
    exclude: ['src/**/*.int.test.ts', '**/node_modules/**'],
  },
});
