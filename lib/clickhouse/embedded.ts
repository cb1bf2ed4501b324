import { type ClickHouseClient, createClient } from '@clickhouse/client';

type ClickHouseConnection = NonNullable<Parameters<typeof createClient>[0]>['connection'];

import { type ChdbConnection, createChdbConnection } from 'chdb/connection';

export interface EmbeddedClickHouse {
  /** A regular `@clickhouse/client` whose transport is the in-process engine. */
  client: ClickHouseClient;
  connection: ChdbConnection;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * ClickHouse's own engine in this process (chDB), behind the same `@clickhouse/client`
 * API the rest of the platform uses against a server. chDB binds one data directory per
 * process, so exactly one process opens it: the embedded stack's ClickHouse host, which
 * serves ClickHouse's HTTP interface for everyone else.
 */
export function openEmbeddedClickHouse(dataDir: string): EmbeddedClickHouse {
  const connection = createChdbConnection({ path: dataDir });
  // chdb types its connection against @clickhouse/client-common, whose settings type drifts
  // by a minor version from the one @clickhouse/client bundles; the runtime contract is the same.
  const client = createClient({ connection: connection as unknown as ClickHouseConnection });
  return {
    client,
    connection,
    dataDir,
    async close() {
      await client.close();
      await connection.close();
    },
  };
}
