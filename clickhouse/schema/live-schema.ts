import { type ClickHouseClient, createClickHouse, queryRows } from '../../lib/clickhouse/client.js';
import { renderMigration } from '../../lib/clickhouse/migrations.js';
import { migrationVariables } from '../../lib/clickhouse/platform-migrations.js';
import type { Config } from '../../lib/config/config.js';
import type { ObjectKind, SchemaObject } from './render.js';

/**
 * Compares a live database with the snapshot the way ClickHouse sees both: the snapshot's
 * objects are created in a scratch database beside it (Kafka tables pointed at a broker
 * that does not exist, so nothing is consumed), then columns (type, default, codec), keys,
 * engines with their settings, skip indexes and view queries are read back from system
 * tables for each and compared. Column comments are not compared.
 */

const DESCRIBE = {
  columns: `SELECT table, groupArray((name, type, default_kind, default_expression, compression_codec)) AS v
    FROM (SELECT * FROM system.columns WHERE database = {db:String} AND table IN {names:Array(String)} ORDER BY table, position)
    GROUP BY table`,
  tables: `SELECT name AS table, (engine, sorting_key, partition_key,
      replaceRegexpAll(replaceAll(replaceAll(engine_full, {group:String}, ''), {prefix:String}, ''), 'kafka_broker_list = \\'[^\\']*\\'', ''),
      replaceAll(as_select, {prefix:String}, '')) AS v
    FROM system.tables WHERE database = {db:String} AND name IN {names:Array(String)}`,
  indexes: `SELECT table, groupArray((name, type_full, expr, granularity)) AS v
    FROM (SELECT * FROM system.data_skipping_indices WHERE database = {db:String} AND table IN {names:Array(String)} ORDER BY table, name)
    GROUP BY table`,
} as const;

/** Table settings are a set: ALTER … MODIFY SETTING appends where CREATE put them in order. */
function sortedSettings(engine: string): string {
  const [head, settings = ''] = engine.split(' SETTINGS ');
  return `${head} SETTINGS ${settings.split(', ').sort().join(', ')}`;
}
const sortSettings = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map((v) =>
        typeof v === 'string' && v.includes(' SETTINGS ') && !v.startsWith('Kafka') ? sortedSettings(v) : v,
      )
    : value;

async function describe(
  client: ClickHouseClient,
  db: string,
  group: string,
  names: string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const [aspect, query] of Object.entries(DESCRIBE)) {
    const rows = await queryRows<{ table: string; v: unknown }>(client, query, {
      db,
      names,
      group,
      prefix: `${db}.`,
    });
    for (const row of rows) out.set(`${row.table} ${aspect}`, JSON.stringify(sortSettings(row.v)));
  }
  return out;
}

export async function liveDifferences(
  client: ClickHouseClient,
  config: Config,
  snapshot: readonly SchemaObject[],
  kinds: readonly ObjectKind[] = ['fact', 'parsed', 'queue', 'view', 'consumer'],
): Promise<string[]> {
  const live = config.CLICKHOUSE_DATABASE;
  const scratch = `${live}_snapshot`;
  const objects = snapshot.filter((o) => kinds.includes(o.kind));
  const variables: Record<string, string> = { ...migrationVariables(config), KAFKA_BROKERS: '127.0.0.1:9' };
  await client.command({ query: `DROP DATABASE IF EXISTS ${scratch} SYNC` });
  await client.command({ query: `CREATE DATABASE ${scratch}` });
  // Unqualified names in the snapshot's views resolve in the scratch database.
  const scratchClient = createClickHouse({ ...config, database: scratch });
  try {
    // Views write to these shared tables: copies of the live ones stand in.
    for (const shared of ['dead_letters', 'pipeline_events_1m']) {
      await client.command({ query: `CREATE TABLE ${scratch}.${shared} AS ${live}.${shared}` });
    }
    for (const o of objects) {
      const query = renderMigration(
        { version: 0, name: o.name, file: `snapshot:${o.name}`, sql: o.sql, checksum: '' },
        variables,
      );
      await scratchClient.command({ query });
    }
    const names = objects.map((o) => o.name);
    const group = variables.KAFKA_GROUP_PREFIX ?? '';
    const [want, have] = await Promise.all([
      describe(client, scratch, group, names),
      describe(client, live, group, names),
    ]);
    const differences: string[] = [];
    for (const key of new Set([...want.keys(), ...have.keys()])) {
      if (want.get(key) !== have.get(key)) {
        differences.push(
          `${key}: snapshot ${want.get(key) ?? '(missing)'} / live ${have.get(key) ?? '(missing)'}`,
        );
      }
    }
    for (const name of names)
      if (![...have.keys()].some((k) => k.startsWith(`${name} `))) differences.push(`${name}: missing live`);
    return differences;
  } finally {
    await scratchClient.close();
    await client.command({ query: `DROP DATABASE IF EXISTS ${scratch} SYNC` });
  }
}
