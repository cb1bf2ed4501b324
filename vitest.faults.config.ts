import { defineConfig } from 'vitest/config';

/**
 * `npm run test:faults` (in `make test`): each case starts its own broker and ClickHouse and
 * kills one of them (or a producer, or the notifier), so cases run one at a time and never
 * share a stack; the three-broker failover case (test/faults/cluster/) runs last.
 * `npm run test:faults:cluster` runs that case alone.
 */
export default defineConfig({
  test: {
    include: process.env.TRADEWATCH_CLUSTER_FAULTS
      ? ['test/faults/cluster/*.faults.ts']
      : ['test/faults/*.faults.ts', 'test/faults/cluster/*.faults.ts'],
    globalSetup: ['test/faults/global-setup.ts'],
    testTimeout: 900_000,
    hookTimeout: 480_000,
    maxWorkers: 1,
    fileParallelism: false,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
