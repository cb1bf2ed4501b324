import { afterAll, beforeAll, describe, it } from 'vitest';
import { sleep } from '../../lib/time.js';
import type { FaultStack } from './fault-stack.js';
import { expectExactlyCounted, startIngestStack, underSteadyLoad } from './ingest-case.js';

describe('fault: the Kafka broker is SIGKILLed under load and restarted on its data dir', () => {
  let stack: FaultStack;
  beforeAll(async () => {
    stack = await startIngestStack('broker', ['market.trades', 'user.logins']);
  });
  afterAll(async () => stack?.stop());

  it('loses no acknowledged event and counts none twice', async () => {
    const outcomes = await underSteadyLoad(stack, 'a. Kafka broker SIGKILL', async () => {
      await stack.killKafka();
      // Down long enough for sends and the engine's consumers to fail, not just retry once.
      await sleep(3_000);
      const restarted = Date.now();
      await stack.startKafka();
      return restarted;
    });
    for (const outcome of outcomes) expectExactlyCounted(outcome);
  });
});
