import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', '.stack/**', '.kafka/**', 'test/faults/**'],
    // One real Kafka broker and one embedded ClickHouse for the whole run (test/global-setup.ts);
    // each test file isolates itself with its own topic prefix and database.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Two cores: the broker and the engine need one between them.
    maxWorkers: 2,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
