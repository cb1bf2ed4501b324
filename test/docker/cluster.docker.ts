import type { StartedDockerComposeEnvironment } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER, clickhouseNodes } from '../../clickhouse/cluster/layout.js';
import { sleep } from '../../lib/time.js';
import { composeEnvFile, noDockerEngine } from '../docker-engine.js';
import { composeFiles } from '../full-stack-model.js';
import { root } from '../grafana-panels.js';

/**
 * `make test-docker`, the cluster: `make start-cluster`'s compose files (the four of
 * `make start` plus docker-compose.cluster.yml) started by testcontainers, the generated
 * cluster schema applied by clickhouse-migrate, then the simulator's events followed through
 * the Kafka engine tables on every node and the Distributed facts. A smoke test: it proves
 * the cluster forms and ingests, not its failover. Skipped, saying why, without an engine.
 */
const skipReason = noDockerEngine();
if (skipReason) console.warn(`cluster smoke test: SKIPPED, no Docker engine is reachable (${skipReason}).`);

const INFRA = ['kafka', 'kafka-2', 'kafka-3', 'keeper-1', 'keeper-2', 'keeper-3', 'clickhouse'];

describe.skipIf(skipReason !== undefined)('Docker cluster (make start-cluster)', () => {
  let stack: StartedDockerComposeEnvironment | undefined;
  let url: string;
  let auth: string;

  beforeAll(async () => {
    const env = await composeEnvFile();
    url = `http://127.0.0.1:${env.vars.get('CLICKHOUSE_HOST_PORT')}`;
    auth = `Basic ${Buffer.from(`${env.vars.get('CLICKHOUSE_USER')}:${env.vars.get('CLICKHOUSE_PASSWORD')}`).toString('base64')}`;
    const { DockerComposeEnvironment, Wait } = await import('testcontainers');
    const others = clickhouseNodes()
      .map((n) => n.host)
      .filter((h) => h !== 'clickhouse-s1-r1');
    stack = await new DockerComposeEnvironment(root, [...composeFiles, 'docker-compose.cluster.yml'])
      .withEnvironmentFile(env.path)
      .withProfiles('offline')
      .withBuild()
      .withDefaultWaitStrategy(Wait.forHealthCheck())
      .withStartupTimeout(20 * 60_000)
      // The simulator waits for clickhouse-migrate to finish (depends_on): the schema is applied.
      .up([...INFRA, ...others, 'simulator']);
  }, 30 * 60_000);

  afterAll(async () => {
    await stack?.down({ removeVolumes: true });
  }, 5 * 60_000);

  const query = async (sql: string): Promise<string> => {
    const response = await fetch(`${url}/?database=tradewatch`, {
      method: 'POST',
      headers: { Authorization: auth },
      body: sql,
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`${sql}: ${response.status} ${text}`);
    return text.trim();
  };

  it('forms the cluster the layout describes, with the Replicated database on every node', async () => {
    expect(await query(`SELECT count() FROM system.clusters WHERE cluster = '${CLUSTER.name}'`)).toBe(
      String(CLUSTER.shards * CLUSTER.replicasPerShard),
    );
    expect(await query("SELECT engine FROM system.databases WHERE name = 'tradewatch'")).toBe('Replicated');
    expect(
      await query(
        `SELECT count() FROM clusterAllReplicas('${CLUSTER.name}', system.tables) WHERE database = 'tradewatch' AND name = 'engine_orders_local'`,
      ),
    ).toBe(String(clickhouseNodes().length));
  });

  it('ingests the simulator through the Kafka engine tables into both shards', async () => {
    const until = Date.now() + 180_000;
    let shards = '0';
    while (Date.now() < until) {
      shards = await query(
        `SELECT uniqExact(shardNum()) FROM engine_orders WHERE occurred_at > now() - INTERVAL 1 HOUR`,
      );
      if (shards === String(CLUSTER.shards)) break;
      await sleep(2_000);
    }
    expect(shards).toBe(String(CLUSTER.shards));
  }, 240_000);
});
