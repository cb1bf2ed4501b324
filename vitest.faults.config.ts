import { defineConfig } from 'vitest/config';

/**
 * `npm run test:faults` (in `make test`): each case starts its own broker and ClickHouse and
 * kills one of them (or a producer, or the notifier), so cases run one at a time and never
 * share a stack. `npm run test:faults:cluster` runs the three-broker failover case
 * (test/faults/cluster/): 5-10 minutes on 2 cores, which `make test`'s ~30-minute budget
 * cannot carry beside the main suite (21 minutes in the latest CI run).
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
