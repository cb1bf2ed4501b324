import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryNumber, queryRows } from '../../lib/clickhouse/client.js';
import { EventProducer } from '../../lib/kafka/producer.js';
import { createMetricsRegistry } from '../../lib/service/metrics.js';
import { type Pipeline, startPipeline, testLog } from '../../test/pipeline-fixture.js';
import { MarketMetrics, metricValue } from './metrics.js';
import { Recorder, readRecording } from './recording.js';
import { replayRecording } from './replay.js';
import { KafkaSink } from './sink.js';
import { venues } from './venues/index.js';

const samples = join(dirname(fileURLToPath(import.meta.url)), 'samples');

/** The shipped samples, replayed at full speed through the venue adapters, fill the facts of the three venues. */
describe('replay', () => {
  let pipeline: Pipeline;
  let producer: EventProducer;
  let dir: string;

  beforeAll(async () => {
    pipeline = await startPipeline();
    producer = await EventProducer.connect(pipeline.kafka, pipeline.config, testLog);
    dir = mkdtempSync(join(tmpdir(), 'market-replay-'));
  });

  afterAll(async () => {
    await producer?.close();
    await pipeline?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('plays the three samples into Kafka and ClickHouse, with each recorded gap reported once', async () => {
    const metrics = new MarketMetrics(createMetricsRegistry('replay-test'));
    // A small buffer: the replay must wait for Kafka rather than drop.
    const sink = new KafkaSink({ producer, capacity: 3000, batchMax: 1000, metrics, log: testLog });
    for (const file of ['binance-usdm.jsonl.gz', 'bybit-linear.jsonl.gz', 'okx-swap.jsonl.gz']) {
      const report = await replayRecording({
        file: join(samples, file),
        speed: 'max',
        rebase: true,
        venues,
        sink,
        metrics,
        log: testLog,
      });
      expect(report.skippedLines).toBe(0);
    }
    await sink.close();
    expect(await metricValue(metrics.dropped)).toBe(0);
    expect(await metricValue(metrics.malformed)).toBe(0);
    // Everything accepted into the buffer but the integrity events, which have their own table.
    const sent = (await metricValue(metrics.events)) - (await metricValue(metrics.integrity));

    const facts = ['market_trades', 'market_book_l1', 'market_depth', 'market_mark', 'market_liquidations'];
    // Open interest comes only from OKX's stream (the others' is polled over REST).
    const union = [...facts, 'market_open_interest'].map((f) => `SELECT venue FROM ${f}`).join(' UNION ALL ');
    await pipeline.waitForCount(`SELECT count() FROM (${union}) SETTINGS union_default_mode = 'ALL'`, sent);
    const rows = await queryRows<{ fact: string; venue: string; n: string }>(
      pipeline.clickhouse,
      `${facts
        .map((f) => `SELECT '${f}' AS fact, venue, count() AS n FROM ${f} GROUP BY venue`)
        .join(' UNION ALL ')} ORDER BY fact, venue`,
    );
    for (const fact of facts) {
      for (const venue of ['binance', 'bybit', 'okx']) {
        expect(
          Number(rows.find((r) => r.fact === fact && r.venue === venue)?.n ?? 0),
          `${fact} ${venue}`,
        ).toBeGreaterThan(0);
      }
    }
    expect(
      await queryNumber(pipeline.clickhouse, "SELECT count() FROM market_open_interest WHERE venue = 'okx'"),
    ).toBe(20);
    // The one gap in the Binance and in the OKX sample, found and reported; nothing else looked wrong.
    await pipeline.waitForCount('SELECT count() FROM market_integrity', 2);
    const integrity = await queryRows<{ venue: string; symbol: string; kind: string }>(
      pipeline.clickhouse,
      'SELECT venue, symbol, toString(kind) AS kind FROM market_integrity ORDER BY venue',
    );
    expect(integrity).toEqual([
      { venue: 'binance', symbol: 'BTCUSDT', kind: 'sequence_gap' },
      { venue: 'okx', symbol: 'ETHUSDT', kind: 'sequence_gap' },
    ]);
    // Rebased: the sample reads as a fresh feed, with its recorded latency.
    const [fresh] = await queryRows<{ age_s: string; p50_latency_ms: string }>(
      pipeline.clickhouse,
      `SELECT dateDiff('second', max(received_at), now64(3)) AS age_s,
              quantileExact(0.5)(dateDiff('millisecond', occurred_at, received_at)) AS p50_latency_ms
       FROM market_trades`,
    );
    expect(Number(fresh?.age_s)).toBeLessThan(300);
    expect(Number(fresh?.p50_latency_ms)).toBeGreaterThanOrEqual(5);
    expect(Number(fresh?.p50_latency_ms)).toBeLessThanOrEqual(45);
  });

  it('records frames and REST replies that read back in order', async () => {
    const file = join(dir, 'roundtrip.jsonl.gz');
    const recorder = new Recorder(file);
    recorder.frame('binance', 1, '{"a":1}');
    recorder.rest(
      'binance',
      2,
      'https://fapi.binance.com/fapi/v1/depth?symbol=BTCUSDT&limit=1000',
      '{"lastUpdateId":1}',
    );
    await recorder.close();
    const lines = [];
    for await (const line of readRecording(file)) lines.push(line);
    expect(lines).toEqual([
      { t: 1, venue: 'binance', frame: '{"a":1}' },
      {
        t: 2,
        venue: 'binance',
        rest: '/fapi/v1/depth?symbol=BTCUSDT&limit=1000',
        body: '{"lastUpdateId":1}',
      },
    ]);
  });
});
