import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import { type ClickHouseClient, createClickHouse, queryNumber } from '../lib/clickhouse/client.js';
import { type Config, loadConfig } from '../lib/config/config.js';
import { createKafka } from '../lib/kafka/client.js';
import { EventProducer } from '../lib/kafka/producer.js';
import { createLogger } from '../lib/log.js';
import { waitFor } from '../lib/time.js';
import { preparePipeline } from '../stack/pipeline.js';

// Processes the tests start (CLI, notifier, collector) inherit it, as a shell that sourced
// stack.env would: the shared embedded host refuses every request without its password.
process.env.CLICKHOUSE_PASSWORD = inject('clickhousePassword');

export const testLog = createLogger('test', { destination: 2, level: process.env.LOG_LEVEL ?? 'warn' });

/**
 * A private slice of the shared test stack: its own topic prefix, database and consumer
 * groups, so test files never see each other's events.
 */
export function isolatedConfig(overrides: Record<string, string> = {}): Config {
  const id = randomBytes(4).toString('hex');
  return loadConfig({
    KAFKA_BROKERS: inject('kafkaBrokers'),
    CLICKHOUSE_URL: inject('clickhouseUrl'),
    CLICKHOUSE_PASSWORD: inject('clickhousePassword'),
    KAFKA_TOPIC_PREFIX: `t${id}.`,
    CLICKHOUSE_DATABASE: `t_${id}`,
    // Fast flushes: tests wait on rows, and the interval is the floor of their latency.
    KAFKA_ENGINE_FLUSH_INTERVAL_MS: '300',
    KAFKA_LINGER_MS: '2',
    ...overrides,
  });
}

/** Basic auth for raw HTTP requests to the shared embedded ClickHouse host. */
export function clickhouseAuth(password: string = inject('clickhousePassword')): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`default:${password}`).toString('base64')}` };
}

export interface Pipeline {
  config: Config;
  clickhouse: ClickHouseClient;
  kafka: ReturnType<typeof createKafka>;
  /** Waits until `query` returns at least `n`, and returns what it last saw. */
  waitForCount(query: string, n: number, timeoutMs?: number): Promise<number>;
  close(): Promise<void>;
}

export async function startPipeline(overrides: Record<string, string> = {}): Promise<Pipeline> {
  const config = isolatedConfig(overrides);
  await preparePipeline(config, testLog);
  const clickhouse = createClickHouse({ ...config, database: config.CLICKHOUSE_DATABASE });
  return {
    config,
    clickhouse,
    kafka: createKafka(config, testLog),
    waitForCount: (query, n, timeoutMs = 60_000) =>
      waitFor(
        `${query} to reach ${n}`,
        async () => {
          const count = await queryNumber(clickhouse, query);
          return count >= n ? count : undefined;
        },
        { timeoutMs, intervalMs: 200 },
      ),
    close: async () => {
      // Dropping the database stops its Kafka consumers, so the next file's run is not slowed.
      await clickhouse.command({ query: `DROP DATABASE IF EXISTS ${config.CLICKHOUSE_DATABASE} SYNC` });
      await clickhouse.close();
    },
  };
}

/**
 * The setup most pipeline tests share: a private pipeline (and an EventProducer on it) for
 * the describe block it is called in, closed after it. Read `ctx.pipeline`/`ctx.producer`
 * inside tests and hooks (they are set once beforeAll has run).
 */
export function usePipeline(overrides: Record<string, string> = {}): {
  readonly pipeline: Pipeline;
  readonly producer: EventProducer;
} {
  let pipeline: Pipeline | undefined;
  let producer: EventProducer | undefined;
  beforeAll(async () => {
    pipeline = await startPipeline(overrides);
    producer = await EventProducer.connect(pipeline.kafka, pipeline.config, testLog);
  });
  afterAll(async () => {
    await producer?.close();
    await pipeline?.close();
  });
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is read before beforeAll started it`);
    return value;
  };
  return {
    get pipeline() {
      return ready(pipeline, 'pipeline');
    },
    get producer() {
      return ready(producer, 'producer');
    },
  };
}
