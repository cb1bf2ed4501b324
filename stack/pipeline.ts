import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyClusterSchema } from '../clickhouse/cluster/apply.js';
import { renderClusterFrom } from '../clickhouse/cluster/cluster-schema.js';
import { type MigrationReport, migrate } from '../lib/clickhouse/migrations.js';
import { BASELINE_DIR, MIGRATIONS_DIR, migrationVariables } from '../lib/clickhouse/platform-migrations.js';
import type { Config } from '../lib/config/config.js';
import { brokerTopics } from '../lib/contracts/topics.js';
import { createKafka } from '../lib/kafka/client.js';
import { ensureTopics, topicsFor } from '../lib/kafka/topics.js';
import type { Logger } from '../lib/log.js';
import { migratedSchema } from './schema-dump.js';

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
  if (config.CLICKHOUSE_LAYOUT === 'cluster') {
    // The cluster variant is rendered from the schema the migrations build on a fresh single
    // node (an embedded engine, here and now), so it cannot lag behind them.
    const schema = renderClusterFrom(await migratedSchema(log, { fromBaseline: true }));
    await applyClusterSchema({
      settings: config,
      database: config.CLICKHOUSE_DATABASE,
      schema,
      variables: migrationVariables(config),
      log,
    });
    return { createdTopics, migrations: { applied: ['cluster schema'], skipped: [] } };
  }
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
