import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

/**
 * The provisioned Grafana dashboards (grafana/dashboards/*.json) and how a user's choice of
 * variables becomes SQL: shared by the embedded-engine check (grafana-dashboards.int.test.ts)
 * and the Docker stack check, which sends the same SQL through Grafana's /api/ds/query.
 */

export const root = resolve(import.meta.dirname, '..');
const dir = join(root, 'grafana/dashboards');
export const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

export interface Target {
  refId: string;
  rawSql: string;
  datasource: { type: string; uid: string };
  format: number;
  queryType: string;
}
export interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  datasource?: { type: string; uid: string };
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: Target[];
  fieldConfig?: { overrides: Array<{ matcher: { id: string; options: string } }> };
}
export interface Variable {
  name: string;
  type: string;
  query: string;
}
export interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Variable[] };
}

export const dashboards = new Map(
  files.map((f) => [f, JSON.parse(readFileSync(join(dir, f), 'utf8')) as Dashboard] as const),
);
export const datasource = parse(
  readFileSync(join(root, 'grafana/provisioning/datasources/clickhouse.yaml'), 'utf8'),
).datasources[0] as { uid: string; type: string };

/** Sample values a user might pick, in the formats the dashboards ask Grafana for. */
export const sampleValues: Record<string, string[]> = {
  venue: ['binance', 'bybit'],
  symbol: ['BTCUSDT', 'ETHUSDT'],
  account: ['acc-1'],
  token: ['BTC', 'ETH'],
  rule: ['account-takeover', 'stale-feed'],
  severity: ['high', 'critical'],
};
const quote = (v: string) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** Grafana's variable formats, as its frontend expands them before a query is sent. */
export function expandVariables(sql: string): string {
  return sql.replace(/\$\{(\w+):(singlequote|sqlstring)\}/g, (_, name: string, format: string) => {
    const values = sampleValues[name];
    if (!values) throw new Error(`no sample value for variable ${name}`);
    return format === 'sqlstring' ? quote(values[0] as string) : values.map(quote).join(',');
  });
}

export const queryPanels = (d: Dashboard) => d.panels.filter((p) => p.type !== 'row');
