import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ClickHouseClient, createClickHouse } from '../../lib/clickhouse/client.js';
import { type Config, loadConfig } from '../../lib/config/config.js';
import { topicName } from '../../lib/contracts/topics.js';
import { createKafka } from '../../lib/kafka/client.js';
import { createLogger } from '../../lib/log.js';
import { type ClickHouseHost, startClickHouseHost } from '../../stack/clickhouse/host-process.js';
import {
  type KafkaBroker,
  type KafkaCluster,
  startKafkaBroker,
  startKafkaCluster,
} from '../../stack/kafka/broker.js';
import { preparePipeline } from '../../stack/pipeline.js';
import { waitForConsumers } from '../kafka-readiness.js';

export const faultLog = createLogger('faults', { destination: 2, level: process.env.LOG_LEVEL ?? 'warn' });
/** For clients that are expected to see a dead broker: its connection errors are the fault, not news. */
export const quietKafkaLog = faultLog.child({}, { level: 'fatal' });

/**
 * A whole embedded stack for one fault case: the case kills its processes, so it cannot
 * share the main suite's. Both restart on the same data directory and the same ports, as
 * a supervisor (systemd, Kubernetes) would restart a crashed process.
 */
export interface FaultStack {
  /** The case's files: broker and engine data, logs, helper processes' logs. */
  dir: string;
  config: Config;
  clickhouse: ClickHouseClient;
  kafka: KafkaBroker;
  /** With `brokers` > 1: the cluster (`kafka` is then its node 1 as started). */
  cluster: KafkaCluster | undefined;
  host: ClickHouseHost;
  /** `KAFKA_BROKERS` / `CLICKHOUSE_URL` / database for child processes. */
  env: Record<string, string>;
  killKafka(): Promise<void>;
  startKafka(): Promise<void>;
  killClickHouse(): Promise<void>;
  startClickHouse(): Promise<void>;
  /** Waits until the Kafka engine table of each topic (names without prefix) consumes. */
  waitForConsumers(topics: string[]): Promise<void>;
  stop(): Promise<void>;
}

export async function startFaultStack(name: string, options: { brokers?: number } = {}): Promise<FaultStack> {
  const dir = mkdtempSync(join(tmpdir(), `tw-fault-${name}-`));
  const kafkaDir = join(dir, 'kafka');
  const clickhouseDir = join(dir, 'clickhouse', 'data');
  const cluster =
    (options.brokers ?? 1) > 1
      ? await startKafkaCluster({ dataDir: kafkaDir, size: options.brokers ?? 1, log: faultLog, heapMb: 384 })
      : undefined;
  let kafka = cluster?.node(1) ?? (await startKafkaBroker({ dataDir: kafkaDir, log: faultLog, heapMb: 512 }));
  const bootstrap = cluster?.bootstrap ?? kafka.bootstrap;
  let host = await startClickHouseHost({ dataDir: clickhouseDir });
  const port = Number(new URL(host.url).port);
  const config = loadConfig({
    KAFKA_BROKERS: bootstrap,
    CLICKHOUSE_URL: host.url,
    CLICKHOUSE_PASSWORD: host.password,
    CLICKHOUSE_DATABASE: 'tradewatch',
    KAFKA_ENGINE_FLUSH_INTERVAL_MS: '500',
    KAFKA_LINGER_MS: '2',
    // A dead broker should fail a send within seconds, not the default 30 s.
    KAFKA_REQUEST_TIMEOUT_MS: '5000',
  });
  await preparePipeline(config, faultLog);
  const clickhouse = createClickHouse({ ...config, database: config.CLICKHOUSE_DATABASE });
  const admin = createKafka(config, faultLog);
  return {
    dir,
    config,
    clickhouse,
    get kafka() {
      return kafka;
    },
    cluster,
    get host() {
      return host;
    },
    env: {
      KAFKA_BROKERS: bootstrap,
      CLICKHOUSE_URL: host.url,
      CLICKHOUSE_PASSWORD: host.password,
      CLICKHOUSE_DATABASE: config.CLICKHOUSE_DATABASE,
    },
    killKafka: () => kafka.kill(),
    startKafka: async () => {
      kafka = await startKafkaBroker({ dataDir: kafkaDir, log: faultLog, heapMb: 512 });
    },
    killClickHouse: async () => {
      if (host.child.exitCode !== null || host.child.signalCode !== null) return;
      const gone = new Promise<void>((resolve) => host.child.once('exit', () => resolve()));
      host.child.kill('SIGKILL');
      await gone;
    },
    startClickHouse: async () => {
      host = await startClickHouseHost({ dataDir: clickhouseDir, port });
    },
    waitForConsumers: async (topics) => {
      await waitForConsumers(
        admin,
        clickhouse,
        topics.map((t) => topicName(config.KAFKA_TOPIC_PREFIX, t)),
        // A shared 2-core machine can take minutes to schedule the engine's first poll.
        300_000,
      );
    },
    stop: async () => {
      await clickhouse.close();
      await host.stop();
      await (cluster ?? kafka).stop(5_000);
      if (!process.env.KEEP_TEST_STACK) rmSync(dir, { recursive: true, force: true });
    },
  };
}
