/**
 * The embedded ClickHouse host under a slow analyst query: the latency of a notifier-sized
 * poll (the newest 50 rows of a table, every 100 ms) on a quiet host, then while a 5 s query
 * runs, with the host serving one request at a time (CLICKHOUSE_HTTP_SESSIONS=1, as it did
 * before) and with its default sessions side by side. The baseline is the quiet poll measured
 * in the same run on the same host.
 * Run: `npx tsx bench/host-concurrency.bench.ts [--seconds 10] [--slow-seconds 5]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { machineLine } from '../lib/machine.js';
import { startClickHouseHost } from '../stack/clickhouse/host-process.js';
import { runBench } from './cli.js';
import { fmt, percentile, progress, type SummaryRow, summaryTable, table, writeResult } from './report.js';

/** The notifier polls every second; a poll that waits longer than that misses its turn. */
const TARGET_P99_MS = 1_000;
const o = new Command('host-concurrency-bench')
  .description('poll latency on the embedded ClickHouse host while a slow query runs')
  .option('--seconds <n>', 'how long each poll series runs', '10')
  .option('--slow-seconds <n>', 'how long the slow analyst query runs', '5')
  .parse()
  .opts<{ seconds: string; slowSeconds: string }>();
const SECONDS = Number(o.seconds);
const SLOW_SECONDS = Number(o.slowSeconds);

interface Series {
  p50: number;
  p99: number;
  max: number;
  polls: number;
}

async function measure(sessions: number, dir: string): Promise<{ quiet: Series; duringSlow: Series }> {
  process.env.CLICKHOUSE_HTTP_SESSIONS = String(sessions);
  const host = await startClickHouseHost({ dataDir: join(dir, `ch-${sessions}`) });
  const auth = { Authorization: `Basic ${Buffer.from(`default:${host.password}`).toString('base64')}` };
  const post = async (sql: string, params: Record<string, string> = {}) => {
    const res = await fetch(`${host.url}/?${new URLSearchParams(params)}`, {
      method: 'POST',
      body: sql,
      headers: auth,
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${res.status}: ${text.slice(0, 300)}`);
    return text;
  };
  try {
    await post(
      'CREATE TABLE alerts_like (id UInt64, at DateTime64(3), summary String) ENGINE = MergeTree ORDER BY at',
    );
    await post(
      "INSERT INTO alerts_like SELECT number, now64(3) - number, concat('alert ', toString(number)) FROM numbers(100000)",
    );
    const poll = 'SELECT id, at, summary FROM alerts_like ORDER BY at DESC LIMIT 50 FORMAT JSONEachRow';
    const series = async (until: () => boolean): Promise<Series> => {
      const ms: number[] = [];
      while (until()) {
        const started = performance.now();
        await post(poll);
        ms.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return {
        p50: percentile(ms, 50) ?? Number.NaN,
        p99: percentile(ms, 99) ?? Number.NaN,
        max: Math.max(...ms),
        polls: ms.length,
      };
    };
    const quietUntil = performance.now() + SECONDS * 1000;
    const quiet = await series(() => performance.now() < quietUntil);
    // A slow query that holds its session for SLOW_SECONDS whatever the machine's speed.
    let slowRunning = true;
    const rows = SLOW_SECONDS * 2;
    const slow = post(`SELECT sum(sleepEachRow(0.5)) FROM numbers(${rows})`, {
      max_block_size: '1',
      max_threads: '1',
    }).finally(() => {
      slowRunning = false;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const duringSlow = await series(() => slowRunning);
    await slow;
    progress(
      `${sessions} session(s): quiet p99 ${fmt(quiet.p99, 1)} ms, during a ${SLOW_SECONDS} s query p99 ${fmt(duringSlow.p99, 1)} ms (${duringSlow.polls} polls)`,
    );
    return { quiet, duringSlow };
  } finally {
    await host.stop();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tw-host-concurrency-'));
  try {
    const serial = await measure(1, dir);
    const sideBySide = await measure(3, dir);
    const row = (name: string, r: { quiet: Series; duringSlow: Series }) => [
      name,
      fmt(r.quiet.p50, 1),
      fmt(r.quiet.p99, 1),
      fmt(r.duringSlow.p50, 1),
      fmt(r.duringSlow.p99, 1),
      fmt(r.duringSlow.max, 1),
    ];
    const ratio = Math.round((sideBySide.quiet.p99 / sideBySide.duringSlow.p99) * 100) / 100;
    const summary: SummaryRow[] = [
      {
        benchmark: `notifier-sized poll during a ${SLOW_SECONDS} s analyst query (p99)`,
        result: `${fmt(sideBySide.duringSlow.p99, 1)} ms`,
        baseline: `${fmt(sideBySide.quiet.p99, 1)} ms quiet; ${fmt(serial.duringSlow.p99, 1)} ms one session`,
        ratio,
        target: `<= ${fmt(TARGET_P99_MS)} ms`,
        met: sideBySide.duringSlow.p99 <= TARGET_P99_MS,
      },
    ];
    process.stdout.write(
      `${[
        machineLine(),
        table(
          ['host', 'quiet p50 ms', 'quiet p99 ms', 'slow-query p50 ms', 'slow-query p99 ms', 'max ms'],
          [row('1 session (serial, as before)', serial), row('3 sessions (default)', sideBySide)],
        ),
        summaryTable(summary),
      ].join('\n')}\n`,
    );
    const file = writeResult('host-concurrency', summary, {
      seconds: SECONDS,
      slowSeconds: SLOW_SECONDS,
      serial,
      sideBySide,
    });
    process.stdout.write(`results: ${file}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

runBench('host-concurrency', main);
