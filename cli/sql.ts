import { Command, InvalidArgumentError, Option } from 'commander';
import type { ClickHouseClient } from '../lib/clickhouse/client.js';
import { messageOf } from '../lib/errors.js';
import { checkStatement, PolicyRefusal, type StatementParser } from '../stack/clickhouse/statement-policy.js';
import { CliError, ExitCode } from './exit-codes.js';
import { cliConfig, openClickHouse } from './services.js';
import { renderTable } from './table.js';

/**
 * `tradewatch sql "…"`: analyst SQL against CLICKHOUSE_URL. Read-only by ClickHouse's own
 * `readonly` setting (so the server refuses writes and setting changes, not a client-side
 * guess), and values only ever travel as query parameters (`{name:Type}` + --param).
 *
 * ClickHouse 26.7 (chDB 3.4, the server image) lets `SETTINGS readonly = DEFAULT` lift
 * readonly=1 (fixed upstream after 26.7, no release of either ships the fix yet), so the
 * statement is first checked on the server's own parse (stack/clickhouse/statement-policy.ts,
 * as the embedded host does for every reader): one read statement, no SETTINGS clause, no
 * table function that reaches files, the network or other processes.
 */
const PARAM = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;

function collectParam(value: string, previous: Record<string, string>): Record<string, string> {
  const match = PARAM.exec(value);
  if (!match) throw new InvalidArgumentError(`"${value}" is not name=value (name: letters, digits, _)`);
  return { ...previous, [match[1] as string]: match[2] as string };
}

interface SqlOptions {
  format: 'table' | 'csv' | 'json';
  param: Record<string, string>;
}

/** ClickHouse server errors carry its numeric code (62 SYNTAX_ERROR, 164 READONLY…). */
const isServerError = (err: unknown): err is Error & { code: string; type?: string } =>
  err instanceof Error && /^\d+$/.test(String((err as { code?: unknown }).code));

/** The server's parser, asked over HTTP; both questions are reads, allowed under readonly=1. */
function serverParser(clickhouse: ClickHouseClient, params: Record<string, string>): StatementParser {
  return {
    format: async (sql) => {
      const result = await clickhouse.query({
        query: 'SELECT formatQuerySingleLine({sql:String}) AS f',
        query_params: { sql },
        format: 'JSONEachRow',
        clickhouse_settings: { readonly: '1' },
      });
      const [row] = await result.json<{ f: string }>();
      return row?.f ?? '';
    },
    explainAst: async (statement) => {
      const result = await clickhouse.exec({
        query: `EXPLAIN AST ${statement}`,
        // The statement's own placeholders must be bound for the server to parse it.
        query_params: params,
        clickhouse_settings: { readonly: '1', default_format: 'TabSeparatedRaw' as 'JSON' },
      });
      let text = '';
      for await (const chunk of result.stream) text += Buffer.from(chunk).toString('utf8');
      return text.split('\n').filter((line) => line.trim() !== '');
    },
  };
}

async function runSql(query: string, options: SqlOptions): Promise<void> {
  const config = cliConfig();
  const clickhouse = await openClickHouse(config);
  try {
    await checkStatement(serverParser(clickhouse, options.param), query, 'reader');
    const request = {
      query,
      query_params: options.param,
      // Only `readonly` is sent: with readonly=1 ClickHouse refuses any other setting too.
      clickhouse_settings: { readonly: '1' as const },
    };
    if (options.format === 'csv') {
      const result = await clickhouse.query({ ...request, format: 'CSVWithNames' });
      process.stdout.write(await result.text());
      return;
    }
    const result = await clickhouse.query({ ...request, format: 'JSONCompact' });
    const body = (await result.json()) as unknown as {
      meta: Array<{ name: string; type: string }>;
      data: unknown[][];
    };
    if (options.format === 'json') {
      const objects = body.data.map((row) => Object.fromEntries(body.meta.map((c, i) => [c.name, row[i]])));
      process.stdout.write(`${JSON.stringify(objects, null, 2)}\n`);
    } else process.stdout.write(renderTable(body.meta, body.data));
  } catch (err) {
    if (err instanceof PolicyRefusal) {
      throw new CliError(
        ExitCode.FAILED,
        `refused: ${err.message}\n\`tradewatch sql\` is read-only; writes belong to migrations and the services.`,
      );
    }
    if (!isServerError(err)) throw err;
    const hint =
      err.type === 'READONLY' || err.code === '164'
        ? '\n`tradewatch sql` is read-only; writes belong to migrations and the services.'
        : err.type === 'UNKNOWN_QUERY_PARAMETER' || err.code === '456'
          ? '\nPass every {name:Type} placeholder with --param name=value.'
          : '';
    throw new CliError(ExitCode.FAILED, `ClickHouse refused the query: ${messageOf(err)}${hint}`, {
      cause: err,
    });
  } finally {
    await clickhouse.close();
  }
}

export function sqlCommand(): Command {
  return new Command('sql')
    .description('run a read-only SQL query against ClickHouse (CLICKHOUSE_URL, CLICKHOUSE_DATABASE)')
    .argument('<query>', 'the SQL; use {name:Type} placeholders for values')
    .addOption(
      new Option('--format <format>', 'output format').choices(['table', 'csv', 'json']).default('table'),
    )
    .option(
      '--param <name=value>',
      'a query parameter for a {name:Type} placeholder (repeatable); sent to ClickHouse, never pasted into the SQL',
      collectParam,
      {},
    )
    .addHelpText(
      'after',
      `
Examples:
  tradewatch sql "SELECT symbol, count() AS trades FROM market_trades GROUP BY symbol"
  tradewatch sql "SELECT * FROM alerts_current WHERE rule_id = {rule:String} LIMIT 5" --param rule=stale-feed
  tradewatch sql --format csv "SELECT * FROM market_1m LIMIT 100" > market.csv`,
    )
    .action((query: string, options: SqlOptions) => runSql(query, options));
}
