import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/config.js';

/** The platform's migrations (clickhouse/migrations): one place, for every entry point and test. */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const MIGRATIONS_DIR = resolve(root, 'clickhouse/migrations');
/** The squashed baseline fresh databases get instead of the files it stands for (./baseline.ts). */
export const BASELINE_DIR = resolve(root, 'clickhouse/baseline');

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
