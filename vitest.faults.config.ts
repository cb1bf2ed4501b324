import { defineConfig } from 'vitest/config';

/**
 * `npm run test:faults`: each case starts its own broker and ClickHouse and kills one of
 * them (or a producer, or the notifier), so cases run one at a time and never share a stack.
 * `npm run test:faults:cluster` runs the three-broker case (test/faults/cluster/): three
 * JVMs take minutes on 2 cores, so it is not part of `make test` yet.
 */
export default defineConfig({
  test: {
    include: process.env.TRADEWATCH_CLUSTER_FAULTS
      ? ['test/faults/cluster/*.faults.ts']
      : ['test/faults/*.faults.ts'],
    globalSetup: ['test/faults/global-setup.ts'],
    testTimeout: 900_000,
    hookTimeout: 480_000,
    maxWorkers: 1,
    fileParallelism: false,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
