import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { splitStatements } from '../lib/clickhouse/sql-statements.js';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * bench/warehouse-data.sql's statements for `trades` generated trades ending a minute ago
 * and spread over half a day (at least an hour, within today), so "today" and "last hour"
 * questions both see data. Shared by the warehouse and backtest benchmarks.
 */
export function warehouseDataSql(trades: number): { statements: string[]; endMs: number; spanMs: number } {
  const endMs = Date.now() - 60_000;
  const span = Math.min(12 * 3_600_000, endMs - Math.floor(endMs / 86_400_000) * 86_400_000 - 60_000);
  const spanMs = Math.max(span, 3_600_000);
  const values: Record<string, string> = {
    TRADES: String(trades),
    SPAN_MS: String(spanMs),
    END_MS: String(endMs),
  };
  const sql = readFileSync(join(here, 'warehouse-data.sql'), 'utf8').replace(
    /\$\{([A-Z_]+)\}/g,
    (_, name: string) => values[name] as string,
  );
  return { statements: splitStatements(sql), endMs, spanMs };
}
