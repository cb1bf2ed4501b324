import { CLUSTER, type ClusterLayout, clickhouseNodes } from './layout.js';

/**
 * Renders the cluster variant of the warehouse from the single-node schema itself: the
 * CREATE statements a fresh single node ends up with (migrations → `dumpSchema`, the same
 * dump the squashed baseline is), rewritten object by object. One source, so the cluster
 * cannot drift from what every test runs.
 *
 *  - The database is `Replicated`: DDL run on one node reaches every replica of every
 *    shard through Keeper, and refreshable views (rollups, rules) refresh on ONE replica at a
 *    time, coordinated through Keeper (ClickHouse's own guarantee for a Replicated database).
 *  - Each table that collapses rows (Replacing/Aggregating/Summing) or keeps facts becomes
 *    `<name>_local`, a `Replicated…MergeTree` per shard, behind a `Distributed` table that
 *    keeps the old name: views, rules, dashboards and analysts' SQL read and write the same
 *    names. The sharding key is the table's entity, the first ORDER BY column (after
 *    `venue`), so every copy of a row, a redelivered event included, lands on the one shard
 *    whose ReplacingMergeTree collapses it; plain MergeTree (dead letters) spreads by rand().
 *  - Small shared state (alerts and what people do to them, rule installs, console users,
 *    fallback prices) is one replicated table across every node: a single shard, so one
 *    fingerprint is one row cluster-wide and every node reads all of it.
 *  - Kafka engine tables exist on every node in one consumer group per topic, so the
 *    broker spreads each topic's partitions over the nodes; each node runs
 *    ceil(partitions / nodes) consumers, on their own threads when more than one.
 *  - Views and Null tables are unchanged.
 */

export type Placement = 'sharded' | 'single-shard' | 'kafka' | 'unchanged';

export interface ClusterObject {
  readonly name: string;
  readonly placement: Placement;
  /** Sharded tables: the Distributed sharding expression. */
  readonly shardKey?: string;
  /** The sorting key's columns (sharded and single-shard tables). */
  readonly orderBy?: readonly string[];
  /** Kafka tables: the topic and the consumers each node runs. */
  readonly topic?: string;
  readonly consumersPerNode?: number;
}

export interface ClusterSchema {
  readonly statements: string[];
  readonly objects: ClusterObject[];
}

/** Tables whose rows must be one cluster-wide: alert state, installs, users, fallback prices. */
export const SINGLE_SHARD = new Set([
  'alerts',
  'alert_actions',
  'alert_deliveries',
  'alert_rules',
  'alert_silences',
  'console_users',
  'asset_prices_fallback',
]);

const CREATE_TABLE = /^CREATE TABLE IF NOT EXISTS (\w+)\n/;
const MERGE_TREE = /^ENGINE = (\w*)MergeTree(?:\((.*)\))?$/m;
const ORDER_BY = /^ORDER BY (.+)$/m;
const KAFKA_TOPIC = /kafka_topic_list = '\$\{KAFKA_TOPIC_PREFIX\}([^']+)'/;

/** `(a, b, c)` or `a` → its top-level elements. */
export function keyColumns(orderBy: string): string[] {
  const inner = orderBy.startsWith('(') && orderBy.endsWith(')') ? orderBy.slice(1, -1) : orderBy;
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of inner) {
    if (ch === '(') depth += 1;
    if (ch === ')') depth -= 1;
    if (ch === ',' && depth === 0) {
      out.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

/** The entity a table is about: its first key column, with `venue` kept in front of the symbol it qualifies. */
export function entityKey(columns: readonly string[]): readonly string[] {
  const first = columns.findIndex((c) => c !== 'venue');
  return first < 0 ? columns : columns.slice(0, first + 1);
}

function replicated(engine: string, args: string | undefined, path: string): string {
  const rest = args ? `, ${args}` : '';
  return `ENGINE = Replicated${engine}MergeTree('${path}', '{replica}'${rest})`;
}

function renderTable(
  sql: string,
  name: string,
  cluster: string,
): { statements: string[]; object: ClusterObject } | undefined {
  const engine = MERGE_TREE.exec(sql);
  if (!engine) return undefined;
  const [line, family = '', args] = engine;
  const orderBy = ORDER_BY.exec(sql)?.[1];
  if (orderBy === undefined) throw new Error(`cluster schema: ${name} is a MergeTree without ORDER BY`);
  const columns = keyColumns(orderBy);
  if (SINGLE_SHARD.has(name)) {
    // No {shard} in the path: every node's replica joins one replication group.
    return {
      statements: [sql.replace(line, replicated(family, args, '/clickhouse/tables/{database}/{uuid}/all'))],
      object: { name, placement: 'single-shard', orderBy: columns },
    };
  }
  const local = `${name}_local`;
  const shardKey = family === '' ? 'rand()' : `cityHash64(${entityKey(columns).join(', ')})`;
  const localSql = sql
    .replace(CREATE_TABLE, `CREATE TABLE IF NOT EXISTS ${local}\n`)
    .replace(line, replicated(family, args, '/clickhouse/tables/{database}/{uuid}/{shard}'));
  // A Distributed insert queues each shard's block on the inserting node's disk before it
  // sends it; fsynced, as the facts are (0130), so a block whose Kafka offsets were committed
  // survives that node's crash and is sent when it is back.
  const distributed = `CREATE TABLE IF NOT EXISTS ${name} AS ${local}
ENGINE = Distributed('${cluster}', currentDatabase(), '${local}', ${shardKey})
SETTINGS fsync_after_insert = 1, fsync_directories = 1`;
  return {
    statements: [localSql, distributed],
    object: { name, placement: 'sharded', shardKey, orderBy: columns },
  };
}

function renderKafka(
  sql: string,
  name: string,
  partitions: ReadonlyMap<string, number>,
  nodes: number,
): { statements: string[]; object: ClusterObject } {
  const topic = KAFKA_TOPIC.exec(sql)?.[1];
  if (topic === undefined) throw new Error(`cluster schema: Kafka table ${name} names no prefixed topic`);
  const count = partitions.get(topic);
  if (count === undefined)
    throw new Error(`cluster schema: Kafka table ${name} reads ${topic}, which no topic declares`);
  // More consumers than partitions would sit idle and still join every rebalance.
  const perNode = Math.max(1, Math.ceil(count / nodes));
  if (!sql.includes('kafka_num_consumers = 1'))
    throw new Error(`cluster schema: ${name} has no kafka_num_consumers = 1 to size`);
  const threads =
    perNode > 1
      ? `kafka_num_consumers = ${perNode}, kafka_thread_per_consumer = 1`
      : 'kafka_num_consumers = 1';
  return {
    statements: [sql.replace('kafka_num_consumers = 1', threads)],
    object: { name, placement: 'kafka', topic, consumersPerNode: perNode },
  };
}

/**
 * @param schema the single-node CREATE statements in creation order (`dumpSchema`), with
 *   `${NAME}` placeholders left in.
 * @param partitions every topic's partition count, `.dlq` twins included.
 */
export function renderCluster(
  schema: readonly string[],
  partitions: ReadonlyMap<string, number>,
  layout: ClusterLayout = CLUSTER,
): ClusterSchema {
  const nodes = clickhouseNodes(layout).length;
  const database = `CREATE DATABASE IF NOT EXISTS \${CLICKHOUSE_DATABASE} ON CLUSTER '${layout.name}'
ENGINE = Replicated('/clickhouse/databases/\${CLICKHOUSE_DATABASE}', '{shard}', '{replica}')`;
  const statements = [database];
  const objects: ClusterObject[] = [];
  for (const sql of schema) {
    const name = CREATE_TABLE.exec(sql)?.[1];
    const rendered =
      name === undefined
        ? undefined
        : /^ENGINE = Kafka$/m.test(sql)
          ? renderKafka(sql, name, partitions, nodes)
          : renderTable(sql, name, layout.name);
    if (rendered) {
      statements.push(...rendered.statements);
      objects.push(rendered.object);
    } else {
      statements.push(sql);
      const view = /^CREATE (?:MATERIALIZED )?VIEW IF NOT EXISTS (\w+)/.exec(sql)?.[1];
      objects.push({ name: name ?? view ?? sql.slice(0, 60), placement: 'unchanged' });
    }
  }
  return { statements, objects };
}

/**
 * Kafka consumers one node runs in all: the message-broker schedule pool must hold them all,
 * or some tables never get a thread (Altinity's Kafka engine guidance: pool >= consumers).
 */
export const consumersPerNode = (schema: ClusterSchema): number =>
  schema.objects.reduce((sum, o) => sum + (o.consumersPerNode ?? 0), 0);
