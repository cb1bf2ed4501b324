import { join } from 'node:path';
import type { Logger } from '../lib/log.js';
import { type ClickHouseHost, startClickHouseHost } from './clickhouse/host-process.js';
import { type KafkaBroker, startKafkaBroker, startKafkaCluster } from './kafka/broker.js';

export interface LocalStack {
  /** The broker, or with `brokers` > 1 the cluster's first node (bootstrap: every node). */
  kafka: KafkaBroker;
  clickhouse: ClickHouseHost;
  /** What other processes need to reach it. */
  env: { KAFKA_BROKERS: string; CLICKHOUSE_URL: string; CLICKHOUSE_PASSWORD: string };
  stop(): Promise<void>;
}

/**
 * The embedded stack without Docker: a real Kafka broker (KRaft, the machine's Java) and
 * ClickHouse's engine behind its HTTP interface, each in its own process under `dir`.
 * Ports: 0 lets the OS choose (tests); `npm run stack` asks for the usual 9092 and 8123.
 */
export async function startLocalStack(options: {
  dir: string;
  kafkaPort?: number;
  clickhousePort?: number;
  /** Kafka brokers (KRaft cluster, replication 3 and min.insync.replicas 2 from 3 up). */
  brokers?: number;
  log: Logger;
}): Promise<LocalStack> {
  const { dir, log } = options;
  const [kafka, clickhouse] = await Promise.allSettled([
    startKafka(join(dir, 'kafka'), options.brokers ?? 1, options.kafkaPort ?? 0, log),
    // Three minutes: on two cores shared with other stacks (the soak, three engineers' runs) the
    // host took over a minute to answer.
    startClickHouseHost({
      dataDir: join(dir, 'clickhouse', 'data'),
      port: options.clickhousePort ?? 0,
      timeoutMs: 180_000,
    }),
  ]);
  if (kafka.status === 'rejected' || clickhouse.status === 'rejected') {
    // Whichever did start must not be left running.
    if (kafka.status === 'fulfilled') await kafka.value.stop();
    if (clickhouse.status === 'fulfilled') await clickhouse.value.stop();
    throw kafka.status === 'rejected' ? kafka.reason : (clickhouse as PromiseRejectedResult).reason;
  }
  log.info({ kafka: kafka.value.bootstrap, clickhouse: clickhouse.value.url }, 'local stack ready');
  return {
    kafka: kafka.value,
    clickhouse: clickhouse.value,
    env: {
      KAFKA_BROKERS: kafka.value.bootstrap,
      CLICKHOUSE_URL: clickhouse.value.url,
      CLICKHOUSE_PASSWORD: clickhouse.value.password,
    },
    async stop() {
      // ClickHouse first: its Kafka consumers leave their group while the broker is still up.
      await clickhouse.value.stop();
      await kafka.value.stop();
    },
  };
}

/** One broker, or a cluster seen through its first node with every node's address. */
async function startKafka(dataDir: string, brokers: number, port: number, log: Logger): Promise<KafkaBroker> {
  // Like ClickHouse's wait above: the broker took over its 90 s under the same load.
  if (brokers <= 1) return startKafkaBroker({ dataDir, port, log, startTimeoutMs: 180_000 });
  const cluster = await startKafkaCluster({ dataDir, size: brokers, log });
  const first = cluster.node(1);
  return {
    ...first,
    bootstrap: cluster.bootstrap,
    stop: (graceMs) => cluster.stop(graceMs),
  };
}
