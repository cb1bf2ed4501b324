/**
 * Market connector throughput on one core: a recording replayed at full speed through the
 * venue adapters (JSON parse, normalisation, duplicate guards, book sequence checks and
 * order-book upkeep, zod contract checks) into a counting sink, against two baselines over
 * the same file in the same run: reading the frames (gunzip + line parse) and reading them
 * plus a bare JSON.parse of each frame. Kafka is left out on purpose: the figure is the
 * connector's own cost; the producer library has its own numbers.
 * Run: `npx tsx bench/market-connector.bench.ts [--frames 300000] [--runs 3]`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { createLogger } from '../lib/log.js';
import { machineLine } from '../lib/machine.js';
import { createMetricsRegistry } from '../lib/service/metrics.js';
import { MarketMetrics } from '../producers/market/metrics.js';
import { Recorder, readRecording } from '../producers/market/recording.js';
import { replayRecording } from '../producers/market/replay.js';
import { DiscardSink } from '../producers/market/sink.js';
import { venues } from '../producers/market/venues/index.js';
import { BinanceScript, BybitScript } from '../producers/market/wire-script.js';

const options = new Command('market-connector.bench')
  .option('--frames <n>', 'frames in the generated recording (half per venue)', (v) => Number(v), 300_000)
  .option('--runs <n>', 'timed runs of each contender (best kept)', (v) => Number(v), 3)
  .parse()
  .opts<{ frames: number; runs: number }>();

/** Writes `frames` frames of Binance and Bybit traffic (2 symbols each), interleaved as live. */
async function writeRecording(path: string, frames: number): Promise<void> {
  const recorder = new Recorder(path);
  const start = Date.now() - 3_600_000;
  const binance = [new BinanceScript('BTCUSDT', start, 1), new BinanceScript('ETHUSDT', start, 2, 3_600)];
  const bybit = [new BybitScript('BTCUSDT', start, 3), new BybitScript('ETHUSDT', start, 4, 3_600)];
  for (const s of bybit) {
    recorder.frame('bybit', s.now, s.orderbookSnapshot());
    recorder.frame('bybit', s.now, s.tickers('snapshot'));
  }
  let written = 4;
  for (let tick = 0; written < frames; tick++) {
    for (const s of binance) {
      s.tick(10);
      recorder.frame('binance', s.now + 20, s.depth());
      if (tick === 0)
        recorder.rest(
          'binance',
          s.now + 25,
          `/fapi/v1/depth?symbol=${s.symbol}&limit=1000`,
          s.depthSnapshot(200),
        );
      recorder.frame('binance', s.now + 20, s.bookTicker());
      recorder.frame('binance', s.now + 20, s.aggTrade());
      recorder.frame('binance', s.now + 20, s.aggTrade());
      if (tick % 100 === 0) recorder.frame('binance', s.now + 20, s.markPrice());
      written += tick % 100 === 0 ? 5 : 4;
    }
    for (const s of bybit) {
      s.tick(10);
      recorder.frame('bybit', s.now + 20, s.orderbookDelta());
      recorder.frame('bybit', s.now + 20, s.publicTrade(2));
      recorder.frame('bybit', s.now + 20, s.tickers('delta'));
      written += 3;
    }
  }
  await recorder.close();
}

async function best<T extends { frames: number; ms: number }>(run: () => Promise<T>): Promise<T> {
  let winner: T | undefined;
  for (let i = 0; i < options.runs; i++) {
    const result = await run();
    if (!winner || result.ms < winner.ms) winner = result;
  }
  return winner as T;
}

const dir = mkdtempSync(join(tmpdir(), 'market-bench-'));
const file = join(dir, 'bench.jsonl.gz');
try {
  await writeRecording(file, options.frames);
  const log = createLogger('bench', { level: 'error', destination: 2 });

  const read = await best(async () => {
    const started = performance.now();
    let frames = 0;
    for await (const line of readRecording(file)) if ('frame' in line) frames += 1;
    return { frames, ms: performance.now() - started };
  });
  const parse = await best(async () => {
    const started = performance.now();
    let frames = 0;
    for await (const line of readRecording(file)) {
      if ('frame' in line && JSON.parse(line.frame) !== null) frames += 1;
    }
    return { frames, ms: performance.now() - started };
  });
  const connector = await best(async () => {
    const sink = new DiscardSink();
    const metrics = new MarketMetrics(createMetricsRegistry('bench'));
    const report = await replayRecording({ file, speed: 'max', rebase: true, venues, sink, metrics, log });
    return { frames: report.frames, ms: report.elapsedMs, events: sink.events };
  });

  const rate = (r: { frames: number; ms: number }) => Math.round((r.frames / r.ms) * 1000);
  const result = {
    machine: machineLine(),
    frames: connector.frames,
    events: connector.events,
    connectorFramesPerSecond: rate(connector),
    readFramesPerSecond: rate(read),
    readAndParseFramesPerSecond: rate(parse),
    ratioToRead: Number((rate(connector) / rate(read)).toFixed(2)),
    ratioToReadAndParse: Number((rate(connector) / rate(parse)).toFixed(2)),
  };
  process.stdout.write(
    `${result.machine}\n` +
      `recording: ${result.frames} frames (Binance + Bybit, 2 symbols each), best of ${options.runs}\n` +
      `  read frames (gunzip + line JSON)        ${result.readFramesPerSecond.toLocaleString('en')} frames/s\n` +
      `  read + JSON.parse each frame            ${result.readAndParseFramesPerSecond.toLocaleString('en')} frames/s\n` +
      `  connector replay, full speed            ${result.connectorFramesPerSecond.toLocaleString('en')} frames/s ` +
      `(${result.events} events; ${result.ratioToReadAndParse}x read+parse, ${result.ratioToRead}x read)\n`,
  );
  const out = resolve(dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'market-connector.json'), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
