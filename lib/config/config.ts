import { z } from 'zod';
import { env, loadEnv, secret, secretNames } from './env.js';

/**
 * The platform's configuration: one schema, one defaults object, validated once at
 * start-up and frozen. Every key is an environment variable; units are in the names.
 */
export const defaults = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  KAFKA_CLIENT_ID: 'tradewatch',
  KAFKA_TOPIC_PREFIX: '',
  KAFKA_COMPRESSION: 'gzip',
  KAFKA_LINGER_MS: 5,
  KAFKA_BATCH_MAX_MESSAGES: 2000,
  KAFKA_REQUEST_TIMEOUT_MS: 30_000,
  CLICKHOUSE_URL: 'http://127.0.0.1:8123',
  CLICKHOUSE_USER: 'default',
  CLICKHOUSE_PASSWORD: '',
  CLICKHOUSE_DATABASE: 'tradewatch',
  CLICKHOUSE_REQUEST_TIMEOUT_MS: 60_000,
  FACT_TTL_DAYS: 30,
  KAFKA_ENGINE_FLUSH_INTERVAL_MS: 1000,
  LOG_LEVEL: 'info',
} as const;

const brokerList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^[^:\s]+:\d{1,5}$/, 'host:port')).min(1, 'at least one host:port'));

const positiveInt = env.positiveInt();

export const configSchema = z.object({
  /** Comma-separated bootstrap brokers, host:port. */
  KAFKA_BROKERS: brokerList.default(defaults.KAFKA_BROKERS.split(',')),
  KAFKA_CLIENT_ID: z.string().min(1).default(defaults.KAFKA_CLIENT_ID),
  /** Prepended to every topic name; lets several environments (or test runs) share a broker. */
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" or "-"')
    .default(defaults.KAFKA_TOPIC_PREFIX),
  /** gzip is the codec both KafkaJS (built in) and ClickHouse's librdkafka read without plugins. */
  KAFKA_COMPRESSION: z.enum(['none', 'gzip']).default(defaults.KAFKA_COMPRESSION),
  /** How long the producer waits to fill a batch before sending it. */
  KAFKA_LINGER_MS: z.coerce.number().int().min(0).default(defaults.KAFKA_LINGER_MS),
  KAFKA_BATCH_MAX_MESSAGES: positiveInt.default(defaults.KAFKA_BATCH_MAX_MESSAGES),
  KAFKA_REQUEST_TIMEOUT_MS: positiveInt.default(defaults.KAFKA_REQUEST_TIMEOUT_MS),
  /** A ClickHouse HTTP endpoint: a real server, or the embedded engine's (`npm run stack`). */
  CLICKHOUSE_URL: z.url({ protocol: /^https?$/ }).default(defaults.CLICKHOUSE_URL),
  CLICKHOUSE_USER: z.string().min(1).default(defaults.CLICKHOUSE_USER),
  CLICKHOUSE_PASSWORD: secret(z.string().default(defaults.CLICKHOUSE_PASSWORD)),
  CLICKHOUSE_DATABASE: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an identifier: letters, digits, underscore')
    .default(defaults.CLICKHOUSE_DATABASE),
  CLICKHOUSE_REQUEST_TIMEOUT_MS: positiveInt.default(defaults.CLICKHOUSE_REQUEST_TIMEOUT_MS),
  /**
   * `cluster`: CLICKHOUSE_URL is one node of the sharded, replicated cluster of
   * docker-compose.cluster.yml, and `npm run migrate` applies the cluster variant of the schema.
   */
  CLICKHOUSE_LAYOUT: z.enum(['single', 'cluster']).default('single'),
  /** Retention of every fact table (the TTL clause), in days. */
  FACT_TTL_DAYS: positiveInt.default(defaults.FACT_TTL_DAYS),
  /** How often Kafka engine tables flush a block to their views even when it is not full. */
  KAFKA_ENGINE_FLUSH_INTERVAL_MS: positiveInt.default(defaults.KAFKA_ENGINE_FLUSH_INTERVAL_MS),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default(defaults.LOG_LEVEL),
});

export type Config = Readonly<z.infer<typeof configSchema>>;

/** Variables that hold secrets: each may instead name a file in `<NAME>_FILE` (./env.ts). */
export const secretVariables = secretNames(configSchema);

/**
 * Reads and validates the configuration from `env`. Unknown keys are ignored (the
 * environment holds much else); a bad value fails with every offending key, the value
 * given and what was expected.
 */
export function loadConfig(given: Record<string, string | undefined> = process.env): Config {
  return loadEnv(configSchema, 'configuration', given);
}
