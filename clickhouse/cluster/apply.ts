import { type ClickHouseSettings, createClickHouse } from '../../lib/clickhouse/client.js';
import { renderMigration } from '../../lib/clickhouse/migrations.js';
import type { Logger } from '../../lib/log.js';
import type { ClusterSchema } from './render.js';

/**
 * Applies a rendered cluster schema through any one node of the cluster: the first
 * statement creates the Replicated database ON CLUSTER (every node gets it); the rest run in
 * that database, which replicates each to every node through Keeper. Every statement is
 * CREATE … IF NOT EXISTS, so a re-run, or a run that stopped half-way, is safe. A schema
 * change on a running cluster is not handled here (docs/scaling.md says how it would be).
 */
export async function applyClusterSchema(options: {
  settings: ClickHouseSettings;
  database: string;
  schema: ClusterSchema;
  variables: Record<string, string>;
  log: Logger;
}): Promise<{ statements: number }> {
  const variables = { ...options.variables, CLICKHOUSE_DATABASE: options.database };
  const statements = options.schema.statements.map((sql, i) =>
    renderMigration(
      { version: 0, name: 'cluster', file: `cluster schema #${i + 1}`, sql, checksum: '' },
      variables,
    ),
  );
  const [database, ...objects] = statements;
  if (database === undefined || !database.startsWith('CREATE DATABASE'))
    throw new Error('cluster schema: the first statement must create the Replicated database');
  const server = createClickHouse(options.settings);
  const client = createClickHouse({ ...options.settings, database: options.database });
  try {
    await server.command({ query: database });
    for (const [i, sql] of objects.entries()) {
      try {
        await client.command({ query: sql });
      } catch (err) {
        throw new Error(`cluster schema: statement ${i + 2} failed: ${sql.slice(0, 120)}`, { cause: err });
      }
    }
    options.log.info({ statements: statements.length, database: options.database }, 'cluster schema applied');
    return { statements: statements.length };
  } finally {
    await Promise.all([server.close(), client.close()]);
  }
}
