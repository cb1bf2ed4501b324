import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClickHouseClient, createClickHouse, queryRows } from '../../lib/clickhouse/client.js';
import { renderMigration } from '../../lib/clickhouse/migrations.js';
import { storage } from '../../lib/contracts/storage.js';
import { migratedSchema } from '../../stack/schema-dump.js';
import { composeFiles, loadProject, type Service } from '../../test/full-stack-model.js';
import { isolatedConfig, testLog } from '../../test/pipeline-fixture.js';
import { renderClusterFrom, topicPartitions } from './cluster-schema.js';
import { brokerHosts, CLUSTER, clickhouseNodes, keeperHosts } from './layout.js';
import { type ClusterSchema, consumersPerNode, keyColumns } from './render.js';

/**
 * The cluster layout without a cluster: the DDL rendered from the schema the migrations
 * build goes through the real ClickHouse parser (formatQuery parses what this single engine
 * cannot run: ON CLUSTER, Replicated engines, macros), and the compose file, the server and
 * Keeper configs and the DDL are checked against one layout (layout.ts).
 */

const root = resolve(import.meta.dirname, '../..');
const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  isArray: (n) => ['shard', 'replica', 'node', 'server'].includes(n),
});
interface ServerConfig {
  macros: { cluster: string };
  remote_servers: Record<string, { shard: Array<{ replica: Array<{ host: string }> }> }>;
  zookeeper: { node: Array<{ host: string }> };
  background_message_broker_schedule_pool_size: number;
}
interface KeeperConfig {
  keeper_server: { raft_configuration: { server: Array<{ id: number; hostname: string }> } };
}
const read = <T>(file: string): T =>
  (xml.parse(readFileSync(join(root, file), 'utf8')) as { clickhouse: T }).clickhouse;

const variables = {
  KAFKA_BROKERS: 'kafka:29092,kafka-2:29092,kafka-3:29092',
  KAFKA_TOPIC_PREFIX: '',
  KAFKA_GROUP_PREFIX: 'clickhouse.tradewatch.',
  FACT_TTL_DAYS: '30',
  KAFKA_ENGINE_FLUSH_INTERVAL_MS: '1000',
  CLICKHOUSE_DATABASE: 'tradewatch',
};

describe('ClickHouse cluster layout', () => {
  let cluster: ClusterSchema;
  let client: ClickHouseClient;
  let services: Record<string, Service>;

  beforeAll(async () => {
    cluster = renderClusterFrom(await migratedSchema(testLog, { fromBaseline: true }));
    client = createClickHouse(isolatedConfig());
    services = loadProject([...composeFiles, 'docker-compose.cluster.yml']).services;
  }, 300_000);

  afterAll(async () => {
    await client?.close();
  });

  it('renders DDL the real ClickHouse parser accepts, every statement of it', async () => {
    expect(cluster.statements.length).toBeGreaterThan(100);
    for (const [i, sql] of cluster.statements.entries()) {
      const filled = renderMigration(
        { version: 0, name: 'cluster', file: `#${i}`, sql, checksum: '' },
        variables,
      );
      const [row] = await queryRows<{ q: string }>(client, 'SELECT formatQuery({sql:String}) AS q', {
        sql: filled,
      });
      // The dump's one INSERT seeds fallback prices (the single-shard table replicates it).
      expect(row?.q, sql.slice(0, 80)).toMatch(/^(CREATE|INSERT INTO) /);
    }
    expect(cluster.statements[0]).toMatch(
      /^CREATE DATABASE IF NOT EXISTS \$\{CLICKHOUSE_DATABASE\} ON CLUSTER 'tradewatch'\nENGINE = Replicated\(/,
    );
  }, 300_000);

  it('replicates every MergeTree and shards each fact by its entity, so a redelivered copy collapses on one shard', () => {
    const ddl = cluster.statements.join('\n');
    expect(ddl).not.toMatch(/ENGINE = (?!Replicated)\w*MergeTree/);
    const sharded = new Map(cluster.objects.filter((o) => o.placement === 'sharded').map((o) => [o.name, o]));
    for (const { fact } of Object.values(storage)) {
      const table = sharded.get(fact);
      expect(table, `${fact} is sharded`).toBeDefined();
      expect(ddl).toContain(`CREATE TABLE IF NOT EXISTS ${fact}_local\n`);
      // Rows equal on the sorting key are one row to ReplacingMergeTree: the sharding key must
      // read only sorting-key columns, or two copies could land on different shards.
      const key = /^cityHash64\((.*)\)$/.exec(table?.shardKey ?? '')?.[1];
      expect(key, `${fact} shard key`).toBeDefined();
      for (const column of keyColumns(`(${key})`)) expect(table?.orderBy, fact).toContain(column);
    }
    expect(sharded.get('user_logins')?.shardKey).toBe('cityHash64(account_id)');
    expect(sharded.get('market_trades')?.shardKey).toBe('cityHash64(venue, symbol)');
    // Alerts are one table across every node: one fingerprint, one row, readable anywhere.
    const single = cluster.objects.filter((o) => o.placement === 'single-shard').map((o) => o.name);
    expect(single).toContain('alerts');
    for (const name of single) {
      const create =
        cluster.statements.find((s) => s.startsWith(`CREATE TABLE IF NOT EXISTS ${name}\n`)) ?? '';
      expect(create, name).toMatch(
        /Replicated\w*MergeTree\('\/clickhouse\/tables\/\{database\}\/\{uuid\}\/all', '\{replica\}'/,
      );
      expect(ddl).not.toContain(`'${name}_local'`);
    }
  });

  it('gives each topic one consumer group over the nodes, no more consumers than partitions, and a pool that holds them', () => {
    const nodes = clickhouseNodes().length;
    const partitions = topicPartitions();
    const kafka = cluster.objects.filter((o) => o.placement === 'kafka');
    expect(kafka.length).toBeGreaterThan(10);
    for (const table of kafka) {
      const count = partitions.get(table.topic ?? '') ?? 0;
      const perNode = table.consumersPerNode ?? 0;
      expect(perNode * nodes, table.name).toBeGreaterThanOrEqual(Math.min(count, nodes));
      expect((perNode - 1) * nodes, `${table.name}: idle consumers`).toBeLessThan(count);
    }
    const config = read<ServerConfig>('clickhouse/cluster/config.d/cluster.xml');
    expect(Number(config.background_message_broker_schedule_pool_size)).toBeGreaterThanOrEqual(
      consumersPerNode(cluster),
    );
  });

  it('agrees with the server config, the Keeper config and the compose file on every node', () => {
    const config = read<ServerConfig>('clickhouse/cluster/config.d/cluster.xml');
    expect(config.macros.cluster).toBe(CLUSTER.name);
    const shards = config.remote_servers[CLUSTER.name]?.shard ?? [];
    expect(shards.map((s) => s.replica.map((r) => r.host))).toEqual(
      Array.from({ length: CLUSTER.shards }, (_, s) =>
        clickhouseNodes()
          .filter((n) => n.shard === s + 1)
          .map((n) => n.host),
      ),
    );
    expect(config.zookeeper.node.map((n) => n.host)).toEqual(keeperHosts());

    const keeper = read<KeeperConfig>('clickhouse/cluster/keeper/keeper.xml').keeper_server;
    const raft = keeper.raft_configuration.server;
    expect(raft.map((s) => s.hostname)).toEqual(keeperHosts());

    // Each ClickHouse node is a service (node 1 is `clickhouse`, reachable by its node name too)
    // whose macros say the shard remote_servers lists it under, with the cluster config mounted.
    const byHost = (host: string): Service | undefined =>
      services[host] ??
      Object.values(services).find((s) =>
        Object.values(s.networks ?? {}).some((n) => n?.aliases?.includes(host)),
      );
    for (const node of clickhouseNodes()) {
      const service = byHost(node.host);
      expect(service, node.host).toBeDefined();
      expect(service?.environment?.CLICKHOUSE_SHARD, node.host).toBe(String(node.shard));
      expect(service?.environment?.CLICKHOUSE_REPLICA, node.host).toBe(node.host);
      expect(
        service?.volumes?.some((v) => v.target.endsWith('config.d/cluster.xml')),
        node.host,
      ).toBe(true);
    }
    for (const [i, host] of keeperHosts().entries()) {
      expect(services[host]?.environment?.KEEPER_SERVER_ID, host).toBe(String(raft[i]?.id));
    }
    // Every broker is a controller voter with the node id the quorum names, and every client
    // bootstraps from all of them.
    const voters = brokerHosts()
      .map((host, i) => `${i + 1}@${host}:9093`)
      .join(',');
    for (const [i, host] of brokerHosts().entries()) {
      expect(services[host]?.environment?.KAFKA_CONTROLLER_QUORUM_VOTERS, host).toBe(voters);
      expect(services[host]?.environment?.KAFKA_NODE_ID, host).toBe(String(i + 1));
    }
    const everyBroker = brokerHosts()
      .map((h) => `${h}:29092`)
      .join(',');
    for (const [name, service] of Object.entries(services)) {
      if (service.environment?.KAFKA_BROKERS !== undefined)
        expect(service.environment.KAFKA_BROKERS, name).toBe(everyBroker);
    }
    expect(services['clickhouse-migrate']?.environment?.CLICKHOUSE_LAYOUT).toBe('cluster');
  });

  it('exports the cluster secret from its Docker secret file, and refuses to start a node without its macros', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ch-cluster-entrypoint-'));
    const users = readFileSync(join(root, 'clickhouse/server/users.d/tradewatch.xml'), 'utf8');
    const secrets: Record<string, string> = {};
    for (const name of new Set([...users.matchAll(/from_env="([A-Z0-9_]+)"/g)].map((m) => m[1] as string))) {
      writeFileSync(join(dir, name), `secret-of-${name}`);
      secrets[`${name}_FILE`] = join(dir, name);
    }
    writeFileSync(join(dir, 'cluster-secret'), 'inter-node-secret');
    const node = services['clickhouse-s2-r1']?.environment ?? {};
    const run = (env: Record<string, string>) =>
      execFileSync('bash', [join(root, 'clickhouse/server/entrypoint.sh')], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          PATH: process.env.PATH,
          ...secrets,
          CLICKHOUSE_DATABASE: 'tradewatch',
          CLICKHOUSE_CLUSTER_SECRET_FILE: join(dir, 'cluster-secret'),
          TRADEWATCH_USERS_TEMPLATE: join(root, 'clickhouse/server/users.d/tradewatch.xml'),
          TRADEWATCH_USERS_FILE: join(dir, 'users-rendered.xml'),
          TRADEWATCH_CONFIG_DIR: join(root, 'clickhouse/cluster/config.d'),
          TRADEWATCH_NEXT_ENTRYPOINT: 'env',
          ...env,
        },
      });
    const environment = run({
      CLICKHOUSE_SHARD: String(node.CLICKHOUSE_SHARD),
      CLICKHOUSE_REPLICA: String(node.CLICKHOUSE_REPLICA),
    });
    expect(environment).toContain('CLICKHOUSE_CLUSTER_SECRET=inter-node-secret');
    expect(environment).not.toContain('CLICKHOUSE_CLUSTER_SECRET_FILE=');
    expect(environment).toContain('CLICKHOUSE_REPLICA=clickhouse-s2-r1');
    expect(() => run({ CLICKHOUSE_REPLICA: 'clickhouse-s2-r1' })).toThrow(/CLICKHOUSE_SHARD .*is not set/);
  });
});
