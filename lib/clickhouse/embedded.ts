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
export const ENGINE_ARGS: readonly string[] = [
  '--background_schedule_pool_size=32',
  '--background_message_broker_schedule_pool_size=32',
  ...Object.entries(KAFKA_CONSUMER_CONFIG).map(([key, value]) => `--kafka.${key}=${value}`),
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
