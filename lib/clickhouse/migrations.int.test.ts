import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClickHouseHost, startClickHouseHost } from '../../stack/clickhouse/host-process.js';
import { isolatedConfig, testLog } from '../../test/pipeline-fixture.js';
import { retiredFiles, writeMigrationHistory } from '../../test/retired-migrations.js';
import type { Config } from '../config/config.js';
import { TradewatchError } from '../errors.js';
import { dumpSchema, loadBaseline, retiredMigrations } from './baseline.js';
import { createClickHouse, queryRows } from './client.js';
import { loadMigrations } from './migration-files.js';
import { migrate } from './migrations.js';
import { BASELINE_DIR, MIGRATIONS_DIR, migrationVariables } from './platform-migrations.js';

/**
 * Migrations against a ClickHouse engine opened on an empty data directory of its own
 * (a second embedded host, not the shared test stack), as on a first start. `history` is
 * every file a database has ever applied, the retired ones (test/fixtures) included: the
 * file-by-file path old deployments took.
 */
describe('migration runner', () => {
  let host: ClickHouseHost;
  let work: string;
  let history: string;
  let config: Config;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'tradewatch-migrations-'));
    history = join(work, 'history');
    mkdirSync(history);
    writeMigrationHistory(history, { current: true });
    host = await startClickHouseHost({ dataDir: join(work, 'data') });
    config = isolatedConfig({ CLICKHOUSE_URL: host.url, CLICKHOUSE_PASSWORD: host.password });
  });

  afterAll(async () => {
    await host?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const run = (dir: string, database = config.CLICKHOUSE_DATABASE, baselineDir?: string) =>
    migrate({
      settings: config,
      database,
      dir,
      variables: migrationVariables({ ...config, CLICKHOUSE_DATABASE: database }),
      log: testLog,
      ...(baselineDir === undefined ? {} : { baselineDir }),
    });

  const tablesIn = async (): Promise<string[]> => {
    const client = createClickHouse(config);
    try {
      const rows = await queryRows<{ name: string }>(
        client,
        'SELECT name FROM system.tables WHERE database = {db:String} ORDER BY name',
        { db: config.CLICKHOUSE_DATABASE },
      );
      return rows.map((r) => r.name);
    } finally {
      await client.close();
    }
  };

  it('applies every migration on an empty data dir, then re-applies as a no-op', async () => {
    const files = loadMigrations(history).map((m) => m.file);
    const first = await run(history);
    expect(first.applied).toEqual(files);
    expect(await tablesIn()).toEqual(
      expect.arrayContaining([
        'schema_migrations',
        'market_trades',
        'market_trades_queue',
        'market_trades_mv',
        'dead_letters',
      ]),
    );
    const tablesAfterFirst = await tablesIn();

    const second = await run(history);
    expect(second).toEqual({ applied: [], skipped: files });
    // The folder as it is now (the retired files gone) continues this history.
    expect(await run(MIGRATIONS_DIR, config.CLICKHOUSE_DATABASE, BASELINE_DIR)).toEqual({
      applied: [],
      skipped: files,
    });
    expect(await tablesIn()).toEqual(tablesAfterFirst);

    const client = createClickHouse({ ...config, database: config.CLICKHOUSE_DATABASE });
    const recorded = await queryRows<{ name: string; checksum: string }>(
      client,
      'SELECT name, checksum FROM schema_migrations ORDER BY version',
    );
    await client.close();
    expect(recorded.map((r) => r.checksum)).toEqual(loadMigrations(history).map((m) => m.checksum));
    // Every migration from 0001 on, generated ones rebuilding views included: tens of seconds
    // on a quiet two-core machine, minutes on a busy one.
  }, 300_000);

  it('gives an empty database the squashed baseline: the same schema, seed rows and history as file by file', async () => {
    const fresh = `${config.CLICKHOUSE_DATABASE}_baseline`;
    const report = await run(MIGRATIONS_DIR, fresh, BASELINE_DIR);
    const files = loadMigrations(history).map((m) => m.file);
    expect(report.fromBaseline?.length).toBeGreaterThan(0);
    expect(report.applied).toEqual(files);
    // The next run is a no-op, as after a file-by-file migration.
    expect(await run(MIGRATIONS_DIR, fresh, BASELINE_DIR)).toEqual({ applied: [], skipped: files });

    const client = createClickHouse(config);
    try {
      // Both databases' objects, with their names and consumer groups made comparable.
      const schemaOf = async (db: string) =>
        (await dumpSchema(client, db)).map((sql) => sql.replaceAll(`clickhouse.${db}.`, 'clickhouse.<db>.'));
      expect(await schemaOf(fresh)).toEqual(await schemaOf(config.CLICKHOUSE_DATABASE));
      const history = (db: string) =>
        queryRows(client, `SELECT version, name, checksum FROM ${db}.schema_migrations ORDER BY version`);
      expect(await history(fresh)).toEqual(await history(config.CLICKHOUSE_DATABASE));
    } finally {
      await client.command({ query: `DROP DATABASE IF EXISTS ${fresh} SYNC` });
      await client.close();
    }
  }, 300_000);

  it('refuses a stale baseline on an empty database: one that does not stand for the files as they are', async () => {
    // A file the baseline stands for, back in the folder with other contents.
    const edited = join(work, 'stale');
    cpSync(MIGRATIONS_DIR, edited, { recursive: true });
    const file = '0200_generated_schema.sql';
    writeFileSync(join(edited, file), `${retiredFiles().get(file)}\n-- edited after the squash\n`);
    const error = await run(edited, `${config.CLICKHOUSE_DATABASE}_stale`, BASELINE_DIR).catch(
      (e: unknown) => e,
    );
    expect((error as TradewatchError).code).toBe('MIGRATION_INVALID');
    expect((error as Error).message).toMatch(
      /baseline is stale: 0200_generated_schema\.sql changed since it was squashed/,
    );
    const client = createClickHouse(config);
    const tables = await queryRows(
      client,
      `SELECT name FROM system.tables WHERE database = '${config.CLICKHOUSE_DATABASE}_stale' AND name != 'schema_migrations'`,
    );
    await client.command({ query: `DROP DATABASE IF EXISTS ${config.CLICKHOUSE_DATABASE}_stale SYNC` });
    await client.close();
    expect(tables).toEqual([]);
  });

  it('refuses to run when an applied migration was edited, and applies nothing', async () => {
    const edited = join(work, 'edited');
    cpSync(history, edited, { recursive: true });
    appendFileSync(join(edited, '0001_market_trades.sql'), '\n-- a harmless-looking edit\n');
    writeFileSync(
      join(edited, '9999_should_not_run.sql'),
      'CREATE TABLE should_not_run (x UInt8) ENGINE = Memory;',
    );

    const error = await run(edited).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(TradewatchError);
    expect((error as TradewatchError).code).toBe('MIGRATION_EDITED');
    expect((error as Error).message).toMatch(/0001_market_trades\.sql was edited after it was applied/);
    expect((error as Error).message).toMatch(/new migration file/);
    expect(await tablesIn()).not.toContain('should_not_run');
  });

  it('names the file and the statement when a migration fails, and does not record it', async () => {
    const broken = join(work, 'broken');
    cpSync(history, broken, { recursive: true });
    writeFileSync(
      join(broken, '0900_broken.sql'),
      'CREATE TABLE ok_one (x UInt8) ENGINE = Memory;\nCREATE TABLEE oops;',
    );
    const error = await run(broken).catch((err: unknown) => err);
    expect((error as TradewatchError).code).toBe('MIGRATION_FAILED');
    expect((error as Error).message).toMatch(/0900_broken\.sql, statement 2 of 2 failed: .*Syntax error/s);
    const client = createClickHouse({ ...config, database: config.CLICKHOUSE_DATABASE });
    const versions = await queryRows<{ version: number }>(client, 'SELECT version FROM schema_migrations');
    await client.close();
    expect(versions.map((v) => Number(v.version))).not.toContain(900);
  });

  // biome-ignore lint/suspicious/noTemplateCurlyInString: a migration placeholder, not a JS template
  it('refuses an unknown ${PLACEHOLDER} with the file and the names it knows', async () => {
    const odd = join(work, 'odd');
    cpSync(history, odd, { recursive: true });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a migration placeholder, not a JS template
    writeFileSync(join(odd, '0901_odd.sql'), "SELECT '${NOT_A_VARIABLE}';");
    const error = await run(odd).catch((err: unknown) => err);
    expect((error as TradewatchError).code).toBe('MIGRATION_INVALID');
    expect((error as Error).message).toMatch(/0901_odd\.sql uses \$\{NOT_A_VARIABLE\}.*KAFKA_BROKERS/);
  });

  /** A database whose schema_migrations says it applied `rows`, and nothing else. */
  const withHistory = async (
    database: string,
    rows: { version: number; name: string; checksum: string }[],
  ) => {
    const client = createClickHouse(config);
    try {
      await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
      await client.command({
        query: `CREATE TABLE ${database}.schema_migrations (version UInt32, name String, checksum FixedString(64),
          statements UInt16, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)) ENGINE = MergeTree ORDER BY version`,
      });
      await client.insert({
        table: `${database}.schema_migrations`,
        values: rows.map((r) => ({ version: r.version, name: r.name, checksum: r.checksum, statements: 1 })),
        format: 'JSONEachRow',
      });
    } finally {
      await client.close();
    }
  };
  const tablesOf = async (database: string) => {
    const client = createClickHouse(config);
    try {
      return (
        await queryRows<{ name: string }>(
          client,
          'SELECT name FROM system.tables WHERE database = {db:String}',
          {
            db: database,
          },
        )
      ).map((r) => r.name);
    } finally {
      await client.command({ query: `DROP DATABASE IF EXISTS ${database} SYNC` });
      await client.close();
    }
  };

  it('refuses a database whose history stops inside the retired files, naming them, and applies nothing', async () => {
    const retired = retiredMigrations(loadBaseline(BASELINE_DIR));
    expect(retired.length).toBe(retiredFiles().size);
    const database = `${config.CLICKHOUSE_DATABASE}_old`;
    await withHistory(
      database,
      retired.filter((m) => m.version <= 60),
    );
    const error = await run(MIGRATIONS_DIR, database, BASELINE_DIR).catch((e: unknown) => e);
    expect((error as TradewatchError).code).toBe('MIGRATION_INVALID');
    expect((error as Error).message).toMatch(
      /history stops inside the retired migrations: 0061_ingest_time_indexes\.sql, .*0140_strict_topic_parsing\.sql, 0160_console\.sql, .*0253_generated_schema\.sql are not applied/,
    );
    expect(await tablesOf(database)).toEqual(['schema_migrations']);
  });

  it('refuses a complete 0001–0140 history since 0160–0253 were retired too, pointing to the release that has them', async () => {
    const database = `${config.CLICKHOUSE_DATABASE}_0140`;
    await withHistory(
      database,
      retiredMigrations(loadBaseline(BASELINE_DIR)).filter((m) => m.version <= 140),
    );
    const error = await run(MIGRATIONS_DIR, database, BASELINE_DIR).catch((e: unknown) => e);
    expect((error as TradewatchError).code).toBe('MIGRATION_INVALID');
    expect((error as Error).message).toMatch(
      /history stops inside the retired migrations: 0160_console\.sql, .*0253_generated_schema\.sql are not applied.*Retired migrations/,
    );
    expect(await tablesOf(database)).toEqual(['schema_migrations']);
  });

  it('refuses a history whose retired file had other contents than the one the manifest keeps', async () => {
    const database = `${config.CLICKHOUSE_DATABASE}_forged`;
    const retired = retiredMigrations(loadBaseline(BASELINE_DIR));
    await withHistory(
      database,
      retired.map((m) => (m.version === 90 ? { ...m, checksum: 'f'.repeat(64) } : m)),
    );
    const error = await run(MIGRATIONS_DIR, database, BASELINE_DIR).catch((e: unknown) => e);
    expect((error as TradewatchError).code).toBe('MIGRATION_EDITED');
    expect((error as Error).message).toMatch(
      /0090_alerts\.sql was applied with other contents .* retired into the baseline/,
    );
    expect(await tablesOf(database)).toEqual(['schema_migrations']);
  });
});
