import { type ClickHouseClient, createClient } from '@clickhouse/client';

type ClickHouseConnection = NonNullable<Parameters<typeof createClient>[0]>['connection'];

import { Session } from 'chdb';
import { type ChdbConnection, createChdbConnection } from 'chdb/connection';

export interface EmbeddedClickHouse {
  /** A regular `@clickhouse/client` whose transport is the in-process engine. */
  client: ClickHouseClient;
  connection: ChdbConnection;
  dataDir: string;
  /**
   * Another client on the same engine with a session of its own (settings, parameters,
   * current database); its queries run beside the other sessions'. Closed with the engine.
   */
  openSession(): ClickHouseClient;
  close(): Promise<void>;
}

/**
 * ClickHouse's own engine in this process (chDB), behind the same `@clickhouse/client`
 * API the rest of the platform uses against a server. chDB binds one data directory per
 * process, so exactly one process opens it: the embedded stack's ClickHouse host, which
 * serves ClickHouse's HTTP interface for everyone else.
 */
/**
 * librdkafka settings of every Kafka engine consumer (the server config's `<kafka>` section;
 * the Docker server reads the same values from clickhouse/server/config.d/kafka.xml, and a
 * test keeps the two equal). A SIGKILLed host never leaves its consumer groups: its
 * successor's consumers get the partitions only once the dead members' session expires.
 * With librdkafka's default (45 s) a restarted host resumed 44-46 s after the kill; at 6 s (the
 * broker's minimum, group.min.session.timeout.ms) with a heartbeat every second, 7-8 s after
 * it. Heartbeats come from librdkafka's own thread, so a busy engine does not miss them.
 */
export const KAFKA_CONSUMER_CONFIG = { session_timeout_ms: 6000, heartbeat_interval_ms: 1000 } as const;

/**
 * Server settings the engine takes at connect. chDB starts with the small pools of
 * `clickhouse local`; every Kafka engine table streams from the background schedule pool, so
 * with ~20 topics a busy one starved the quiet ones: on a 2-core machine, quiet-topic
 * ingestion lag was p50 10 s / p99 23 s with the defaults and p50 0.9 s / p99 3.2 s with
 * these (18 Kafka tables, one busy at 2,000 msg/s). A ClickHouse server's defaults are
 * already larger (512 / 16).
 */
/**
 * Memory ceiling and cache sizes (the server config's top-level settings; the Docker server
 * reads the same values from clickhouse/server/config.d/memory.xml, a test keeps the two
 * equal). ClickHouse sizes its caches for a dedicated server (a 5 GiB mark cache, 90 % of the
 * RAM for queries); here the engine shares the host with the broker and the services, and a
 * 10-minute soak saw the host's RSS grow 39 % with no sign of levelling off. With these the
 * engine refuses a query (MEMORY_LIMIT_EXCEEDED, named in its error) before the host passes
 * the ceiling, and the caches stop growing at a size the working set of 30-day facts needs:
 * the mark cache holds the marks of the parts the rules read every few seconds.
 * docs/benchmarks.md "Memory ceiling" has the 60-minute soak this was set from.
 */
export const MEMORY_CONFIG = {
  max_server_memory_usage: 3 * 1024 ** 3,
  mark_cache_size: 256 * 1024 ** 2,
  index_mark_cache_size: 64 * 1024 ** 2,
  uncompressed_cache_size: 0,
  index_uncompressed_cache_size: 0,
  compiled_expression_cache_size: 64 * 1024 ** 2,
  query_condition_cache_size: 32 * 1024 ** 2,
  mmap_cache_size: 256,
} as const;
/** The ClickHouse host's stated memory ceiling, in MiB: what the soak and the memory bench hold it to. */
export const HOST_MEMORY_CEILING_MIB = MEMORY_CONFIG.max_server_memory_usage / 1024 ** 2;

export const ENGINE_ARGS: readonly string[] = [
  '--background_schedule_pool_size=32',
  '--background_message_broker_schedule_pool_size=32',
  ...Object.entries(KAFKA_CONSUMER_CONFIG).map(([key, value]) => `--kafka.${key}=${value}`),
  ...Object.entries(MEMORY_CONFIG).map(([key, value]) => `--${key}=${value}`),
];

export function openEmbeddedClickHouse(dataDir: string): EmbeddedClickHouse {
  // Connections on one path share one engine; the first one sets its arguments, so open it
  // with them before the @clickhouse/client connection and keep it for the engine's lifetime.
  const engine = new Session(dataDir, { connectionArgs: [...ENGINE_ARGS] });
  const connection = createChdbConnection({ path: dataDir });
  // chdb types its connection against @clickhouse/client-common, whose settings type drifts
  // by a minor version from the one @clickhouse/client bundles; the runtime contract is the same.
  const client = createClient({ connection: connection as unknown as ClickHouseConnection });
  const extra: Array<{ client: ClickHouseClient; connection: ChdbConnection }> = [];
  return {
    client,
    connection,
    dataDir,
    openSession() {
      const session = createChdbConnection({ path: dataDir });
      const sessionClient = createClient({ connection: session as unknown as ClickHouseConnection });
      extra.push({ client: sessionClient, connection: session });
      return sessionClient;
    },
    async close() {
      for (const s of extra) {
        await s.client.close();
        await s.connection.close();
      }
      await client.close();
      await connection.close();
      engine.close();
    },
  };
}
