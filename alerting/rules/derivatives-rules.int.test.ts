import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryNumber } from '../../lib/clickhouse/client.js';
import { topics } from '../../lib/contracts/topics.js';
import { EventProducer } from '../../lib/kafka/producer.js';
import { createMetricsRegistry } from '../../lib/service/metrics.js';
import { derivativesTape, type TapeCase, writeTape } from '../../producers/market/derivatives-tape.js';
import { MarketMetrics, metricValue } from '../../producers/market/metrics.js';
import { replayRecording } from '../../producers/market/replay.js';
import { KafkaSink } from '../../producers/market/sink.js';
import { venues } from '../../producers/market/venues/index.js';
import { type Pipeline, startPipeline, testLog } from '../../test/pipeline-fixture.js';
import { type BacktestAlert, backtestRule } from '../backtest/backtest.js';
import { installRules, refreshRuleNow } from './loader.js';

const DERIVATIVES_RULES = [
  'whale-trade',
  'volatility-spike',
  'liquidation-cascade',
  'funding-extreme',
  'cross-venue-divergence',
  'oi-spike',
];
/** The market-health rules, whose cases the same tape carries on markets of their own. */
const MARKET_RULES = ['price-spike', 'spread-blowout', 'depth-collapse', 'book-integrity', 'stale-feed'];
const RULES = [...DERIVATIVES_RULES, ...MARKET_RULES];

/**
 * The derivatives rules on a crafted tape replayed through the real Binance and Bybit
 * adapters into Kafka and ClickHouse. Each rule is evaluated as of one second after the
 * tape ends (the backtest's as-of evaluation of the exact SQL the live view runs), so the
 * verdict does not depend on how long the replay and ingestion took on a busy machine.
 */
describe('derivatives rules on a replayed tape', () => {
  let pipeline: Pipeline;
  let producer: EventProducer;
  let dir: string;
  let cases: TapeCase[];
  let at: number;

  beforeAll(async () => {
    pipeline = await startPipeline();
    producer = await EventProducer.connect(pipeline.kafka, pipeline.config, testLog);
    dir = mkdtempSync(join(tmpdir(), 'derivatives-tape-'));
    const tape = derivativesTape(Date.now() - 5_000);
    cases = tape.cases.filter((c) => RULES.includes(c.rule));
    at = tape.end + 1_000;
    const file = join(dir, 'tape.jsonl.gz');
    await writeTape(file, tape.lines);
    const metrics = new MarketMetrics(createMetricsRegistry('derivatives-tape'));
    const sink = new KafkaSink({ producer, capacity: 5000, batchMax: 1000, metrics, log: testLog });
    const report = await replayRecording({
      file,
      speed: 'max',
      rebase: false,
      venues,
      sink,
      metrics,
      log: testLog,
    });
    await sink.close();
    // Open interest enters as the REST poller publishes it: the market.open_interest contract, through Kafka.
    const oi = await producer.produce(topics.marketOpenInterest, tape.openInterest);
    expect(oi.rejected).toEqual([]);
    expect(report.skippedLines).toBe(0);
    expect(await metricValue(metrics.malformed)).toBe(0);
    expect(await metricValue(metrics.dropped)).toBe(0);
    const sent = (await metricValue(metrics.events)) - (await metricValue(metrics.integrity));
    const facts = ['market_trades', 'market_book_l1', 'market_depth', 'market_mark', 'market_liquidations'];
    await pipeline.waitForCount(
      'SELECT count() FROM market_open_interest',
      tape.openInterest.length,
      180_000,
    );
    const union = facts.map((f) => `SELECT event_id FROM ${f}`).join(' UNION ALL ');
    await pipeline.waitForCount(`SELECT count() FROM (${union})`, sent, 180_000);
    await installRules(pipeline.clickhouse, testLog, { refreshSeconds: 3600, only: RULES });
  }, 480_000);

  afterAll(async () => {
    await producer?.close();
    await pipeline?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fires on every planted case, never on its negative control or on ordinary markets', async () => {
    const found: { rule: string; alert: BacktestAlert }[] = [];
    for (const rule of RULES) {
      const result = await backtestRule(pipeline.clickhouse, { ruleId: rule, fromMs: at, toMs: at });
      found.push(...result.alerts.map((alert) => ({ rule, alert })));
    }
    const fired = found.map((f) => `${f.rule} ${f.alert.entity}`).sort();
    const planted = cases.filter((c) => c.planted).map((c) => `${c.rule} ${c.entity}`);
    const controls = cases.filter((c) => !c.planted).map((c) => `${c.rule} ${c.entity}`);
    expect(fired).toEqual([...planted].sort());
    expect(fired.filter((f) => controls.includes(f))).toEqual([]);
    expect(controls.length).toBeGreaterThanOrEqual(RULES.length);
    // Evidence says why: the flip names both rates, the cascade how far the price ran.
    const evidence = (rule: string, entity: string) =>
      JSON.parse(found.find((f) => f.rule === rule && f.alert.entity === entity)?.alert.evidence ?? '{}');
    expect(evidence('funding-extreme', 'binance:FLIPUSDT')).toMatchObject({
      kind: 'flip',
      earlier_rate: 0.0005,
    });
    expect(evidence('funding-extreme', 'binance:FUNDUSDT')).toMatchObject({ kind: 'extreme' });
    expect(evidence('liquidation-cascade', 'binance:LIQUSDT').through_bps).toBeGreaterThan(100);
    expect(evidence('cross-venue-divergence', 'bybit>binance:DIVUSDT').held_bps).toBeGreaterThan(30);
    // The Bybit adapter saw the skipped update id; the restart's snapshot raised nothing.
    expect(evidence('book-integrity', 'bybit:GAPUSDT').events).toEqual([
      expect.objectContaining({ kind: 'sequence_gap' }),
    ]);
  }, 120_000);

  it('runs as installed live views against the same facts', async () => {
    // The live views evaluate at the real now, later than the tape: they must run cleanly;
    // what they find then depends on how long ingestion took, so only errors are checked.
    for (const rule of RULES) await refreshRuleNow(pipeline.clickhouse, rule);
    const failed = await queryNumber(
      pipeline.clickhouse,
      "SELECT count() FROM system.view_refreshes WHERE database = currentDatabase() AND exception != ''",
    );
    expect(failed).toBe(0);
  }, 120_000);
});
