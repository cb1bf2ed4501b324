import { afterAll, beforeAll, describe, it } from 'vitest';
import type { FaultStack } from './fault-stack.js';
import { expectExactlyCounted, startIngestStack, underSteadyLoad } from './ingest-case.js';
import { holdMerges } from './ingest-check.js';

describe('fault: the process embedding ClickHouse is SIGKILLed under load and restarted on its data dir', () => {
  let stack: FaultStack;
  beforeAll(async () => {
    stack = await startIngestStack('clickhouse', ['market.trades', 'user.logins']);
  });
  afterAll(async () => stack?.stop());

  it('resumes from the committed offsets: nothing lost, redelivered rows invisible to counts', async () => {
    const outcomes = await underSteadyLoad(stack, 'b. ClickHouse host SIGKILL', async (load) => {
      await stack.killClickHouse();
      // Kafka keeps acknowledging while the warehouse is down: the backlog waits in the topic.
      await load.acknowledgedBatches(20);
      const restarted = Date.now();
      await stack.startClickHouse();
      // SYSTEM STOP MERGES does not survive a restart.
      await holdMerges(stack.clickhouse);
      return restarted;
    });
    for (const outcome of outcomes) expectExactlyCounted(outcome);
  });
});
