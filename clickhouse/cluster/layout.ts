/**
 * The shape of the scaled-out deployment (docker-compose.cluster.yml): one definition read
 * by the cluster DDL renderer, the config files' cross-check and the docs, so the compose
 * file, ClickHouse's remote_servers/macros/keeper sections and the DDL cannot disagree.
 */
export interface ClusterLayout {
  /** The remote_servers cluster the Distributed tables and `ON CLUSTER` name. */
  readonly name: string;
  readonly shards: number;
  readonly replicasPerShard: number;
  readonly keepers: number;
  readonly brokers: number;
}

export const CLUSTER: ClusterLayout = {
  name: 'tradewatch',
  shards: 2,
  replicasPerShard: 2,
  keepers: 3,
  brokers: 3,
};

export interface ClickHouseNode {
  /** Compose service and host name; also the node's `{replica}` macro, unique in the cluster. */
  readonly host: string;
  readonly shard: number;
  readonly replica: number;
}

/** Every ClickHouse server, shard by shard: `clickhouse-s<shard>-r<replica>`. */
export function clickhouseNodes(layout: ClusterLayout = CLUSTER): ClickHouseNode[] {
  return Array.from({ length: layout.shards }, (_, s) =>
    Array.from({ length: layout.replicasPerShard }, (_, r) => ({
      host: `clickhouse-s${s + 1}-r${r + 1}`,
      shard: s + 1,
      replica: r + 1,
    })),
  ).flat();
}

export const keeperHosts = (layout: ClusterLayout = CLUSTER): string[] =>
  Array.from({ length: layout.keepers }, (_, i) => `keeper-${i + 1}`);

/** Kafka brokers: the first keeps the single-node stack's name (`kafka`) so every app's default address still works. */
export const brokerHosts = (layout: ClusterLayout = CLUSTER): string[] =>
  Array.from({ length: layout.brokers }, (_, i) => (i === 0 ? 'kafka' : `kafka-${i + 1}`));
