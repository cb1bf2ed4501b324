import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { CompressionTypes } from 'kafkajs';
import { cookbookQueries } from '../clickhouse/cookbook.js';
import { type ClickHouseClient, createClickHouse, queryNumber, queryRows } from '../lib/clickhouse/client.js';
import { type Config, loadConfig } from '../lib/config/config.js';
import { createKafka } from '../lib/kafka/client.js';
import { createLogger } from '../lib/log.js';
import { machineLine } from '../lib/machine.js';
import { waitFor } from '../lib/time.js';
import { startLocalStack } from '../stack/local-stack.js';
import { preparePipeline } from '../stack/pipeline.js';
import { waitForConsumers } from '../test/kafka-readiness.js';
import { eventMix, type MixTopic } from './event-mix.js';
import { measureVariants, variantTable } from './ingest-variants.js';
import { processCpuMs, type SummaryRow, summaryTable, writeResult } from './report.js';
import { warehouseDataSql } from './warehouse-data-sql.js';

/**
 * The warehouse, each figure beside its baseline from the same run:
 *  a. Kafka engine ingest into every fact and rollup (rows/s), against a direct
 *     `INSERT … FORMAT JSONEachRow` of the same rows into the same chain (the `_parsed`
 *     tables, so facts, dead-letter routing, pipeline counts and rollups all run);
 *  b. storage bytes per million trades, market_trades with its codecs against the same
 *     table with ClickHouse's default compression (LZ4) on every column;
 *  c. p50/p95 of every cookbook query over WAREHOUSE_BENCH_TRADES generated trades
 *     (default 10 million) and the other facts in proportion, rollups refreshed.
 * Uses KAFKA_BROKERS/CLICKHOUSE_URL when both are set, else starts the embedded stack.
 */
const PARTS = ['ingest', 'variants', 'storage', 'queries'] as const;
const options = new Command('warehouse-bench')
  .description('Kafka engine ingest vs direct INSERT, storage per million trades, cookbook query latency')
  .option('--only <parts>', `comma-separated subset of ${PARTS.join(',')}`, 'ingest,storage,queries')
  .option(
    '--trades <n>',
    'generated trades the queries run over',
    process.env.WAREHOUSE_BENCH_TRADES ?? '10000000',
  )
  .option(
    '--ingest-copies <n>',
    'copies of the warehouse dataset for ingest (about 1,674 events each)',
    process.env.WAREHOUSE_BENCH_INGEST_COPIES ?? '120',
  )
  .option('--variant-rounds <n>', 'rounds of every ingest chain variant (part "variants")', '2')
  .option(
    '--query-runs <n>',
    'runs per query (the first warms caches)',
    process.env.WAREHOUSE_BENCH_QUERY_RUNS ?? '7',
  )
  .parse()
  .opts<{ only: string; trades: string; ingestCopies: string; queryRuns: string; variantRounds: string }>();
const only = new Set(options.only.split(','));
const unknownPart = [...only].find((p) => !(PARTS as readonly string[]).includes(p));
if (unknownPart)
  throw new Error(`--only: unknown part "${unknownPart}", expected some of ${PARTS.join(',')}`);
const TRADES = Number(options.trades);
const INGEST_COPIES = Number(options.ingestCopies);
const QUERY_RUNS = Number(options.queryRuns);
const VARIANT_ROUNDS = Number(options.variantRounds);
const INGEST_TARGET = 100_000;
const QUERY_P95_TARGET_MS = 1_000;
const REFRESH_VIEWS = ['market_1m_refresh', 'user_risk_daily_refresh', 'token_risk_5m_refresh'];
const log = createLogger('bench', { destination: 2, level: 'warn' });
const progress = (line: string) => process.stderr.write(`  … ${line}\n`);
const perSecond = (rows: number, ms: number) => Math.round(rows / (ms / 1000));

const dir =
  process.env.CLICKHOUSE_URL && process.env.KAFKA_BROKERS ? undefined : mkdtempSync(join(tmpdir(), 'tw-wh-'));
const stack = dir ? await startLocalStack({ dir, log }) : undefined;
const env = { ...process.env, ...stack?.env };
const run = Date.now().toString(36);
const configFor = (name: string): Config =>
  loadConfig({
    ...env,
    CLICKHOUSE_DATABASE: `bench_${name}_${run}`,
    KAFKA_TOPIC_PREFIX: `bench-${name}-${run}.`,
  });
const clientFor = (config: Config) => createClickHouse({ ...config, database: config.CLICKHOUSE_DATABASE });

async function refreshRollups(clickhouse: ClickHouseClient): Promise<void> {
  for (const view of REFRESH_VIEWS) {
    await clickhouse.command({ query: `SYSTEM REFRESH VIEW ${view}` });
    await clickhouse.command({ query: `SYSTEM WAIT VIEW ${view}` });
  }
}

// ---------------------------------------------------------------------------------------
// a. Kafka engine ingest vs direct insert
// ---------------------------------------------------------------------------------------
type Batch = MixTopic;

/** A warehouse fed by Kafka whose every Kafka table holds a committed position, and a producer for it. */
async function kafkaWarehouse(name: string, batches: readonly Batch[]) {
  const config = configFor(name);
  await preparePipeline(config, log);
  const client = clientFor(config);
  const kafka = createKafka(config, log);
  const topicOf = (b: Batch) => `${config.KAFKA_TOPIC_PREFIX}${b.spec.name}`;
  await waitForConsumers(kafka, client, batches.map(topicOf));
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 5 });
  await producer.connect();
  const send = async (b: Batch) => {
    for (let i = 0; i < b.events.length; i += 5_000) {
      await producer.sendBatch({
        acks: -1,
        compression: CompressionTypes.GZIP,
        topicMessages: [
          {
            topic: topicOf(b),
            messages: b.events
              .slice(i, i + 5_000)
              .map((e) => ({ key: b.spec.key(e), value: JSON.stringify(e) })),
          },
        ],
      });
    }
  };
  const drop = async () => {
    await producer.disconnect();
    await client.command({ query: `DROP DATABASE IF EXISTS ${config.CLICKHOUSE_DATABASE} SYNC` });
    await client.close();
  };
  return { config, client, topicOf, send, producer, drop };
}

async function benchVariants() {
  const batches = eventMix(INGEST_COPIES);
  const rows = batches.reduce((n, b) => n + b.events.length, 0);
  progress(`variants: ${rows.toLocaleString('en')} events per run, ${VARIANT_ROUNDS} rounds`);
  const warehouse = await kafkaWarehouse('variants', batches);
  try {
    const figures = await measureVariants({
      clickhouse: warehouse.client,
      config: warehouse.config,
      batches,
      send: warehouse.send,
      rounds: VARIANT_ROUNDS,
      pids: { clickhouse: stack?.clickhouse.child.pid, kafka: stack?.kafka.pid },
      progress,
    });
    return { rows, figures };
  } finally {
    await warehouse.drop();
  }
}

async function benchIngest() {
  const batches = eventMix(INGEST_COPIES);
  const rows = batches.reduce((n, b) => n + b.events.length, 0);
  progress(`ingest: ${rows.toLocaleString('en')} events over ${batches.length} topics`);

  // Kafka path. A new consumer group starts at the end of a topic (librdkafka's default
  // auto.offset.reset), so each Kafka table first dead-letters a probe (its position is then
  // committed); then its parse view is dropped (a Kafka table without views reads nothing),
  // the topics are filled, and the clock runs from re-creating the views until every row is
  // counted in pipeline_events_1m and the rollups are refreshed.
  const {
    client: kafkaClient,
    topicOf,
    send,
    producer,
    config: viaKafka,
  } = await kafkaWarehouse('kafka', batches);
  const counted = (b: Batch, n: number) =>
    waitFor(
      `${b.spec.name} ingested`,
      async () => {
        const seen = await queryNumber(
          kafkaClient,
          `SELECT sum(events) FROM pipeline_events_1m WHERE topic = '${topicOf(b)}'`,
        );
        return seen >= n ? seen : undefined;
      },
      { timeoutMs: 300_000, intervalMs: 100 },
    );
  // Dropped and re-created from its own definition: the embedded host refuses DETACH.
  const parseViews = new Map<string, string>();
  for (const b of batches) {
    const [row] = await queryRows<{ statement: string }>(
      kafkaClient,
      `SHOW CREATE TABLE ${b.table}_parse_mv`,
    );
    parseViews.set(b.table, String(row?.statement));
    await kafkaClient.command({ query: `DROP VIEW ${b.table}_parse_mv SYNC` });
  }
  progress('ingest: consumers at a committed offset and paused; filling the topics');
  for (const b of batches) await send(b);
  await producer.disconnect();
  const hostPid = stack?.clickhouse.child.pid;
  const cpuUsPerEvent = (fromMs: number | undefined) => {
    const now = processCpuMs(hostPid);
    return now === undefined || fromMs === undefined ? undefined : ((now - fromMs) * 1000) / rows;
  };
  const kafkaCpu = processCpuMs(hostPid);
  const kafkaStarted = performance.now();
  for (const b of batches) await kafkaClient.command({ query: parseViews.get(b.table) as string });
  for (const b of batches) await counted(b, b.events.length);
  const kafkaFactsMs = performance.now() - kafkaStarted;
  const kafkaFactsCpu = cpuUsPerEvent(kafkaCpu);
  progress(`ingest: Kafka path wrote every fact in ${Math.round(kafkaFactsMs)} ms; refreshing rollups`);
  await refreshRollups(kafkaClient);
  const kafkaMs = performance.now() - kafkaStarted;

  // Direct path: the same rows into the same chain, minus Kafka and the contract checks.
  const direct = configFor('direct');
  await preparePipeline(direct, log);
  const directClient = clientFor(direct);
  progress('ingest: direct INSERT … FORMAT JSONEachRow of the same rows');
  const directCpu = processCpuMs(hostPid);
  const directStarted = performance.now();
  for (const b of batches) {
    for (let i = 0; i < b.events.length; i += 50_000) {
      await directClient.insert({
        table: `${b.table}_parsed`,
        values: b.events.slice(i, i + 50_000),
        format: 'JSONEachRow',
        // As the Kafka tables do (input_format_skip_unknown_fields = 1).
        clickhouse_settings: { input_format_skip_unknown_fields: 1 },
      });
    }
  }
  const directFactsMs = performance.now() - directStarted;
  const directFactsCpu = cpuUsPerEvent(directCpu);
  await refreshRollups(directClient);
  const directMs = performance.now() - directStarted;

  const check = await queryNumber(kafkaClient, 'SELECT count() FROM market_1m FINAL');
  const checkDirect = await queryNumber(directClient, 'SELECT count() FROM market_1m FINAL');
  for (const [client, config] of [
    [kafkaClient, viaKafka],
    [directClient, direct],
  ] as const) {
    await client.command({ query: `DROP DATABASE IF EXISTS ${config.CLICKHOUSE_DATABASE} SYNC` });
    await client.close();
  }
  return {
    rows,
    kafka: {
      factsMs: kafkaFactsMs,
      totalMs: kafkaMs,
      rowsPerSecond: perSecond(rows, kafkaMs),
      factsCpuUsPerEvent: kafkaFactsCpu,
    },
    direct: {
      factsMs: directFactsMs,
      totalMs: directMs,
      rowsPerSecond: perSecond(rows, directMs),
      factsCpuUsPerEvent: directFactsCpu,
    },
    market1mRows: { kafka: check, direct: checkDirect },
  };
}

// ---------------------------------------------------------------------------------------
// b. Storage per million trades, codecs vs none; c. cookbook latency over TRADES trades
// ---------------------------------------------------------------------------------------
const dataSql = (trades: number): string[] => warehouseDataSql(trades).statements;

async function partBytes(clickhouse: ClickHouseClient, table: string) {
  const [row] = await queryRows<{ rows: string; compressed: string; uncompressed: string }>(
    clickhouse,
    `SELECT sum(rows) AS rows, sum(data_compressed_bytes) AS compressed, sum(data_uncompressed_bytes) AS uncompressed
     FROM system.parts WHERE database = currentDatabase() AND table = {table:String} AND active`,
    { table },
  );
  return {
    rows: Number(row?.rows),
    compressed: Number(row?.compressed),
    uncompressed: Number(row?.uncompressed),
  };
}

async function benchStorage(clickhouse: ClickHouseClient) {
  progress('storage: 1,000,000 trades with and without codecs');
  const [trades] = dataSql(1_000_000);
  await clickhouse.command({ query: 'CREATE TABLE trades_codecs AS market_trades' });
  const columns = await queryRows<{ name: string; type: string }>(
    clickhouse,
    `SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = 'market_trades' ORDER BY position`,
  );
  // The same columns, engine and keys; no CODEC clause: the server default (LZ4) everywhere.
  await clickhouse.command({
    query: `CREATE TABLE trades_plain (${columns.map((c) => `${c.name} ${c.type}`).join(', ')})
            ENGINE = ReplacingMergeTree(ingested_at) PARTITION BY toYYYYMMDD(occurred_at)
            ORDER BY (venue, symbol, occurred_at, event_id)`,
  });
  await clickhouse.command({
    query: (trades as string).replace('INSERT INTO market_trades', 'INSERT INTO trades_codecs'),
  });
  await clickhouse.command({ query: 'INSERT INTO trades_plain SELECT * FROM trades_codecs' });
  for (const table of ['trades_codecs', 'trades_plain']) {
    await clickhouse.command({ query: `OPTIMIZE TABLE ${table} FINAL` });
  }
  const withCodecs = await partBytes(clickhouse, 'trades_codecs');
  const withoutCodecs = await partBytes(clickhouse, 'trades_plain');
  const perColumn = await queryRows<{ column: string; codecs: string; plain: string }>(
    clickhouse,
    `SELECT column, sumIf(column_data_compressed_bytes, table = 'trades_codecs') AS codecs,
            sumIf(column_data_compressed_bytes, table = 'trades_plain') AS plain
     FROM system.parts_columns WHERE database = currentDatabase() AND active
       AND table IN ('trades_codecs', 'trades_plain')
     GROUP BY column ORDER BY plain DESC`,
  );
  await clickhouse.command({ query: 'DROP TABLE trades_codecs SYNC' });
  await clickhouse.command({ query: 'DROP TABLE trades_plain SYNC' });
  const perMillion = (b: { rows: number; compressed: number }) =>
    Math.round((b.compressed / b.rows) * 1_000_000);
  return {
    withCodecs: { ...withCodecs, bytesPerMillion: perMillion(withCodecs) },
    withoutCodecs: { ...withoutCodecs, bytesPerMillion: perMillion(withoutCodecs) },
    perColumn: perColumn.map((c) => ({ column: c.column, codecs: Number(c.codecs), plain: Number(c.plain) })),
  };
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;

async function benchQueries(clickhouse: ClickHouseClient) {
  const generateStarted = performance.now();
  for (const [i, statement] of dataSql(TRADES).entries()) {
    const target = /INSERT INTO (\w+)/.exec(statement)?.[1];
    progress(`queries: generating ${target} (${i + 1}/7)`);
    await clickhouse.command({ query: statement });
  }
  const generateMs = performance.now() - generateStarted;
  const trades = await queryNumber(clickhouse, 'SELECT count() FROM market_trades');
  progress(
    `queries: ${trades.toLocaleString('en')} trades in ${Math.round(generateMs)} ms; refreshing rollups`,
  );
  const refreshStarted = performance.now();
  for (const view of REFRESH_VIEWS) await clickhouse.command({ query: `SYSTEM START VIEW ${view}` });
  await refreshRollups(clickhouse);
  const refreshMs = performance.now() - refreshStarted;

  const queries = cookbookQueries();
  const perQuery: { id: string; rows: number; p50Ms: number; p95Ms: number }[] = [];
  const all: number[] = [];
  for (const [id, sql] of queries) {
    const times: number[] = [];
    let rows = 0;
    for (let k = 0; k < QUERY_RUNS; k += 1) {
      const started = performance.now();
      rows = (await queryRows(clickhouse, sql)).length;
      times.push(performance.now() - started);
    }
    // The first run warms caches (marks, uncompressed blocks); the rest are what a user sees.
    const warm = times.slice(1).sort((a, b) => a - b);
    all.push(...warm);
    perQuery.push({ id, rows, p50Ms: quantile(warm, 0.5), p95Ms: quantile(warm, 0.95) });
    progress(`queries: ${id} p50 ${Math.round(quantile(warm, 0.5))} ms, ${rows} rows`);
  }
  all.sort((a, b) => a - b);
  return {
    trades,
    generateMs,
    rollupBackfillMs: refreshMs,
    perQuery,
    p50Ms: quantile(all, 0.5),
    p95Ms: quantile(all, 0.95),
  };
}

// ---------------------------------------------------------------------------------------
async function floorMs(clickhouse: ClickHouseClient): Promise<number> {
  const times: number[] = [];
  for (let k = 0; k < 20; k += 1) {
    const started = performance.now();
    await queryRows(clickhouse, 'SELECT 1');
    times.push(performance.now() - started);
  }
  return quantile(
    times.sort((a, b) => a - b),
    0.5,
  );
}

const fmt = (n: number) => Math.round(n).toLocaleString('en');

function ingestLines(ingest: Awaited<ReturnType<typeof benchIngest>>): string[] {
  return [
    `a. ingest, ${fmt(ingest.rows)} events over 7 topics into facts + rollups`,
    `   Kafka engine path      ${fmt(ingest.kafka.rowsPerSecond)} rows/s  (facts in ${fmt(ingest.kafka.factsMs)} ms, + rollups ${fmt(ingest.kafka.totalMs)} ms)`,
    `   direct JSONEachRow     ${fmt(ingest.direct.rowsPerSecond)} rows/s  (facts in ${fmt(ingest.direct.factsMs)} ms, + rollups ${fmt(ingest.direct.totalMs)} ms)`,
    `   ratio Kafka / direct   ${(ingest.kafka.rowsPerSecond / ingest.direct.rowsPerSecond).toFixed(2)}x`,
    `   ClickHouse host CPU per event to the facts: Kafka ${ingest.kafka.factsCpuUsPerEvent?.toFixed(1) ?? '-'} µs, direct ${ingest.direct.factsCpuUsPerEvent?.toFixed(1) ?? '-'} µs (the direct path skips the contract checks)`,
  ];
}

function storageLines(storage: Awaited<ReturnType<typeof benchStorage>>): string[] {
  return [
    'b. market_trades storage per million trades (compressed bytes in active parts)',
    `   with codecs            ${fmt(storage.withCodecs.bytesPerMillion)} B`,
    `   default LZ4 only       ${fmt(storage.withoutCodecs.bytesPerMillion)} B  (codecs: ${(storage.withCodecs.bytesPerMillion / storage.withoutCodecs.bytesPerMillion).toFixed(2)}x the size)`,
  ];
}

function queryLines(queries: Awaited<ReturnType<typeof benchQueries>>, floor: number): string[] {
  return [
    `c. ${queries.perQuery.length} cookbook queries over ${fmt(queries.trades)} trades, ${QUERY_RUNS - 1} warm runs each`,
    `   generation ${fmt(queries.generateMs)} ms, rollup backfill ${fmt(queries.rollupBackfillMs)} ms`,
    `   all queries            p50 ${fmt(queries.p50Ms)} ms, p95 ${fmt(queries.p95Ms)} ms  (SELECT 1 round trip ${floor.toFixed(1)} ms)`,
    ...queries.perQuery.map(
      (q) => `   ${q.id.padEnd(34)} p50 ${fmt(q.p50Ms).padStart(6)} ms  p95 ${fmt(q.p95Ms).padStart(6)} ms`,
    ),
  ];
}

try {
  process.stdout.write(`${machineLine()}\n`);
  const lines: string[] = [];
  const summary: SummaryRow[] = [];
  const details: Record<string, unknown> = {};
  if (only.has('ingest')) {
    const ingest = await benchIngest();
    details.ingest = ingest;
    lines.push(...ingestLines(ingest));
    summary.push({
      benchmark: `Kafka -> ClickHouse ingest, facts + rollups (${fmt(ingest.rows)} events)`,
      result: `${fmt(ingest.kafka.rowsPerSecond)} rows/s`,
      baseline: `${fmt(ingest.direct.rowsPerSecond)} rows/s direct INSERT`,
      ratio: Math.round((ingest.kafka.rowsPerSecond / ingest.direct.rowsPerSecond) * 100) / 100,
      target: `>= ${fmt(INGEST_TARGET)} ev/s`,
      met: ingest.kafka.rowsPerSecond >= INGEST_TARGET,
    });
  }
  if (only.has('variants')) {
    const variants = await benchVariants();
    details.variants = variants;
    lines.push(
      `a2. ingest chain variants, ${fmt(variants.rows)} events a run, Kafka → every fact (median of ${VARIANT_ROUNDS}, alternating)`,
      ...variantTable(variants.figures),
    );
  }
  if (only.has('storage') || only.has('queries')) {
    const queriesConfig = configFor('queries');
    await preparePipeline(queriesConfig, log);
    const clickhouse = clientFor(queriesConfig);
    // Paused while the data is generated (they would recompute it piecemeal), started again
    // for the backfill that is timed.
    for (const view of REFRESH_VIEWS) await clickhouse.command({ query: `SYSTEM STOP VIEW ${view}` });
    if (only.has('storage')) {
      const storage = await benchStorage(clickhouse);
      details.storage = storage;
      lines.push(...storageLines(storage));
    }
    if (only.has('queries')) {
      const queries = await benchQueries(clickhouse);
      const floor = await floorMs(clickhouse);
      details.queries = { ...queries, selectOneMs: floor };
      lines.push(...queryLines(queries, floor));
      summary.push({
        benchmark: `cookbook queries p50/p95 (${fmt(queries.trades)} trades)`,
        result: `${fmt(queries.p50Ms)} / ${fmt(queries.p95Ms)} ms`,
        baseline: `SELECT 1: ${floor.toFixed(1)} ms`,
        ratio: null,
        target: `p95 <= ${fmt(QUERY_P95_TARGET_MS)} ms`,
        met: queries.p95Ms <= QUERY_P95_TARGET_MS,
      });
    }
    await clickhouse.command({ query: `DROP DATABASE IF EXISTS ${queriesConfig.CLICKHOUSE_DATABASE} SYNC` });
    await clickhouse.close();
  }
  process.stdout.write(`${lines.join('\n')}\n${summaryTable(summary)}\n`);
  const file = writeResult('warehouse', summary, {
    settings: {
      parts: [...only],
      trades: TRADES,
      ingestCopies: INGEST_COPIES,
      queryRuns: QUERY_RUNS,
      variantRounds: VARIANT_ROUNDS,
    },
    ...details,
  });
  process.stdout.write(`results: ${file}\n`);
} finally {
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
