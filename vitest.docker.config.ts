import { defineConfig } from 'vitest/config';

/**
 * `make test-docker` (`npm run test:docker`): the Docker full stack through testcontainers
 * (test/docker/). No embedded broker or engine: the stack under test is the compose one.
 * Skipped, with the reason printed, when no Docker engine is reachable.
 */
export default defineConfig({
  test: {
    include: ['test/docker/*.docker.ts'],
    testTimeout: 600_000,
    hookTimeout: 1_800_000,
    maxWorkers: 1,
    fileParallelism: false,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
