/**
 * Recovery: the process embedding ClickHouse is SIGKILLed under steady load (trades and
 * logins through EventProducer) and started again at once on its data directory, as a
 * supervisor would. Measured per round: from the kill until every event acknowledged by then,
 * and one batch more, is in its fact table — the restart, the consumers rejoining their
 * groups (the dead members' session must expire first: KAFKA_CONSUMER_CONFIG) and the backlog.
 * Baseline, same run and load: the same wait with no fault (acknowledged → stored).
 * Run: `npx tsx bench/recovery.bench.ts [--rounds 3]`.
 */
import { createKafka } from '../lib/kafka/client.js';
import { machineLine } from '../lib/machine.js';
import { quietKafkaLog, startFaultStack } from '../test/faults/fault-stack.js';
import { recoveredAfter } from '../test/faults/ingest-check.js';
import { startSteadyLoad } from '../test/faults/steady-load.js';
import { benchOptions, runBench } from './cli.js';
import { fmt, percentile, progress, type SummaryRow, summaryTable, writeResult } from './report.js';

const TARGET_MS = 10_000;
const o = benchOptions(
  'recovery-bench',
  'ClickHouse host SIGKILL under load, restarted at once: time until ingestion has caught up',
  { rounds: 3 },
);

async function main(): Promise<void> {
  progress('starting a broker and a ClickHouse host with the pipeline');
  const stack = await startFaultStack('recovery-bench');
  try {
    await stack.waitForConsumers(['market.trades', 'user.logins']);
    const load = await startSteadyLoad(createKafka(stack.config, quietKafkaLog), stack.config);
    const baselineMs: number[] = [];
    const recoveryMs: number[] = [];
    const restartMs: number[] = [];
    try {
      await load.acknowledgedBatches(20);
      for (let round = 1; round <= o.rounds; round += 1) {
        const calm = Date.now();
        await load.acknowledgedBatches(1);
        baselineMs.push(await recoveredAfter(stack.clickhouse, load, calm));
        const killed = Date.now();
        await stack.killClickHouse();
        await stack.startClickHouse();
        restartMs.push(Date.now() - killed);
        await load.acknowledgedBatches(1, 120_000);
        recoveryMs.push(await recoveredAfter(stack.clickhouse, load, killed));
        progress(
          `round ${round}: caught up ${fmt(recoveryMs.at(-1))} ms after the kill (host up again after ${fmt(restartMs.at(-1))} ms); no fault: ${fmt(baselineMs.at(-1))} ms`,
        );
        await load.acknowledgedBatches(10);
      }
    } finally {
      await load.stop();
    }
    const worst = Math.max(...recoveryMs);
    const summary: SummaryRow[] = [
      {
        benchmark: 'recovery: ClickHouse host SIGKILL, restarted at once → every acknowledged event stored',
        result: `worst ${fmt(worst / 1000, 1)} s of ${recoveryMs.length} (p50 ${fmt((percentile(recoveryMs, 50) ?? 0) / 1000, 1)} s; host restart ${fmt((percentile(restartMs, 50) ?? 0) / 1000, 1)} s)`,
        baseline: `same wait with no fault: p50 ${fmt((percentile(baselineMs, 50) ?? 0) / 1000, 1)} s`,
        ratio: null,
        target: `<= ${TARGET_MS / 1000} s`,
        met: worst <= TARGET_MS,
      },
    ];
    process.stdout.write(`${machineLine()}\n${summaryTable(summary)}\n`);
    const file = writeResult('recovery', summary, { recoveryMs, restartMs, baselineMs });
    process.stdout.write(`results: ${file}\n`);
  } finally {
    await stack.stop();
  }
}

runBench('recovery', main);
