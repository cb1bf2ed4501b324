import { ErrorCode, TradewatchError } from '../errors.js';
import type { Logger } from '../log.js';
import { loadBaseline, retiredMigrations, type SquashedMigration, verifyBaseline } from './baseline.js';
import { type ClickHouseClient, type ClickHouseSettings, createClickHouse, queryRows } from './client.js';
import { loadMigrations, type Migration, migrationFile } from './migration-files.js';
import { splitStatements } from './sql-statements.js';

/**
 * Applies the numbered SQL files of clickhouse/migrations in order, once each.
 *  - Each applied file is recorded in `<database>.schema_migrations` with its SHA-256.
 *  - A file already applied is skipped; re-running is a no-op.
 *  - A file edited after it was applied stops the run before anything executes: applied
 *    migrations are history, a change is a new file.
 *  - `${NAME}` placeholders are filled from `variables` (broker list, topic prefix, TTL)
 *    after the checksum is taken, so one file serves every environment.
 * Statements must be safe to repeat (IF NOT EXISTS): a file that failed half-way is
 * not recorded and runs again from its start.
 *  - With `baselineDir`, an empty database gets the squashed baseline (./baseline.ts) in
 *    one step instead of the files it stands for, and records those files as applied; and
 *    files retired from the folder are checked against the baseline's manifest instead.
 */

const PLACEHOLDER = /\$\{([A-Z0-9_]+)\}/g;

export interface MigrationReport {
  applied: string[];
  skipped: string[];
  /** Set when an empty database got the squashed baseline: the files it stood for. */
  fromBaseline?: string[];
}

export function renderMigration(migration: Migration, variables: Record<string, string>): string {
  return migration.sql.replace(PLACEHOLDER, (_, name: string) => {
    const value = variables[name];
    if (value === undefined) {
      throw new TradewatchError(
        ErrorCode.MIGRATION_INVALID,
        `migration ${migration.file} uses \${${name}}, which is not one of: ${Object.keys(variables).join(', ')}`,
      );
    }
    return value;
  });
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

export async function migrate(options: {
  settings: ClickHouseSettings;
  database: string;
  dir: string;
  variables: Record<string, string>;
  log: Logger;
  /** Where the squashed baseline is (clickhouse/baseline); absent: always file by file. */
  baselineDir?: string;
}): Promise<MigrationReport> {
  const { database, log } = options;
  const migrations = loadMigrations(options.dir);
  const server = createClickHouse(options.settings);
  let client: ClickHouseClient | undefined;
  try {
    await server.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
    client = createClickHouse({ ...options.settings, database });
    await client.command({
      query: `CREATE TABLE IF NOT EXISTS schema_migrations (
        version UInt32, name String, checksum FixedString(64), statements UInt16,
        applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
      ) ENGINE = MergeTree ORDER BY version`,
    });
    const applied = new Map(
      (await queryRows<AppliedRow>(client, 'SELECT version, name, checksum FROM schema_migrations')).map(
        (row) => [Number(row.version), row],
      ),
    );
    const baseline = options.baselineDir === undefined ? undefined : loadBaseline(options.baselineDir);
    verifyHistory(migrations, applied, retiredMigrations(baseline));
    const upTo = baseline === undefined ? 0 : verifyBaseline(baseline, migrations);

    const report: MigrationReport = { applied: [], skipped: [] };
    if (baseline !== undefined && applied.size === 0) {
      const squashed = [...retiredMigrations(baseline), ...migrations.filter((m) => m.version <= upTo)];
      const started = Date.now();
      const sql = { version: upTo, name: 'baseline', file: 'baseline.sql', sql: baseline.sql, checksum: '' };
      const statements = await run(client, sql, options.variables);
      // The history a database migrated file by file would have: same names, same checksums.
      await record(client, squashed, 0);
      for (const m of squashed) applied.set(m.version, m);
      report.fromBaseline = squashed.map(migrationFile);
      log.info({ upTo, statements, files: squashed.length, ms: Date.now() - started }, 'baseline applied');
    }
    // Retired files are in the history (checked above) or came with the baseline.
    for (const file of retiredMigrations(baseline).map(migrationFile)) {
      if (report.fromBaseline?.includes(file)) report.applied.push(file);
      else report.skipped.push(file);
    }
    for (const migration of migrations) {
      if (applied.has(migration.version)) {
        if (!report.fromBaseline?.includes(migration.file)) report.skipped.push(migration.file);
        else report.applied.push(migration.file);
        continue;
      }
      const started = Date.now();
      const statements = await run(client, migration, options.variables);
      await record(client, [migration], statements);
      log.info({ migration: migration.file, statements, ms: Date.now() - started }, 'migration applied');
      report.applied.push(migration.file);
    }
    return report;
  } finally {
    await client?.close();
    await server.close();
  }
}

/** Runs each statement of `migration`; a failure names the file and the statement. */
async function run(
  client: ClickHouseClient,
  migration: Migration,
  variables: Record<string, string>,
): Promise<number> {
  const statements = splitStatements(renderMigration(migration, variables));
  for (const [index, statement] of statements.entries()) {
    try {
      await client.command({ query: statement });
    } catch (err) {
      throw new TradewatchError(
        ErrorCode.MIGRATION_FAILED,
        `migration ${migration.file}, statement ${index + 1} of ${statements.length} failed: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
  }
  return statements.length;
}

async function record(
  client: ClickHouseClient,
  migrations: readonly SquashedMigration[],
  statements: number,
): Promise<void> {
  await client.insert({
    table: 'schema_migrations',
    values: migrations.map((m) => ({ version: m.version, name: m.name, checksum: m.checksum, statements })),
    format: 'JSONEachRow',
  });
}

/**
 * Refuses to run when history and files disagree; names the file and what to do. A retired
 * file (in the baseline's manifest, no longer in the folder) counts by its recorded
 * checksum; a database that has history but not every retired file cannot be brought
 * forward by this folder, since the files it still needs are gone.
 */
export function verifyHistory(
  migrations: readonly Migration[],
  applied: ReadonlyMap<number, AppliedRow>,
  retired: readonly SquashedMigration[],
): void {
  const known = new Map<number, SquashedMigration & { retired?: true }>([
    ...retired.map((m) => [m.version, m] as const),
    ...migrations.map((m) => [m.version, m] as const),
  ]);
  for (const row of applied.values()) {
    const file = known.get(Number(row.version));
    if (!file) {
      throw new TradewatchError(
        ErrorCode.MIGRATION_INVALID,
        `migration ${migrationFile({ version: Number(row.version), name: row.name })} was applied but is no longer in the migrations folder; restore it`,
      );
    }
    if (file.checksum !== row.checksum) {
      throw new TradewatchError(
        ErrorCode.MIGRATION_EDITED,
        file.retired
          ? `migration ${migrationFile(file)} was applied with other contents (recorded sha256 ${row.checksum.slice(0, 12)}…) than the file retired into the baseline (${file.checksum.slice(0, 12)}…): this database did not come from this project's migrations`
          : `migration ${migrationFile(file)} was edited after it was applied (recorded sha256 ${row.checksum.slice(0, 12)}…, file now ${file.checksum.slice(0, 12)}…). Applied migrations cannot change: revert the edit and put the change in a new migration file.`,
      );
    }
  }
  const missing = applied.size === 0 ? [] : retired.filter((m) => !applied.has(m.version));
  if (missing.length > 0) {
    throw new TradewatchError(
      ErrorCode.MIGRATION_INVALID,
      `this database's history stops inside the retired migrations: ${missing.map(migrationFile).join(', ')} ${missing.length === 1 ? 'is' : 'are'} not applied, and left the migrations folder when they were squashed into the baseline. Migrate it with a release that still has them first (docs/schema.md, "Retired migrations"), then with this one.`,
    );
  }
}
