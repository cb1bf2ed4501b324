import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../lib/clickhouse/client.js';
import { marketTopics } from '../lib/contracts/market.js';
import type { TopicSpec } from '../lib/contracts/topic-spec.js';
import { EventProducer } from '../lib/kafka/producer.js';
import { type DerivativesDataset, derivativesDataset } from '../test/derivatives-data.js';
import { waitForConsumers } from '../test/kafka-readiness.js';
import { type Pipeline, startPipeline, testLog } from '../test/pipeline-fixture.js';
import { type Row, refreshUntilEqual } from '../test/rollup-compare.js';
import { everyNth } from '../test/warehouse-data.js';
import { cookbookQueries } from './cookbook.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The derivatives rollups against the same figures recomputed from the raw facts, on
 * 80 minutes of perpetuals traffic delivered through Kafka, a quarter of it twice. The
 * reference de-duplicates with `LIMIT 1 BY event_id`, computes returns with a window
 * function and the hour-before baselines with an explicit fan-out join, so it shares
 * neither the rollup's de-duplication nor its window frames.
 */
describe('derivatives rollups', () => {
  let pipeline: Pipeline;
  let producer: EventProducer;
  let data: DerivativesDataset;

  beforeAll(async () => {
    pipeline = await startPipeline();
    producer = await EventProducer.connect(pipeline.kafka, pipeline.config, testLog);
    data = derivativesDataset(16, 80);
    const batches: [TopicSpec<never>, unknown[]][] = [
      [marketTopics.marketTrades as unknown as TopicSpec<never>, data.trades],
      [marketTopics.marketMark as unknown as TopicSpec<never>, data.marks],
      [marketTopics.marketLiquidations as unknown as TopicSpec<never>, data.liquidations],
      [marketTopics.marketBookL1 as unknown as TopicSpec<never>, data.quotes],
      [marketTopics.marketOpenInterest as unknown as TopicSpec<never>, data.openInterest],
    ];
    await waitForConsumers(
      pipeline.kafka,
      pipeline.clickhouse,
      batches.map(([t]) => `${pipeline.config.KAFKA_TOPIC_PREFIX}${t.name}`),
    );
    const deliveries = new Map<string, number>();
    const deliver = async (round: [TopicSpec<never>, unknown[]][]) => {
      for (const [spec, events] of round) {
        const outcome = await producer.produce(spec, events as never[]);
        expect(outcome.rejected).toEqual([]);
        const topic = `${pipeline.config.KAFKA_TOPIC_PREFIX}${spec.name}`;
        deliveries.set(topic, (deliveries.get(topic) ?? 0) + outcome.accepted);
      }
      for (const [topic, n] of deliveries)
        await pipeline.waitForCount(
          `SELECT sum(events) FROM pipeline_events_1m WHERE topic = '${topic}'`,
          n,
          150_000,
        );
    };
    await deliver(batches);
    // Redelivered after the first copies are stored, as after a consumer restart.
    await deliver(batches.map(([spec, events]) => [spec, everyNth(events, 4)]));
  }, 480_000);

  afterAll(async () => {
    await producer?.close();
    await pipeline?.close();
  });

  const rows = (query: string) => queryRows<Row>(pipeline.clickhouse, query);

  it('market_derivs_1m equals flow, whales, volatility, basis, funding and liquidations from the facts', async () => {
    const expected = await refreshUntilEqual(
      pipeline.clickhouse,
      'market_derivs_1m_refresh',
      'market_derivs_1m',
      DERIVS_REFERENCE,
      ['venue', 'symbol', 'minute'],
    );
    // The comparison covers every figure: whales were found, scores computed, liquidations summed.
    expect(expected.reduce((n, r) => n + Number(r.trades), 0)).toBe(data.trades.length);
    expect(expected.reduce((n, r) => n + Number(r.whale_trades), 0)).toBeGreaterThanOrEqual(4);
    expect(expected.filter((r) => r.rv_z !== null).length).toBeGreaterThan(100);
    expect(expected.filter((r) => Number(r.rv_z) > 3).length).toBeGreaterThan(0);
    const liquidated = expected.reduce(
      (n, r) => n + Number(r.long_liquidations) + Number(r.short_liquidations),
      0,
    );
    expect(liquidated).toBe(data.liquidations.length);
    expect(expected.every((r) => r.funding_rate !== null && r.basis_bps !== null)).toBe(true);
  }, 120_000);

  it('market_divergence_1m equals the venues’ mean mids per minute, for symbols on two venues only', async () => {
    const expected = await refreshUntilEqual(
      pipeline.clickhouse,
      'market_divergence_1m_refresh',
      'market_divergence_1m',
      DIVERGENCE_REFERENCE,
      ['symbol', 'minute'],
    );
    expect(new Set(expected.map((r) => r.symbol))).toEqual(new Set(['BTCUSDT']));
    expect(expected).toHaveLength(80);
  }, 120_000);

  it('market_oi_1m equals the last figure per minute and its change against the last one before', async () => {
    const expected = await refreshUntilEqual(
      pipeline.clickhouse,
      'market_oi_1m_refresh',
      'market_oi_1m',
      OI_REFERENCE,
      ['venue', 'symbol', 'minute'],
    );
    expect(expected.reduce((n, r) => n + Number(r.updates), 0)).toBe(data.openInterest.length);
    // ETHUSDT's first figure after its poller's 71-minute outage has nothing to change from.
    const eth = expected.filter((r) => r.symbol === 'ETHUSDT');
    expect(eth.filter((r) => r.previous_open_interest === null)).toHaveLength(2);
    expect(expected.filter((r) => r.oi_change !== null).length).toBeGreaterThan(200);
  }, 120_000);

  it('docs/derivatives.md cookbook queries run on the rollups and answer from them', async () => {
    const queries = cookbookQueries(readFileSync(join(root, 'docs/derivatives.md'), 'utf8'));
    const run = async (id: string) => rows(queries.get(id) as string);
    // CVD at each market's last minute is all its aggressor buys minus sells.
    const cvd = await run('cvd_per_market');
    const lastCvd = new Map(cvd.map((r) => [`${r.venue}:${r.symbol}`, Number(r.cvd)]));
    for (const [market, value] of lastCvd) {
      const own = data.trades.filter((t) => `${t.venue}:${t.symbol}` === market);
      const delta = own.reduce((n, t) => n + (t.side === 'buy' ? t.quantity : -t.quantity), 0);
      expect(value, market).toBeCloseTo(delta, 6);
    }
    expect(lastCvd.size).toBe(4);
    expect((await run('whale_minutes')).length).toBeGreaterThanOrEqual(4);
    expect((await run('funding_now')).map((r) => `${r.venue}:${r.symbol}`).sort()).toEqual(
      [...lastCvd.keys()].sort(),
    );
    const liquidations = await run('liquidations_by_hour');
    expect(liquidations.reduce((n, r) => n + Number(r.longs) + Number(r.shorts), 0)).toBe(
      data.liquidations.length,
    );
    for (const r of await run('oi_moves'))
      expect(Math.abs(Number(r.oi_change_pct))).toBeGreaterThanOrEqual(1);
    expect((await run('divergence_top'))[0]).toMatchObject({ symbol: 'BTCUSDT', venues: 2 });
  }, 120_000);
});

const OI_REFERENCE = `
WITH oi AS (SELECT venue, symbol, occurred_at, event_id, open_interest, open_interest_value
            FROM (SELECT * FROM market_open_interest ORDER BY ingested_at DESC LIMIT 1 BY event_id)),
     mins AS (SELECT venue, symbol, toStartOfMinute(occurred_at) AS minute, count() AS updates,
                arrayReverseSort(x -> (x.1, x.2), groupArray((occurred_at, event_id, open_interest, open_interest_value)))[1] AS last
              FROM oi GROUP BY venue, symbol, minute),
     -- The last figure before each minute, within the hour before: a join over the figures.
     prev AS (SELECT m.venue AS venue, m.symbol AS symbol, m.minute AS minute,
                argMax(o.open_interest, (o.occurred_at, o.event_id)) AS previous_open_interest
              FROM mins AS m INNER JOIN oi AS o ON o.venue = m.venue AND o.symbol = m.symbol
              WHERE o.occurred_at < m.minute AND o.occurred_at >= m.minute - INTERVAL 60 MINUTE
              GROUP BY venue, symbol, minute)
SELECT m.venue AS venue, m.symbol AS symbol, m.minute AS minute, m.updates AS updates,
       m.last.3 AS open_interest, m.last.4 AS open_interest_value, p.previous_open_interest AS previous_open_interest,
       m.last.3 - p.previous_open_interest AS oi_change,
       (m.last.3 - p.previous_open_interest) / p.previous_open_interest * 100 AS oi_change_pct
FROM mins AS m LEFT JOIN prev AS p ON p.venue = m.venue AND p.symbol = m.symbol AND p.minute = m.minute
SETTINGS join_use_nulls = 1`;

const DERIVS_REFERENCE = `
WITH
  t AS (SELECT venue, symbol, toStartOfMinute(occurred_at) AS minute, occurred_at, event_id, side, price, quantity,
               price * quantity AS notional
        FROM (SELECT * FROM market_trades ORDER BY ingested_at DESC LIMIT 1 BY event_id)),
  ret AS (SELECT venue, symbol, minute,
                 log(price) - lagInFrame(log(price)) OVER (PARTITION BY venue, symbol, minute ORDER BY occurred_at, event_id
                   ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS r,
                 row_number() OVER (PARTITION BY venue, symbol, minute ORDER BY occurred_at, event_id) AS n
          FROM t),
  rv AS (SELECT venue, symbol, minute, if(count() >= 2, sqrt(sumIf(r * r, n > 1)) * 10000, NULL) AS rv_bps
         FROM ret GROUP BY venue, symbol, minute),
  pm AS (SELECT venue, symbol, minute, count() AS trades, sumIf(quantity, side = 'buy') AS buy_volume,
                sumIf(quantity, side = 'sell') AS sell_volume,
                sumIf(notional, side = 'buy') - sumIf(notional, side = 'sell') AS notional_delta
         FROM t GROUP BY venue, symbol, minute),
  -- Each trade and each minute's volatility, fanned out to the 60 minutes whose baseline it is in.
  lt AS (SELECT venue, symbol, minute + toIntervalMinute(k) AS target, log(notional) AS x
         FROM t ARRAY JOIN range(1, 61) AS k),
  wt AS (SELECT venue, symbol, target, count() AS n, avg(x) AS mu, varPop(x) AS v FROM lt GROUP BY venue, symbol, target),
  lr AS (SELECT venue, symbol, minute + toIntervalMinute(k) AS target, rv_bps
         FROM rv ARRAY JOIN range(1, 61) AS k WHERE rv_bps IS NOT NULL),
  zr AS (SELECT venue, symbol, target, count() AS n, avg(rv_bps) AS mu, stddevPop(rv_bps) AS sd
         FROM lr GROUP BY venue, symbol, target),
  fl AS (SELECT pm.venue AS venue, pm.symbol AS symbol, pm.minute AS minute, pm.trades AS trades,
                pm.buy_volume AS buy_volume, pm.sell_volume AS sell_volume, pm.notional_delta AS notional_delta,
                rv.rv_bps AS rv_bps,
                if(zr.n >= 10 AND zr.sd > 0, (rv.rv_bps - zr.mu) / zr.sd, NULL) AS rv_z,
                if(wt.n >= 30, exp(wt.mu + 3 * sqrt(greatest(wt.v, 0))), NULL) AS whale_threshold
         FROM pm
         LEFT JOIN rv ON rv.venue = pm.venue AND rv.symbol = pm.symbol AND rv.minute = pm.minute
         LEFT JOIN zr ON zr.venue = pm.venue AND zr.symbol = pm.symbol AND zr.target = pm.minute
         LEFT JOIN wt ON wt.venue = pm.venue AND wt.symbol = pm.symbol AND wt.target = pm.minute),
  wh AS (SELECT fl.venue AS venue, fl.symbol AS symbol, fl.minute AS minute,
                countIf(t.notional >= fl.whale_threshold) AS whale_trades,
                sumIf(t.notional, t.notional >= fl.whale_threshold) AS whale_notional
         FROM fl JOIN t ON t.venue = fl.venue AND t.symbol = fl.symbol AND t.minute = fl.minute
         WHERE fl.whale_threshold IS NOT NULL GROUP BY venue, symbol, minute),
  mk AS (SELECT venue, symbol, toStartOfMinute(occurred_at) AS minute,
                arrayReverseSort(x -> (x.2, x.3), groupArray((mark_price, occurred_at, event_id, index_price, funding_rate, next_funding_at)))[1] AS last,
                avg((mark_price / index_price - 1) * 10000) AS basis_bps
         FROM (SELECT * FROM market_mark ORDER BY ingested_at DESC LIMIT 1 BY event_id) GROUP BY venue, symbol, minute),
  lq AS (SELECT venue, symbol, toStartOfMinute(occurred_at) AS minute,
                countIf(side = 'sell') AS long_liquidations, sumIf(price * quantity, side = 'sell') AS long_liq_notional,
                countIf(side = 'buy') AS short_liquidations, sumIf(price * quantity, side = 'buy') AS short_liq_notional
         FROM (SELECT * FROM market_liquidations ORDER BY ingested_at DESC LIMIT 1 BY event_id) GROUP BY venue, symbol, minute),
  keys AS (SELECT venue, symbol, minute FROM pm UNION DISTINCT SELECT venue, symbol, minute FROM mk
           UNION DISTINCT SELECT venue, symbol, minute FROM lq)
SELECT k.venue AS venue, k.symbol AS symbol, k.minute AS minute,
       ifNull(fl.trades, 0) AS trades, ifNull(fl.buy_volume, 0) AS buy_volume, ifNull(fl.sell_volume, 0) AS sell_volume,
       ifNull(fl.buy_volume - fl.sell_volume, 0) AS volume_delta, ifNull(fl.notional_delta, 0) AS notional_delta,
       fl.whale_threshold AS whale_threshold, ifNull(wh.whale_trades, 0) AS whale_trades,
       ifNull(wh.whale_notional, 0) AS whale_notional, fl.rv_bps AS rv_bps, fl.rv_z AS rv_z,
       mk.last.1 AS mark_price, mk.last.4 AS index_price, mk.basis_bps AS basis_bps,
       mk.basis_bps * 1095 / 10000 AS basis_annualised, mk.last.5 AS funding_rate, mk.last.5 * 1095 AS funding_annualised,
       mk.last.6 AS next_funding_at,
       ifNull(lq.long_liquidations, 0) AS long_liquidations, ifNull(lq.long_liq_notional, 0) AS long_liq_notional,
       ifNull(lq.short_liquidations, 0) AS short_liquidations, ifNull(lq.short_liq_notional, 0) AS short_liq_notional
FROM keys AS k
LEFT JOIN fl ON fl.venue = k.venue AND fl.symbol = k.symbol AND fl.minute = k.minute
LEFT JOIN wh ON wh.venue = k.venue AND wh.symbol = k.symbol AND wh.minute = k.minute
LEFT JOIN mk ON mk.venue = k.venue AND mk.symbol = k.symbol AND mk.minute = k.minute
LEFT JOIN lq ON lq.venue = k.venue AND lq.symbol = k.symbol AND lq.minute = k.minute
SETTINGS join_use_nulls = 1`;

const DIVERGENCE_REFERENCE = `
WITH mids AS (SELECT symbol, venue, toStartOfMinute(occurred_at) AS minute, avg((bid_price + ask_price) / 2) AS mid
              FROM (SELECT * FROM market_book_l1 ORDER BY ingested_at DESC LIMIT 1 BY event_id)
              GROUP BY symbol, venue, minute)
SELECT symbol, minute, count() AS venues,
       arraySort(x -> (-x.1, x.2), groupArray((mid, venue)))[1].2 AS high_venue, max(mid) AS high_mid,
       arraySort(x -> (x.1, x.2), groupArray((mid, venue)))[1].2 AS low_venue, min(mid) AS low_mid,
       (max(mid) / min(mid) - 1) * 10000 AS divergence_bps
FROM mids GROUP BY symbol, minute HAVING venues >= 2`;
