import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Real servers and the embedded broker share 2 cores with the tests: keep files apart.
    maxWorkers: 2,
  },
});
