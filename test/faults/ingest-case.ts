import { expect } from 'vitest';
import { createKafka } from '../../lib/kafka/client.js';
import { type FaultStack, quietKafkaLog, startFaultStack } from './fault-stack.js';
import { checkIngest, holdMerges, type IngestOutcome, recoveredAfter } from './ingest-check.js';
import { recordResult } from './results.js';
import { type SteadyLoad, startSteadyLoad } from './steady-load.js';

/** A fault stack whose Kafka engine tables consume and whose facts keep redelivered copies. */
export async function startIngestStack(
  name: string,
  topics: string[],
  options: { brokers?: number } = {},
): Promise<FaultStack> {
  const stack = await startFaultStack(name, options);
  await stack.waitForConsumers(topics);
  await holdMerges(stack.clickhouse);
  return stack;
}

/**
 * Steady trades and logins while `fault` breaks something and brings it back (it returns
 * when the restart began); then recovery, more load, and the checks, recorded under `name`.
 */
export async function underSteadyLoad(
  stack: FaultStack,
  name: string,
  fault: (load: SteadyLoad) => Promise<number>,
): Promise<IngestOutcome[]> {
  const load = await startSteadyLoad(createKafka(stack.config, quietKafkaLog), stack.config);
  await load.acknowledgedBatches(20);
  const restarted = await fault(load);
  await load.acknowledgedBatches(1, 120_000);
  const recoveryMs = await recoveredAfter(stack.clickhouse, load, restarted);
  await load.acknowledgedBatches(10);
  await load.stop();
  const trades = await checkIngest(stack.clickhouse, 'trades', load.trades);
  const logins = await checkIngest(stack.clickhouse, 'logins', load.logins);
  recordIngestCase(name, { trades, logins }, recoveryMs, {
    failedSends: load.trades.failedSends + load.logins.failedSends,
  });
  return [trades, logins];
}

/** Every acknowledged id stored; FINAL and the rollup count each event once. */
export function expectExactlyCounted(outcome: IngestOutcome): void {
  expect(outcome.acknowledged).toBeGreaterThan(0);
  expect(outcome.lost).toEqual([]);
  expect(outcome.finalCount).toBe(outcome.distinct);
  expect(outcome.rollupCount).toBe(outcome.distinct);
}

/** One table line for an ingest case: families added together, the detail in the note. */
export function recordIngestCase(
  name: string,
  families: Record<string, IngestOutcome>,
  recoveryMs: number,
  extra: { failedSends: number; note?: string },
): void {
  const all = Object.values(families);
  const sum = (pick: (o: IngestOutcome) => number) => all.reduce((n, o) => n + pick(o), 0);
  const detail = Object.entries(families)
    .map(([family, o]) => `${family}: FINAL ${o.finalCount}, rollup ${o.rollupCount}, distinct ${o.distinct}`)
    .join('; ');
  recordResult({
    case: name,
    unit: 'events',
    sent: sum((o) => o.sent),
    acknowledged: sum((o) => o.acknowledged),
    stored: sum((o) => o.stored),
    lost: sum((o) => o.lost.length),
    rawDuplicates: sum((o) => o.rawDuplicates),
    visibleDuplicates: sum((o) => o.visibleDuplicates),
    recoveryMs,
    note: [`${extra.failedSends} failed sends`, detail, extra.note].filter(Boolean).join('; '),
  });
}
