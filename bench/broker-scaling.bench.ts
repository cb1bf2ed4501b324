/**
 * Producer throughput with one broker against a three-broker cluster (replication 3,
 * min.insync.replicas 2), both started here from the same jars and up at once, the same
 * events through EventProducer (acks=all, idempotent), passes alternated so a neighbour's
 * burst slows one pass, not the ratio. On one machine the three JVMs share its cores, so
 * this prices replication's cost here, not a cluster's capacity on its own hosts
 * (docs/scaling.md).
 * Run: `npx tsx bench/broker-scaling.bench.ts [--events 60000] [--rounds 3]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../lib/config/config.js';
import { marketTopics } from '../lib/contracts/market.js';
import { createKafka } from '../lib/kafka/client.js';
import { EventProducer } from '../lib/kafka/producer.js';
import { ensureTopics, topicsFor } from '../lib/kafka/topics.js';
import { createLogger } from '../lib/log.js';
import { machineLine } from '../lib/machine.js';
import { startKafkaBroker, startKafkaCluster } from '../stack/kafka/broker.js';
import { warehouseDataset } from '../test/warehouse-data.js';
import { benchOptions } from './cli.js';
import { fmt, percentile, progress, type SummaryRow, summaryTable, writeResult } from './report.js';

const o = benchOptions(
  'broker-scaling-bench',
  'EventProducer into 3 replicating brokers vs into 1 broker, events/s',
  { events: 60_000, call: 1000, concurrency: 4, rounds: 3 },
);
const { events: EVENTS, call: CALL, concurrency: CONCURRENCY } = o;

async function main(): Promise<void> {
  const log = createLogger('bench', { destination: 2, level: 'warn' });
  const dir = mkdtempSync(join(tmpdir(), 'tw-broker-scaling-'));
  progress('starting 1 broker and a 3-broker cluster');
  const [single, cluster] = await Promise.all([
    startKafkaBroker({ dataDir: join(dir, 'single'), log }),
    startKafkaCluster({ dataDir: join(dir, 'cluster'), size: 3, log }),
  ]);
  try {
    const spec = marketTopics.marketTrades;
    const events: unknown[] = [];
    for (let seed = 1; events.length < EVENTS; seed += 1) events.push(...warehouseDataset(seed).trades);
    events.length = EVENTS;
    const connect = async (bootstrap: string) => {
      const config = loadConfig({
        ...process.env,
        KAFKA_BROKERS: bootstrap,
        KAFKA_TOPIC_PREFIX: 'bench-scaling.',
      });
      const kafka = createKafka(config, log);
      await ensureTopics(kafka, topicsFor(config.KAFKA_TOPIC_PREFIX, [spec]));
      return EventProducer.connect(kafka, config, log);
    };
    const producers = { one: await connect(single.bootstrap), three: await connect(cluster.bootstrap) };
    const pass = async (producer: EventProducer, count = EVENTS): Promise<number> => {
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          for (let from = next; from < count; from = next) {
            next += CALL;
            await producer.produce(spec, events.slice(from, Math.min(from + CALL, count)));
          }
        }),
      );
      return performance.now() - started;
    };
    await pass(producers.one, CALL * CONCURRENCY * 4);
    await pass(producers.three, CALL * CONCURRENCY * 4);
    const ms = { one: [] as number[], three: [] as number[] };
    for (let round = 1; round <= o.rounds; round += 1) {
      ms.one.push(await pass(producers.one));
      ms.three.push(await pass(producers.three));
      progress(`round ${round}: 1 broker ${fmt(ms.one.at(-1))} ms, 3 brokers ${fmt(ms.three.at(-1))} ms`);
    }
    await Promise.all([producers.one.close(), producers.three.close()]);
    const rate = (list: number[]) => Math.round(EVENTS / ((percentile(list, 50) as number) / 1000));
    const ratio =
      Math.round(
        (percentile(
          ms.one.map((one, i) => one / (ms.three[i] as number)),
          50,
        ) as number) * 100,
      ) / 100;
    const summary: SummaryRow[] = [
      {
        benchmark: 'producer into 3 brokers (RF 3, min ISR 2) vs 1 broker, acks=all',
        result: `${fmt(rate(ms.three))} ev/s`,
        baseline: `${fmt(rate(ms.one))} ev/s`,
        ratio,
        target: 'measured, no target (one machine)',
        met: true,
      },
    ];
    process.stdout.write(`${machineLine()}\n${summaryTable(summary)}\n`);
    const file = writeResult('broker-scaling', summary, {
      settings: { events: EVENTS, call: CALL, concurrency: CONCURRENCY },
      passesMs: ms,
    });
    process.stdout.write(`results: ${file}\n`);
  } finally {
    await Promise.all([single.stop(), cluster.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
