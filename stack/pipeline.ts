import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type MigrationReport, migrate } from '../lib/clickhouse/migrations.js';
import { BASELINE_DIR, MIGRATIONS_DIR, migrationVariables } from '../lib/clickhouse/platform-migrations.js';
import type { Config } from '../lib/config/config.js';
import { brokerTopics } from '../lib/contracts/topics.js';
import { createKafka } from '../lib/kafka/client.js';
import { ensureTopics, topicsFor } from '../lib/kafka/topics.js';
import type { Logger } from '../lib/log.js';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Makes a broker and a ClickHouse ready for the platform: topics first (a Kafka engine
 * table on a missing topic would only log errors), then the migrations.
 */
export async function preparePipeline(
  config: Config,
  log: Logger,
): Promise<{ createdTopics: string[]; migrations: MigrationReport }> {
  const kafka = createKafka(config, log);
  const createdTopics = await ensureTopics(kafka, topicsFor(config.KAFKA_TOPIC_PREFIX, brokerTopics));
  const migrations = await migrate({
    settings: config,
    database: config.CLICKHOUSE_DATABASE,
    dir: MIGRATIONS_DIR,
    baselineDir: BASELINE_DIR,
    variables: migrationVariables(config),
    log,
  });
  return { createdTopics, migrations };
}

export const stackDir = (root = resolve(here, '..')): string => join(root, '.stack');
