import { defineConfig } from 'vitest/config';

/**
 * `npm run test:faults`: each case starts its own broker and ClickHouse and kills one of
 * them (or a producer, or the notifier), so cases run one at a time and never share a stack.
 */
export default defineConfig({
  test: {
    include: ['test/faults/*.faults.ts'],
    globalSetup: ['test/faults/global-setup.ts'],
    testTimeout: 420_000,
    hookTimeout: 480_000,
    maxWorkers: 1,
    fileParallelism: false,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
