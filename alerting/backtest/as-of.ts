import { type ClickHouseClient, queryRows } from '../../lib/clickhouse/client.js';
import { ErrorCode, TradewatchError } from '../../lib/errors.js';

/**
 * Evaluating a rule "as of" a past moment T, generically over any rule file:
 *  - the rule's clock (`now64(3)`, `now64()`, `now()`, `today()`) becomes T as a literal;
 *  - every table the rule reads — directly, through a CTE, or inside a view it reads (views
 *    are followed through their definitions) — is cut at T with ClickHouse's
 *    `additional_table_filters`, which the engine applies to every read of that table
 *    wherever it occurs in the query tree. Rules bound facts only from below
 *    (`>= now64(3) - INTERVAL …`); the cut is their missing upper bound.
 * Tables come from ClickHouse's own parser (EXPLAIN AST), not from matching text. A table's
 * time column is `occurred_at` when it has one, else the first date-time column of its
 * sorting key (a rollup's bucket: a bucket that starts at or before T is read whole). A
 * table with no time column is read whole and reported; `system.*` tables hold only the
 * server's present state, so a rule reading them cannot be backtested and is refused.
 */

export interface AsOfTable {
  /** `database.table` */
  name: string;
  /** The column cut at T, or undefined: read whole. */
  timeColumn: string | undefined;
}

interface TableRow {
  database: string;
  name: string;
  engine: string;
  as_select: string;
}

interface ColumnRow {
  database: string;
  table: string;
  name: string;
  type: string;
  is_in_sorting_key: number;
}

/** `database.table` names in a statement's tree (CTE names too: the caller keeps real tables only). */
async function tableIdentifiers(clickhouse: ClickHouseClient, sql: string): Promise<string[]> {
  // EXPLAIN answers in text whatever format is asked for: read the lines as they come.
  const result = await clickhouse.exec({
    query: `EXPLAIN AST ${sql}`,
    clickhouse_settings: { readonly: '1', default_format: 'TabSeparatedRaw' as 'JSON' },
  });
  let text = '';
  for await (const chunk of result.stream) text += Buffer.from(chunk).toString('utf8');
  const names: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*TableIdentifier (\S+)/.exec(line);
    if (m) names.push(m[1] as string);
  }
  return names;
}

const TIME_TYPE = /^(Nullable\()?(DateTime|DateTime64|Date|Date32)\b/;

/**
 * The tables `sql` reads in `database`, views followed to the tables under them.
 * Throws when it reads `system.*`.
 */
export async function tablesRead(
  clickhouse: ClickHouseClient,
  database: string,
  sql: string,
): Promise<AsOfTable[]> {
  const found = new Map<string, AsOfTable>();
  const seenViews = new Set<string>();
  const visit = async (statement: string, defaultDb: string): Promise<void> => {
    const qualified = (await tableIdentifiers(clickhouse, statement)).map((id) =>
      id.includes('.') ? id : `${defaultDb}.${id}`,
    );
    const system = qualified.find((q) => q.startsWith('system.'));
    if (system)
      throw new TradewatchError(
        ErrorCode.CONFIG_INVALID,
        `reads ${system}, the server's present state, which has no history to replay`,
      );
    const candidates = [...new Set(qualified)];
    if (candidates.length === 0) return;
    const tables = await queryRows<TableRow>(
      clickhouse,
      `SELECT database, name, engine, as_select FROM system.tables
       WHERE concat(database, '.', name) IN {names:Array(String)}`,
      { names: candidates },
    );
    const plain = tables.filter((t) => t.engine !== 'View');
    const columns = plain.length
      ? await queryRows<ColumnRow>(
          clickhouse,
          `SELECT database, table, name, type, is_in_sorting_key FROM system.columns
           WHERE concat(database, '.', table) IN {names:Array(String)} ORDER BY position`,
          { names: plain.map((t) => `${t.database}.${t.name}`) },
        )
      : [];
    for (const t of tables) {
      const name = `${t.database}.${t.name}`;
      if (t.engine === 'View') {
        if (seenViews.has(name)) continue;
        seenViews.add(name);
        await visit(t.as_select, t.database);
        continue;
      }
      const own = columns.filter((c) => c.database === t.database && c.table === t.name);
      const timeColumn =
        own.find((c) => c.name === 'occurred_at')?.name ??
        own.find((c) => Number(c.is_in_sorting_key) === 1 && TIME_TYPE.test(c.type))?.name;
      found.set(name, { name, timeColumn });
    }
  };
  await visit(sql, database);
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

const quote = (s: string): string => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

/** `2026-12-02 01:02:03.456` (UTC) for a millisecond instant. */
export const chInstant = (ms: number): string =>
  new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

/** The rule's clock functions replaced by the instant `ms`. */
export function withClockAt(sql: string, ms: number): string {
  const at = quote(chInstant(ms));
  return sql
    .replace(/\bnow64\s*\(\s*(?:3\s*)?\)/gi, `toDateTime64(${at}, 3, 'UTC')`)
    .replace(/\bnow\s*\(\s*\)/gi, `toDateTime(${at}, 'UTC')`)
    .replace(/\btoday\s*\(\s*\)/gi, `toDate(toDateTime64(${at}, 3, 'UTC'))`);
}

/** A SETTINGS clause that cuts every time-bound table at `ms`. */
export function asOfSettings(tables: readonly AsOfTable[], ms: number): string {
  const at = quote(chInstant(ms));
  const filters = tables
    .filter((t) => t.timeColumn !== undefined)
    .map((t) => `${quote(t.name)}: ${quote(`${t.timeColumn} <= toDateTime64(${at}, 3, 'UTC')`)}`);
  return filters.length ? `SETTINGS additional_table_filters = {${filters.join(', ')}}` : '';
}
