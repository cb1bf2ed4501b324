import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, TradewatchError } from '../errors.js';
import { type ClickHouseClient, queryRows } from './client.js';
import { type Migration, migrationFile } from './migration-files.js';

/**
 * A squashed baseline: one generated file that builds, on an empty database, the schema
 * (and seed rows) that migrations 0001…N build one by one, and a manifest of the files it
 * stands for with their checksums. A fresh database applies the baseline and records every
 * squashed migration as applied (same names, same checksums), so its history is the one a
 * database migrated file by file has; files after N then apply as usual. A database that
 * already has history never uses it. `tools/squash-migrations.ts` writes both files.
 *
 * A squashed file may later leave the tree (`retired` in the manifest): the manifest keeps
 * its name and checksum, so a database that applied it still passes the checksum guard,
 * and a fresh database still records it. Only a database whose history stops inside the
 * retired range cannot move on here (see `verifyHistory` in ./migrations.ts).
 */

export interface SquashedMigration {
  version: number;
  name: string;
  checksum: string;
  /** The file is no longer in the migrations folder; the manifest is its record. */
  retired?: true;
}

export interface Baseline {
  sql: string;
  squashed: SquashedMigration[];
}

export const BASELINE_SQL = 'baseline.sql';
export const BASELINE_MANIFEST = 'squashed.json';

export function loadBaseline(dir: string): Baseline | undefined {
  const manifest = join(dir, BASELINE_MANIFEST);
  if (!existsSync(manifest)) return undefined;
  return {
    sql: readFileSync(join(dir, BASELINE_SQL), 'utf8'),
    squashed: JSON.parse(readFileSync(manifest, 'utf8')) as SquashedMigration[],
  };
}

/**
 * The baseline stands only for exactly the files it names: each must be in the folder
 * unchanged (or retired from it), and every file up to the last one it names must be in it
 * (a migration numbered inside the squashed range but added later would be skipped on
 * fresh databases).
 */
export function verifyBaseline(baseline: Baseline, migrations: readonly Migration[]): number {
  const squashed = new Map(baseline.squashed.map((m) => [m.version, m]));
  const upTo = Math.max(...squashed.keys());
  const stale = (why: string) =>
    new TradewatchError(
      ErrorCode.MIGRATION_INVALID,
      `the squashed baseline is stale: ${why}; run \`npm run schema:squash\` and commit clickhouse/baseline/`,
    );
  for (const file of migrations) {
    if (file.version > upTo) continue;
    const entry = squashed.get(file.version);
    if (!entry) throw stale(`${file.file} is not in it`);
    if (entry.checksum !== file.checksum || entry.name !== file.name)
      throw stale(`${file.file} changed since it was squashed`);
  }
  for (const entry of baseline.squashed)
    if (!entry.retired && !migrations.some((m) => m.version === entry.version))
      throw stale(`${migrationFile(entry)} is missing from the folder`);
  return upTo;
}

/** The manifest's entries for files that left the migrations folder. */
export const retiredMigrations = (baseline: Baseline | undefined): SquashedMigration[] =>
  baseline?.squashed.filter((m) => m.retired) ?? [];

interface TableRow {
  name: string;
  engine: string;
  create_table_query: string;
  total_rows: string | null;
}

/**
 * Every table and view of `database` as CREATE statements that run in any database
 * (names unqualified), ordered so each object's targets exist first and the Kafka
 * consumers come last, followed by the rows of seeded tables (those not fed by Kafka).
 */
export async function dumpSchema(client: ClickHouseClient, database: string): Promise<string[]> {
  const rows = await queryRows<TableRow>(
    client,
    `SELECT name, engine, create_table_query, total_rows FROM system.tables
     WHERE database = {db:String} AND name != 'schema_migrations' AND NOT startsWith(name, '.inner') AND NOT is_temporary
     ORDER BY name`,
    { db: database },
  );
  const unqualify = (sql: string) => sql.replaceAll(`${database}.`, '').replaceAll(`\`${database}\`.`, '');
  const kafka = new Set(rows.filter((r) => r.engine === 'Kafka').map((r) => r.name));
  const rank = (r: TableRow): number => {
    if (r.engine !== 'MaterializedView' && r.engine !== 'View') return 0;
    const source = /\bFROM\s+([A-Za-z0-9_.`]+)/i
      .exec(unqualify(r.create_table_query))?.[1]
      ?.replaceAll('`', '');
    // A consumer started before the views below its target would let rows through unseen.
    return source !== undefined && kafka.has(source) ? 2 : 1;
  };
  const byName = new Map(rows.map((r) => [r.name, r]));
  const ordered: TableRow[] = [];
  const placed = new Set<string>();
  const place = (r: TableRow, path: Set<string>) => {
    if (placed.has(r.name) || path.has(r.name)) return;
    path.add(r.name);
    const sql = unqualify(r.create_table_query);
    for (const [name, dep] of byName)
      if (name !== r.name && rank(dep) <= rank(r) && new RegExp(`\\b${name}\\b`).test(sql)) place(dep, path);
    placed.add(r.name);
    ordered.push(r);
  };
  for (const level of [0, 1, 2]) for (const r of rows) if (rank(r) === level) place(r, new Set());

  // IF NOT EXISTS: a baseline that failed half-way runs again from its start, like a file.
  const statements = ordered.map((r) =>
    unqualify(r.create_table_query).replace(
      /^CREATE (TABLE|MATERIALIZED VIEW|VIEW) /,
      'CREATE $1 IF NOT EXISTS ',
    ),
  );
  for (const r of ordered) {
    if (kafka.has(r.name) || !r.engine.endsWith('MergeTree') || Number(r.total_rows ?? 0) === 0) continue;
    statements.push(await seedRows(client, database, r.name));
  }
  // The server's own formatter: one clause a line, reviewable in a diff, same statement.
  const formatted: string[] = [];
  for (const query of statements) {
    // A statement the formatter cannot parse back (it knows less than the server) stays as is.
    const row = await queryRows<{ f: string }>(client, 'SELECT formatQuery({q:String}) AS f', {
      q: query,
    }).then(
      ([r]) => r,
      () => undefined,
    );
    formatted.push(row?.f ?? query);
  }
  return formatted;
}

/** The rows of a seeded table, as one INSERT … SELECT (the host evaluates no VALUES expressions). */
async function seedRows(client: ClickHouseClient, database: string, table: string): Promise<string> {
  const columns = await queryRows<{ name: string }>(
    client,
    `SELECT name FROM system.columns WHERE database = {db:String} AND table = {t:String}
     AND default_kind NOT IN ('MATERIALIZED', 'ALIAS') ORDER BY position`,
    { db: database, t: table },
  );
  const names = columns.map((c) => c.name);
  const result = await client.query({
    query: `SELECT ${names.join(', ')} FROM ${database}.${table} ORDER BY ALL`,
    format: 'JSONEachRow',
  });
  const quote = (text: string) => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  const lines = (await result.text()).trim();
  const structure = await queryRows<{ name: string; type: string }>(
    client,
    `SELECT name, type FROM system.columns WHERE database = {db:String} AND table = {t:String}
     AND default_kind NOT IN ('MATERIALIZED', 'ALIAS') ORDER BY position`,
    { db: database, t: table },
  );
  const schema = structure.map((c) => `${c.name} ${c.type}`).join(', ');
  return (
    `INSERT INTO ${table} (${names.join(', ')})\nSELECT * FROM format(JSONEachRow, ${quote(schema)}, ${quote(lines)})\n` +
    `WHERE (SELECT count() FROM ${table}) = 0`
  );
}
