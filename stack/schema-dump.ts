import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dumpSchema } from '../lib/clickhouse/baseline.js';
import { type ClickHouseSettings, createClickHouse } from '../lib/clickhouse/client.js';
import { migrate } from '../lib/clickhouse/migrations.js';
import { BASELINE_DIR, MIGRATIONS_DIR } from '../lib/clickhouse/platform-migrations.js';
import type { Logger } from '../lib/log.js';
import { startClickHouseHost } from './clickhouse/host-process.js';

// Values no migration would write on its own, mapped back to their placeholders.
const markers: Record<string, string> = {
  KAFKA_BROKERS: 'twdump-broker:9',
  KAFKA_TOPIC_PREFIX: 'TWDUMPPREFIX.',
  KAFKA_GROUP_PREFIX: 'TWDUMPGROUP.',
  FACT_TTL_DAYS: '987654321',
  KAFKA_ENGINE_FLUSH_INTERVAL_MS: '876543219',
};

/**
 * The schema the migrations build, as CREATE statements in creation order with the
 * `${NAME}` placeholders put back: migrates an empty embedded engine in a temporary
 * directory and dumps it. `fromBaseline: false` applies every file in the folder one by one
 * (only possible while no file has been retired from it). Its own engine: the markers make Kafka
 * tables that point at no broker, which must not sit in a server anything else uses.
 */
export async function migratedSchema(log: Logger, options: { fromBaseline: boolean }): Promise<string[]> {
  const work = mkdtempSync(join(tmpdir(), 'tradewatch-schema-'));
  const host = await startClickHouseHost({ dataDir: join(work, 'data') });
  try {
    const settings = {
      CLICKHOUSE_URL: host.url,
      CLICKHOUSE_USER: 'default',
      CLICKHOUSE_PASSWORD: host.password,
      CLICKHOUSE_REQUEST_TIMEOUT_MS: 300_000,
    };
    return await dumpMigrated(settings, 'twdump', log, options);
  } finally {
    await host.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

async function dumpMigrated(
  settings: ClickHouseSettings,
  database: string,
  log: Logger,
  options: { fromBaseline: boolean },
): Promise<string[]> {
  const client = createClickHouse(settings);
  try {
    await migrate({
      settings,
      database,
      dir: MIGRATIONS_DIR,
      ...(options.fromBaseline ? { baselineDir: BASELINE_DIR } : {}),
      variables: markers,
      log,
    });
    const statements = await dumpSchema(client, database);
    return statements.map((sql) =>
      Object.entries(markers).reduce((s, [name, marker]) => s.replaceAll(marker, `\${${name}}`), sql),
    );
  } finally {
    await client.close();
  }
}
