import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type MigrationReport, migrate } from '../lib/clickhouse/migrations.js';
import type { Config } from '../lib/config/config.js';
import { topics } from '../lib/contracts/topics.js';
import { createKafka } from '../lib/kafka/client.js';
import { ensureTopics, topicsFor } from '../lib/kafka/topics.js';
import type { Logger } from '../lib/log.js';

const here = dirname(fileURLToPath(import.meta.url));
export const MIGRATIONS_DIR = resolve(here, '../clickhouse/migrations');

/** The values migrations may use as `${NAME}`: everything that differs between deployments. */
export function migrationVariables(config: Config): Record<string, string> {
  return {
    KAFKA_BROKERS: config.KAFKA_BROKERS.join(','),
    KAFKA_TOPIC_PREFIX: config.KAFKA_TOPIC_PREFIX,
    // One consumer group per database: two warehouses reading one broker each get every message.
    KAFKA_GROUP_PREFIX: `clickhouse.${config.CLICKHOUSE_DATABASE}.`,
    FACT_TTL_DAYS: String(config.FACT_TTL_DAYS),
    KAFKA_ENGINE_FLUSH_INTERVAL_MS: String(config.KAFKA_ENGINE_FLUSH_INTERVAL_MS),
  };
}

/**
 * Makes a broker and a ClickHouse ready for the platform: topics first (a Kafka engine
 * table on a missing topic would only log errors), then the migrations.
 */
export async function preparePipeline(
  config: Config,
  log: Logger,
): Promise<{ createdTopics: string[]; migrations: MigrationReport }> {
  const kafka = createKafka(config, log);
  const createdTopics = await ensureTopics(
    kafka,
    topicsFor(config.KAFKA_TOPIC_PREFIX, Object.values(topics)),
  );
  const migrations = await migrate({
    settings: config,
    database: config.CLICKHOUSE_DATABASE,
    dir: MIGRATIONS_DIR,
    variables: migrationVariables(config),
    log,
  });
  return { createdTopics, migrations };
}

export const stackDir = (root = resolve(here, '..')): string => join(root, '.stack');
