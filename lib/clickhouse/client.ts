import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import type { Config } from '../config/config.js';

export type { ClickHouseClient };

export type ClickHouseSettings = Pick<
  Config,
  'CLICKHOUSE_URL' | 'CLICKHOUSE_USER' | 'CLICKHOUSE_PASSWORD' | 'CLICKHOUSE_REQUEST_TIMEOUT_MS'
> & { database?: string };

/**
 * A client for a ClickHouse HTTP endpoint: a ClickHouse server, or the embedded engine's
 * HTTP interface (stack/clickhouse). Every process but the one that embeds chDB uses this.
 */
export function createClickHouse(settings: ClickHouseSettings): ClickHouseClient {
  return createClient({
    url: settings.CLICKHOUSE_URL,
    username: settings.CLICKHOUSE_USER,
    password: settings.CLICKHOUSE_PASSWORD,
    request_timeout: settings.CLICKHOUSE_REQUEST_TIMEOUT_MS,
    ...(settings.database === undefined ? {} : { database: settings.database }),
    application: 'tradewatch',
    // Failed queries reach the caller as errors with the server's code; the client's own
    // ERROR log of each would print them twice, unstructured.
    log: { level: ClickHouseLogLevel.OFF },
  });
}

/** Rows of a query as objects; `params` bind `{name:Type}` placeholders server-side. */
export async function queryRows<T>(
  client: ClickHouseClient,
  query: string,
  params: Record<string, unknown> = {},
): Promise<T[]> {
  const result = await client.query({ query, query_params: params, format: 'JSONEachRow' });
  return result.json<T>();
}

/** A single number from a scalar query such as `SELECT count() AS n FROM t`. */
export async function queryNumber(
  client: ClickHouseClient,
  query: string,
  params: Record<string, unknown> = {},
): Promise<number> {
  const rows = await queryRows<Record<string, string | number>>(client, query, params);
  const first = rows[0];
  if (first === undefined) return 0;
  return Number(Object.values(first)[0]);
}
