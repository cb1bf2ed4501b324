import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { backtestRule } from '../alerting/backtest/backtest.js';
import { createClickHouse, queryNumber, queryRows } from '../lib/clickhouse/client.js';
import { loadConfig } from '../lib/config/config.js';
import { createLogger } from '../lib/log.js';
import { machineLine } from '../lib/machine.js';
import { startLocalStack } from '../stack/local-stack.js';
import { preparePipeline } from '../stack/pipeline.js';
import { fmt, progress, type SummaryRow, summaryTable, writeResult } from './report.js';
import { warehouseDataSql } from './warehouse-data-sql.js';

/**
 * `tradewatch rules backtest` over many stored trades: the warehouse benchmark's generated
 * market_trades (default 10 million over half a day), the price-spike rule evaluated at
 * every --step over the whole span, each evaluation cut at its moment. Baseline from the
 * same run: one plain scan of the same rows (count, min and max price per market), i.e.
 * what reading the data once costs. Uses CLICKHOUSE_URL when set, else an embedded stack.
 */
const o = new Command('backtest-bench')
  .description('rules backtest over generated trades, against one plain scan of the same rows')
  .option('--trades <n>', 'generated trades', process.env.BACKTEST_BENCH_TRADES ?? '10000000')
  .option('--rule <id>', 'a rule that reads market_trades', 'price-spike')
  .option('--step-s <n>', 'seconds between evaluations', '300')
  .parse()
  .opts<{ trades: string; rule: string; stepS: string }>();
const TRADES = Number(o.trades);
const STEP_MS = Number(o.stepS) * 1000;

const log = createLogger('bench', { destination: 2, level: 'warn' });
const dir =
  process.env.CLICKHOUSE_URL && process.env.KAFKA_BROKERS ? undefined : mkdtempSync(join(tmpdir(), 'tw-bt-'));
const stack = dir ? await startLocalStack({ dir, log }) : undefined;
const config = loadConfig({
  ...process.env,
  ...stack?.env,
  // Generating ten million rows takes minutes on a busy machine: past the client's default.
  CLICKHOUSE_REQUEST_TIMEOUT_MS: process.env.CLICKHOUSE_REQUEST_TIMEOUT_MS ?? '1800000',
  CLICKHOUSE_DATABASE: `bench_backtest_${Date.now().toString(36)}`,
  KAFKA_TOPIC_PREFIX: `bench-backtest-${Date.now().toString(36)}.`,
});
try {
  process.stdout.write(`${machineLine()}\n`);
  await preparePipeline(config, log);
  const clickhouse = createClickHouse({ ...config, database: config.CLICKHOUSE_DATABASE });
  const data = warehouseDataSql(TRADES);
  const insert = data.statements.find((s) => /INSERT INTO market_trades\b/.test(s));
  if (!insert) throw new Error('bench/warehouse-data.sql has no INSERT INTO market_trades');
  progress(`generating ${fmt(TRADES)} trades`);
  await clickhouse.command({ query: insert });
  const fromMs = data.endMs - data.spanMs;
  const toMs = data.endMs;
  const rows = await queryNumber(clickhouse, 'SELECT count() FROM market_trades');

  progress('baseline: one plain scan of the same rows');
  const scanStarted = performance.now();
  await queryRows(
    clickhouse,
    'SELECT venue, symbol, count(), min(price), max(price) FROM market_trades GROUP BY venue, symbol',
  );
  const scanMs = performance.now() - scanStarted;

  progress(`backtest: ${o.rule} every ${STEP_MS / 1000} s over ${Math.round(data.spanMs / 60_000)} minutes`);
  const result = await backtestRule(clickhouse, { ruleId: o.rule, fromMs, toMs, stepMs: STEP_MS });
  const perEvaluation = result.elapsed_ms / result.evaluations;
  const lines = [
    `${fmt(rows)} trades over ${Math.round(data.spanMs / 60_000)} minutes; ${o.rule} as of every ${STEP_MS / 1000} s: ${result.evaluations} evaluations in ${fmt(result.elapsed_ms)} ms (${perEvaluation.toFixed(1)} ms each), ${result.alerts.length} alert(s)`,
    `baseline, one plain scan of the same ${fmt(rows)} rows: ${fmt(scanMs)} ms`,
  ];
  const summary: SummaryRow[] = [
    {
      benchmark: `rules backtest ${o.rule}, ${fmt(rows)} trades, ${result.evaluations} evaluations`,
      result: `${fmt(result.elapsed_ms)} ms`,
      baseline: `${fmt(scanMs)} ms one scan`,
      ratio: Math.round((result.elapsed_ms / scanMs) * 100) / 100,
      target: '-',
      met: null,
    },
  ];
  process.stdout.write(`${lines.join('\n')}\n${summaryTable(summary)}\n`);
  const file = writeResult('backtest', summary, {
    settings: { trades: TRADES, rule: o.rule, stepMs: STEP_MS },
    rows,
    scanMs,
    backtestMs: result.elapsed_ms,
    evaluations: result.evaluations,
    alerts: result.alerts.length,
  });
  process.stdout.write(`results: ${file}\n`);
  await clickhouse.command({ query: `DROP DATABASE IF EXISTS ${config.CLICKHOUSE_DATABASE} SYNC` });
  await clickhouse.close();
} finally {
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
