import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ClickHouseClient, createClickHouse, queryNumber, queryRows } from '../lib/clickhouse/client.js';
import { loadConfig } from '../lib/config/config.js';
import { createLogger } from '../lib/log.js';
import { machineLine } from '../lib/machine.js';
import { createTradeGenerator } from '../producers/sample/trade-generator.js';
import { startLocalStack } from '../stack/local-stack.js';
import { preparePipeline } from '../stack/pipeline.js';
import { fmt, progress, type SummaryRow, summaryTable, table, writeResult } from './report.js';

/**
 * What fsync on insert costs ClickHouse ingest: trades inserted into the market_trades chain
 * (`market_trades_parsed` → views → the ReplacingMergeTree fact), as the Kafka engine inserts
 * them, one block (one part) at a time, with the table as the migrations make it (baseline:
 * parts reach the page cache, the kernel writes them back later) and with
 * `fsync_after_insert = 1, fsync_part_directory = 1` set on it. Block sizes span what the
 * Kafka engine makes: rate × kafka_flush_interval_ms, from a quiet topic to a busy one.
 * Runs alternate between the two so machine noise falls on both; the median run is reported.
 */
const BLOCK_SIZES = (process.env.DURABILITY_BENCH_BLOCKS ?? '500,5000,20000').split(',').map(Number);
const PARTS_PER_RUN = Number(process.env.DURABILITY_BENCH_PARTS ?? 30);
const RUNS = Number(process.env.DURABILITY_BENCH_RUNS ?? 3);
const FSYNC = 'fsync_after_insert = 1, fsync_part_directory = 1';

const log = createLogger('bench', { destination: 2, level: 'warn' });
const dir = mkdtempSync(join(tmpdir(), 'tw-durability-'));
const stack = await startLocalStack({ dir, log });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function database(name: string): Promise<ClickHouseClient> {
  const config = loadConfig({
    ...process.env,
    ...stack.env,
    CLICKHOUSE_DATABASE: name,
    KAFKA_TOPIC_PREFIX: `${name}.`,
  });
  await preparePipeline(config, log);
  const clickhouse = createClickHouse({ ...config, database: name });
  // Merges would run in the background of one run and be paid by the next.
  await clickhouse.command({ query: 'SYSTEM STOP MERGES market_trades' });
  return clickhouse;
}

/** The engine's own count of fsync calls and the time spent in them (process-wide, cumulative). */
async function fsyncCounters(clickhouse: ClickHouseClient): Promise<{ calls: number; us: number }> {
  const rows = await queryRows<{ event: string; value: string }>(
    clickhouse,
    "SELECT event, toString(value) AS value FROM system.events WHERE event IN ('FileSync', 'FileSyncElapsedMicroseconds', 'DirectorySync', 'DirectorySyncElapsedMicroseconds')",
  );
  const get = (name: string) => Number(rows.find((r) => r.event === name)?.value ?? 0);
  return {
    calls: get('FileSync') + get('DirectorySync'),
    us: get('FileSyncElapsedMicroseconds') + get('DirectorySyncElapsedMicroseconds'),
  };
}

interface Run {
  rowsPerSecond: number;
  /** fsync calls and milliseconds spent in them, per inserted part. */
  fsyncsPerPart: number;
  fsyncMsPerPart: number;
}

/** PARTS_PER_RUN blocks of `block` trades, each insert a part. */
async function ingest(clickhouse: ClickHouseClient, block: number, fsync: boolean): Promise<Run> {
  await clickhouse.command({
    query: fsync
      ? `ALTER TABLE market_trades MODIFY SETTING ${FSYNC}`
      : 'ALTER TABLE market_trades RESET SETTING fsync_after_insert, fsync_part_directory',
  });
  const next = createTradeGenerator({ seed: block });
  const blocks = Array.from({ length: PARTS_PER_RUN }, () => Array.from({ length: block }, () => next()));
  await clickhouse.command({ query: 'TRUNCATE TABLE market_trades' });
  const before = await fsyncCounters(clickhouse);
  const started = performance.now();
  for (const values of blocks)
    await clickhouse.insert({
      table: 'market_trades_parsed',
      values,
      format: 'JSONEachRow',
      clickhouse_settings: { input_format_skip_unknown_fields: 1 },
    });
  const ms = performance.now() - started;
  const after = await fsyncCounters(clickhouse);
  const stored = await queryNumber(clickhouse, 'SELECT count() FROM market_trades');
  if (stored !== blocks.length * block)
    throw new Error(`expected ${blocks.length * block} rows, found ${stored}`);
  return {
    rowsPerSecond: (blocks.length * block) / (ms / 1000),
    fsyncsPerPart: (after.calls - before.calls) / blocks.length,
    fsyncMsPerPart: (after.us - before.us) / 1000 / blocks.length,
  };
}

const medianRun = (runs: Run[]): Run => ({
  rowsPerSecond: median(runs.map((r) => r.rowsPerSecond)),
  fsyncsPerPart: median(runs.map((r) => r.fsyncsPerPart)),
  fsyncMsPerPart: median(runs.map((r) => r.fsyncMsPerPart)),
});

try {
  const clickhouse = await database('durability');
  const measured: { block: number; plain: Run; fsync: Run }[] = [];
  for (const block of BLOCK_SIZES) {
    const runs = { plain: [] as Run[], fsync: [] as Run[] };
    for (let run = 0; run < RUNS; run += 1) {
      runs.plain.push(await ingest(clickhouse, block, false));
      runs.fsync.push(await ingest(clickhouse, block, true));
      progress(`block ${block}: run ${run + 1}/${RUNS}`);
    }
    measured.push({ block, plain: medianRun(runs.plain), fsync: medianRun(runs.fsync) });
  }
  const summary: SummaryRow[] = measured.map((m) => ({
    benchmark: `trade ingest, ${fmt(m.block)}-row blocks, ${FSYNC}`,
    result: `${fmt(m.fsync.rowsPerSecond)} rows/s`,
    baseline: `${fmt(m.plain.rowsPerSecond)} rows/s without fsync`,
    ratio: m.fsync.rowsPerSecond / m.plain.rowsPerSecond,
    target: 'informational',
    met: null,
  }));
  process.stdout.write(
    `${machineLine()}\n${table(
      [
        'block rows',
        'no fsync rows/s',
        'fsync rows/s',
        'cost',
        'fsyncs/part',
        'fsync ms/part',
        'baseline fsyncs/part',
      ],
      measured.map((m) => [
        fmt(m.block),
        fmt(m.plain.rowsPerSecond),
        fmt(m.fsync.rowsPerSecond),
        `${fmt((1 - m.fsync.rowsPerSecond / m.plain.rowsPerSecond) * 100, 1)} %`,
        fmt(m.fsync.fsyncsPerPart, 1),
        fmt(m.fsync.fsyncMsPerPart, 1),
        fmt(m.plain.fsyncsPerPart, 1),
      ]),
    )}\n\n${summaryTable(summary)}\n`,
  );
  const file = writeResult('durability', summary, {
    settings: { blockSizes: BLOCK_SIZES, partsPerRun: PARTS_PER_RUN, runs: RUNS, fsync: FSYNC },
    measured,
  });
  process.stdout.write(`results: ${file}\n`);
  await clickhouse.close();
} finally {
  await stack.stop();
  rmSync(dir, { recursive: true, force: true });
}
