/**
 * `npm run stack` / `make dev`: the embedded stack for development, no Docker.
 * Starts a real Kafka broker and the embedded ClickHouse (with its HTTP interface), creates
 * the topics, applies the migrations and, unless `--sample-rate 0`, pushes synthetic trades
 * through the pipeline while printing how many rows ClickHouse holds. Ctrl-C stops it all.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { createClickHouse, queryNumber } from '../lib/clickhouse/client.js';
import { loadConfig } from '../lib/config/config.js';
import { createKafka } from '../lib/kafka/client.js';
import { EventProducer } from '../lib/kafka/producer.js';
import { createLogger } from '../lib/log.js';
import { startTelemetry } from '../lib/observability/telemetry.js';
import { startSampleFeed } from '../producers/sample/sample-feed.js';
import { writeStackEnv } from './clickhouse/host-secrets.js';
import { startLocalStack } from './local-stack.js';
import { preparePipeline, stackDir } from './pipeline.js';

const wholeNumber = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number ≥ 0');
  return n;
};

const program = new Command('stack')
  .description('Run the embedded Tradewatch stack (Kafka broker + ClickHouse engine) without Docker')
  .option('--dir <path>', 'where data, logs and stack.env live', stackDir())
  .option('--kafka-port <port>', 'Kafka client port (0: any free port)', wholeNumber, 9092)
  .option('--clickhouse-port <port>', 'ClickHouse HTTP port (0: any free port)', wholeNumber, 8123)
  .option('--sample-rate <n>', 'synthetic trades per second to push (0: none)', wholeNumber, 200)
  .option(
    '--duration <seconds>',
    'stop by itself after this many seconds (0: run until Ctrl-C)',
    wholeNumber,
    0,
  )
  .option(
    '--brokers <n>',
    'Kafka brokers: 1, or a KRaft cluster of n (3: replication 3, min.insync.replicas 2)',
    wholeNumber,
    1,
  )
  .option('--fresh', 'delete the data directory first', false)
  .action(run);

interface Options {
  dir: string;
  kafkaPort: number;
  clickhousePort: number;
  sampleRate: number;
  duration: number;
  brokers: number;
  fresh: boolean;
}

async function run(options: Options): Promise<void> {
  startTelemetry('stack');
  const log = createLogger('stack', { destination: 2 });
  if (options.fresh) rmSync(options.dir, { recursive: true, force: true });
  const stack = await startLocalStack({
    dir: options.dir,
    kafkaPort: options.kafkaPort,
    clickhousePort: options.clickhousePort,
    brokers: options.brokers,
    log,
  });
  const config = loadConfig({ ...process.env, ...stack.env });
  let stopping = false;
  let producer: EventProducer | undefined;
  let feed: ReturnType<typeof startSampleFeed> | undefined;
  const shutdown = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ reason }, 'stopping');
    await feed?.stop();
    await producer?.close();
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  try {
    const prepared = await preparePipeline(config, log);
    log.info(prepared, 'pipeline ready');
  } catch (err) {
    log.fatal({ err }, 'could not prepare the pipeline');
    await shutdown('start-up failed');
    return;
  }
  const envFile = join(options.dir, 'stack.env');
  writeStackEnv(envFile, stack.env);
  console.log(
    `Kafka:      ${stack.env.KAFKA_BROKERS}   (log: ${stack.kafka.logFile}, ready in ${stack.kafka.startupMs} ms)`,
  );
  console.log(`ClickHouse: ${stack.env.CLICKHOUSE_URL}   (database ${config.CLICKHOUSE_DATABASE})`);
  console.log(`Other terminals: set -a; . ${envFile}; set +a`);

  if (options.sampleRate > 0) {
    producer = await EventProducer.connect(createKafka(config, log), config, log);
    feed = startSampleFeed(producer, { ratePerSecond: options.sampleRate, log });
    console.log(
      `Pushing ~${options.sampleRate} synthetic trades/s into market.trades. Ctrl-C stops everything.`,
    );
  }
  const clickhouse = createClickHouse({ ...config, database: config.CLICKHOUSE_DATABASE });
  let previous = 0;
  const started = Date.now();
  const report = setInterval(async () => {
    try {
      const stored = await queryNumber(clickhouse, 'SELECT count() FROM market_trades');
      const dead = await queryNumber(clickhouse, 'SELECT count() FROM dead_letters');
      const rate = Math.round((stored - previous) / 2);
      previous = stored;
      const acked = feed ? `  acknowledged by Kafka: ${feed.acknowledged()}` : '';
      console.log(`trades in ClickHouse: ${stored} (+${rate}/s)  dead letters: ${dead}${acked}`);
    } catch (err) {
      log.warn({ err }, 'status query failed');
    }
    if (options.duration > 0 && Date.now() - started >= options.duration * 1000) {
      clearInterval(report);
      await clickhouse.close();
      await shutdown('duration reached');
    }
  }, 2000);
}

program.parseAsync().catch((err: unknown) => {
  console.error(`stack: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
