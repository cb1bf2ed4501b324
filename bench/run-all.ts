/**
 * `make bench` / `npm run bench`: every benchmark, one after another (each starts its own
 * broker and ClickHouse, so none measures another's load), then one summary table:
 * benchmark, result, baseline, ratio, target, met?. Sizes keep the whole run near 15
 * minutes on 2 cores; `--big` runs each at a size worth quoting. Each benchmark also runs
 * alone: `npx tsx bench/<name>.bench.ts --help`.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Command } from 'commander';
import { machineLine } from '../lib/machine.js';
import { fmt, type SummaryRow, summaryTable, writeResult } from './report.js';
import { ROOT } from './services.js';

/** Each benchmark with its arguments for the ~15 minute run and for `--big` (space-separated). */
const BENCHES: Record<string, { file: string; quick: string; big: string }> = {
  producer: {
    file: 'bench/producer.bench.ts',
    quick: '--events 150000 --rounds 5',
    big: '--events 1000000 --rounds 9',
  },
  warehouse: {
    file: 'bench/warehouse.bench.ts',
    quick: '--ingest-copies 120 --trades 10000000',
    big: '--ingest-copies 600 --trades 10000000 --query-runs 11',
  },
  backtest: {
    file: 'bench/backtest.bench.ts',
    quick: '--trades 10000000 --step-s 300',
    big: '--trades 10000000 --step-s 60',
  },
  'alert-latency': {
    file: 'bench/alert-latency.bench.ts',
    quick: '--plants 6 --seconds 120',
    big: '--plants 25 --seconds 600',
  },
  'host-concurrency': {
    file: 'bench/host-concurrency.bench.ts',
    quick: '--seconds 10 --slow-seconds 5',
    big: '--seconds 30 --slow-seconds 5',
  },
  'broker-scaling': {
    file: 'bench/broker-scaling.bench.ts',
    quick: '--events 60000 --rounds 3',
    big: '--events 300000 --rounds 5',
  },
  // Small: the frame script computes each checksum from the venue's whole book, sorted (as OKX
  // documents it), so building the frames grows faster than their count (100k did not finish
  // in 25 min on a loaded machine; 20k take ~30 s). The ratio is per frame either way.
  'okx-connector': {
    file: 'bench/okx-connector.bench.ts',
    quick: '--frames 20000 --runs 3',
    big: '--frames 60000 --runs 5',
  },
  recovery: { file: 'bench/recovery.bench.ts', quick: '--rounds 3', big: '--rounds 10' },
  memory: { file: 'bench/memory.bench.ts', quick: '--seconds 60', big: '--seconds 300' },
};

const o = new Command('bench')
  .description('run every benchmark against its baseline and print one summary table')
  .option('--only <names>', `comma-separated subset of ${Object.keys(BENCHES).join(',')}`)
  .option('--big', 'larger sizes (about an hour): more events, more plants, longer load')
  .parse()
  .opts<{ only?: string; big?: boolean }>();
const names = o.only ? o.only.split(',') : Object.keys(BENCHES);
const unknown = names.find((n) => !(n in BENCHES));
if (unknown)
  throw new Error(
    `--only: unknown benchmark "${unknown}", expected some of ${Object.keys(BENCHES).join(',')}`,
  );

/** Runs one benchmark, its lines prefixed as progress; resolves with its JSON result's path. */
function runBench(
  name: string,
  file: string,
  args: string[],
): Promise<{ resultFile?: string; code: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let resultFile: string | undefined;
    const relay = (stream: NodeJS.ReadableStream) =>
      createInterface({ input: stream }).on('line', (line) => {
        // Library warnings in JSON (pino) stay out of the progress view.
        if (line.startsWith('{"level"')) return;
        const m = /^results: (.+\.json)$/.exec(line);
        if (m) resultFile = m[1];
        process.stdout.write(`[${name}] ${line}\n`);
      });
    relay(child.stdout as NodeJS.ReadableStream);
    relay(child.stderr as NodeJS.ReadableStream);
    child.on('exit', (code) => resolve({ resultFile, code: code ?? 1 }));
  });
}

const started = Date.now();
process.stdout.write(`${machineLine()}\nbenchmarks: ${names.join(', ')}${o.big ? ' (big)' : ''}\n`);
const rows: SummaryRow[] = [];
const runs: Record<string, { code: number; resultFile?: string; seconds: number }> = {};
for (const [i, name] of names.entries()) {
  const bench = BENCHES[name] as (typeof BENCHES)[string];
  const args = (o.big ? bench.big : bench.quick).split(' ');
  process.stdout.write(`\n== ${i + 1}/${names.length} ${name}: ${bench.file} ${args.join(' ')}\n`);
  const benchStarted = Date.now();
  const { resultFile, code } = await runBench(name, bench.file, args);
  runs[name] = { code, resultFile, seconds: Math.round((Date.now() - benchStarted) / 1000) };
  if (code !== 0 || !resultFile) {
    rows.push({
      benchmark: name,
      result: `failed (exit ${code})`,
      baseline: '-',
      ratio: null,
      target: '-',
      met: false,
    });
    continue;
  }
  const body = JSON.parse(readFileSync(resultFile, 'utf8')) as { summary?: SummaryRow[] };
  rows.push(...(body.summary ?? []));
}
const minutes = (Date.now() - started) / 60_000;
process.stdout.write(`\n${machineLine()}\nall benchmarks in ${fmt(minutes, 1)} min\n${summaryTable(rows)}\n`);
const file = writeResult('summary', rows, { big: Boolean(o.big), runs, minutes });
process.stdout.write(`results: ${join(file)}\n`);
if (Object.values(runs).some((r) => r.code !== 0)) process.exitCode = 1;
