import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Starts (or reuses) Postgres and provisions the Temporal test server once for the whole run.
    globalSetup: ['test/global-setup.ts'],
    // Two cores: a couple of forks keeps servers, bundling and Postgres from starving each other.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
