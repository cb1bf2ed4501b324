import { readFileSync } from 'node:fs';
import { type ClickHouseClient, queryRows } from '../lib/clickhouse/client.js';

/** Per rule per day: alerts, time to a person's first response, outcome mix, failed deliveries. */
export interface RuleKpiRow {
  day: string;
  rule_id: string;
  alerts: number;
  responded: number;
  /** Median seconds from detection to the first acknowledge / assign / resolve by a person. */
  ack_p50_s: number | null;
  true_pos: number;
  false_pos: number;
  duplicate: number;
  benign: number;
  /** true / (true + false positives); null before any such resolution. */
  precision: number | null;
  deliveries_failed: number;
  deliveries_rejected: number;
}

export const KPI_COLUMNS: ReadonlyArray<{ name: keyof RuleKpiRow; type: string }> = [
  { name: 'day', type: 'String' },
  { name: 'rule_id', type: 'String' },
  { name: 'alerts', type: 'UInt64' },
  { name: 'responded', type: 'UInt64' },
  { name: 'ack_p50_s', type: 'Nullable(Float64)' },
  { name: 'true_pos', type: 'UInt64' },
  { name: 'false_pos', type: 'UInt64' },
  { name: 'duplicate', type: 'UInt64' },
  { name: 'benign', type: 'UInt64' },
  { name: 'precision', type: 'Nullable(Float64)' },
  { name: 'deliveries_failed', type: 'UInt64' },
  { name: 'deliveries_rejected', type: 'UInt64' },
];

const SQL = readFileSync(new URL('./rule-kpis.sql', import.meta.url), 'utf8');

export async function ruleKpis(
  clickhouse: ClickHouseClient,
  o: { days: number; rule?: string | undefined },
): Promise<RuleKpiRow[]> {
  const rows = await queryRows<Record<string, unknown>>(clickhouse, SQL, {
    days: o.days,
    rule: o.rule ?? '',
  });
  // JSON output quotes 64-bit integers; numbers here, nulls kept.
  return rows.map(
    (r) =>
      Object.fromEntries(
        KPI_COLUMNS.map(({ name, type }) => [
          name,
          type === 'String' || r[name] === null ? r[name] : Number(r[name]),
        ]),
      ) as unknown as RuleKpiRow,
  );
}
