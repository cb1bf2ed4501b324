import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ClickHouseClient, createClickHouse, queryNumber, queryRows } from '../lib/clickhouse/client.js';
import { loadConfig } from '../lib/config/config.js';
import { createLogger } from '../lib/log.js';
import { machineLine } from '../lib/machine.js';
import { startLocalStack } from '../stack/local-stack.js';
import { preparePipeline } from '../stack/pipeline.js';
import { type SummaryRow, summaryTable, writeResult } from './report.js';

/**
 * `npm run bench:derivatives`: rows/s of the derivatives rollups (a full backfill of each:
 * its refresh view's own SELECT over every fact row), beside the same figure for market_1m,
 * the existing market rollup, over the same trades in the same run. DERIV_BENCH_HOURS (default
 * 12) hours of 10 markets: 30 trades, 12 mark updates, 30 quotes and 3 open-interest figures a
 * minute each. The refresh views are dropped after their SELECT is read, so each timing runs alone.
 */
const HOURS = Number(process.env.DERIV_BENCH_HOURS ?? '12');
const RUNS = 3;
const log = createLogger('bench', { destination: 2, level: 'warn' });
const progress = (line: string) => process.stderr.write(`  … ${line}\n`);

const dir = process.env.CLICKHOUSE_URL ? undefined : mkdtempSync(join(tmpdir(), 'tw-deriv-'));
const stack = dir ? await startLocalStack({ dir, log }) : undefined;
const config = loadConfig({
  ...process.env,
  ...stack?.env,
  CLICKHOUSE_DATABASE: `bench_deriv_${Date.now().toString(36)}`,
});

/** Minutes × markets × per-minute rows, as `numbers()` rows spread over the hours before now. */
const spread = (perMinute: number) => {
  const n = HOURS * 60 * 10 * perMinute;
  return {
    n,
    sql: `FROM numbers(${n})`,
    market: `['binance','bybit'][1 + number % 2] AS venue, ['BTCUSDT','ETHUSDT','SOLUSDT','XRPUSDT','DOGEUSDT'][1 + intDiv(number, 2) % 5] AS symbol`,
    at: `now64(3) - toIntervalMillisecond(intDiv(number, 10) * intDiv(60000, ${perMinute}) + number % 7) AS occurred_at`,
  };
};

async function seed(ch: ClickHouseClient): Promise<Record<string, number>> {
  const common = (prefix: string) =>
    `toFixedString(concat('${prefix}', leftPad(toString(number), 25, '0')), 26) AS event_id, occurred_at AS received_at, occurred_at AS produced_at, 'bench' AS source, 1 AS schema_version`;
  const t = spread(30);
  const m = spread(12);
  const q = spread(30);
  const o = spread(3);
  const l = spread(1);
  const price = 'exp(4 + sin(number / 5000) + (cityHash64(number) % 1000) / 100000)';
  const statements = [
    `INSERT INTO market_trades (event_id, venue, symbol, trade_id, side, price, quantity, occurred_at, received_at, produced_at, source, schema_version)
     SELECT event_id, venue, symbol, toString(number), if(number % 3 = 0, 'sell', 'buy'), ${price}, 0.1 + (cityHash64(number, 1) % 10000) / 100, occurred_at, received_at, produced_at, source, schema_version
     FROM (SELECT ${t.market}, ${t.at}, number, ${common('T')} ${t.sql})`,
    `INSERT INTO market_mark (event_id, venue, symbol, mark_price, index_price, funding_rate, next_funding_at, occurred_at, received_at, produced_at, source, schema_version)
     SELECT event_id, venue, symbol, ${price} * 1.0001, ${price}, 0.0001 * sin(number / 1000), occurred_at + INTERVAL 8 HOUR, occurred_at, received_at, produced_at, source, schema_version
     FROM (SELECT ${m.market}, ${m.at}, number, ${common('M')} ${m.sql})`,
    `INSERT INTO market_book_l1 (event_id, venue, symbol, bid_price, bid_quantity, ask_price, ask_quantity, update_id, occurred_at, received_at, produced_at, source, schema_version)
     SELECT event_id, venue, symbol, ${price} * 0.9999, 1, ${price} * 1.0001, 1, number, occurred_at, received_at, produced_at, source, schema_version
     FROM (SELECT ${q.market}, ${q.at}, number, ${common('Q')} ${q.sql})`,
    `INSERT INTO market_open_interest (event_id, venue, symbol, open_interest, via, occurred_at, received_at, produced_at, source, schema_version)
     SELECT event_id, venue, symbol, 1000000 + number % 5000, 'rest', occurred_at, received_at, produced_at, source, schema_version
     FROM (SELECT ${o.market}, ${o.at}, number, ${common('O')} ${o.sql})`,
    `INSERT INTO market_liquidations (event_id, venue, symbol, side, price, quantity, occurred_at, received_at, produced_at, source, schema_version)
     SELECT event_id, venue, symbol, if(number % 2 = 0, 'sell', 'buy'), ${price}, 1, occurred_at, received_at, produced_at, source, schema_version
     FROM (SELECT ${l.market}, ${l.at}, number, ${common('L')} ${l.sql})`,
  ];
  for (const s of statements) await ch.command({ query: s });
  return { trades: t.n, marks: m.n, quotes: q.n, open_interest: o.n, liquidations: l.n };
}

const VIEWS = [
  'market_1m_refresh',
  'market_derivs_1m_refresh',
  'market_divergence_1m_refresh',
  'market_oi_1m_refresh',
];

/**
 * Each view's SELECT, then the views dropped (this database is the bench's own): the host
 * refuses SYSTEM STOP VIEWS, and a periodic refresh must not run beside a timing.
 */
async function detachViews(ch: ClickHouseClient): Promise<Map<string, string>> {
  const defs = new Map<string, string>();
  for (const view of VIEWS) {
    const [def] = await queryRows<{ q: string }>(
      ch,
      `SELECT as_select AS q FROM system.tables WHERE database = currentDatabase() AND name = '${view}'`,
    );
    if (!def) throw new Error(`no view ${view}`);
    defs.set(view, def.q);
    await ch.command({ query: `DROP VIEW ${view} SYNC` });
  }
  return defs;
}

/** The best of RUNS timings of a refresh view's own SELECT (what one full backfill computes). */
async function time(ch: ClickHouseClient, query: string): Promise<{ ms: number; rows: number }> {
  let best = Number.POSITIVE_INFINITY;
  let rows = 0;
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    rows = await queryNumber(ch, `SELECT count() FROM (${query})`);
    best = Math.min(best, performance.now() - started);
  }
  return { ms: best, rows };
}

try {
  await preparePipeline(config, log);
  const ch = createClickHouse({ ...config, database: config.CLICKHOUSE_DATABASE });
  const defs = await detachViews(ch);
  progress(`seeding ${HOURS} h of 10 markets`);
  const n = await seed(ch);
  const perSecond = (rows: number, ms: number) => Math.round(rows / (ms / 1000));
  const base = await time(ch, defs.get('market_1m_refresh') as string);
  const baseRate = perSecond((n.trades as number) + (n.quotes as number), base.ms);
  const cases: [string, string, number][] = [
    [
      'market_derivs_1m',
      'market_derivs_1m_refresh',
      (n.trades as number) + (n.marks as number) + (n.liquidations as number),
    ],
    ['market_divergence_1m', 'market_divergence_1m_refresh', n.quotes as number],
    ['market_oi_1m', 'market_oi_1m_refresh', n.open_interest as number],
  ];
  const summary: SummaryRow[] = [];
  const details: Record<string, unknown> = {
    hours: HOURS,
    facts: n,
    baseline: { view: 'market_1m_refresh', ...base, rows_per_s: baseRate },
  };
  for (const [name, view, input] of cases) {
    const r = await time(ch, defs.get(view) as string);
    const rate = perSecond(input, r.ms);
    details[name] = { ...r, input_rows: input, rows_per_s: rate };
    summary.push({
      benchmark: `${name} backfill (fact rows/s)`,
      result: `${rate.toLocaleString('en')} rows/s (${input.toLocaleString('en')} rows, ${Math.round(r.ms)} ms, ${r.rows} minutes out)`,
      baseline: `market_1m ${baseRate.toLocaleString('en')} rows/s`,
      ratio: Math.round((rate / baseRate) * 100) / 100,
      target: 'none (reported)',
      met: null,
    });
  }
  await ch.close();
  process.stdout.write(`${machineLine()}\n${summaryTable(summary)}\n`);
  process.stderr.write(`written ${writeResult('derivatives', summary, details)}\n`);
} finally {
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
