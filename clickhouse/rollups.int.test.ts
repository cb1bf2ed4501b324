import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryNumber, queryRows } from '../lib/clickhouse/client.js';
import type { TopicSpec } from '../lib/contracts/topic-spec.js';
import { EventProducer } from '../lib/kafka/producer.js';
import { waitForConsumers } from '../test/kafka-readiness.js';
import { type Pipeline, startPipeline, testLog } from '../test/pipeline-fixture.js';
import { type Row, refreshUntilEqual } from '../test/rollup-compare.js';
import {
  datasetBatches,
  everyNth,
  type WarehouseDataset,
  warehouseDataset,
  warehouseTopics,
} from '../test/warehouse-data.js';

/**
 * Each rollup against the same figure recomputed from the raw facts, on generated data
 * delivered through Kafka with a quarter of every topic delivered twice. The reference
 * queries de-duplicate with `LIMIT 1 BY event_id`, not FINAL, so they do not share the
 * rollups' mechanism.
 */
describe('warehouse rollups', () => {
  let pipeline: Pipeline;
  let producer: EventProducer;
  let data: WarehouseDataset;
  const delivered = new Map<string, number>();

  const prefixed = (spec: TopicSpec<never>) => `${pipeline.config.KAFKA_TOPIC_PREFIX}${spec.name}`;

  /** Produces, then waits until ClickHouse wrote every delivery so far (counted per topic). */
  const deliver = async (batches: [TopicSpec<never>, unknown[]][]) => {
    await Promise.all(
      batches.map(async ([spec, events]) => {
        const outcome = await producer.produce(spec, events as never[]);
        expect(outcome.rejected).toEqual([]);
        delivered.set(prefixed(spec), (delivered.get(prefixed(spec)) ?? 0) + outcome.accepted);
      }),
    );
    for (const [topic, n] of delivered) {
      // pipeline_events_1m counts every delivery and never shrinks (a merge of a fact can).
      await pipeline.waitForCount(
        `SELECT sum(events) FROM pipeline_events_1m WHERE topic = '${topic}'`,
        n,
        150_000,
      );
    }
  };

  beforeAll(async () => {
    pipeline = await startPipeline();
    producer = await EventProducer.connect(pipeline.kafka, pipeline.config, testLog);
    data = warehouseDataset(5);
    await waitForConsumers(
      pipeline.kafka,
      pipeline.clickhouse,
      warehouseTopics.map((t) => `${pipeline.config.KAFKA_TOPIC_PREFIX}${t.name}`),
    );
    const batches = datasetBatches(data);
    await deliver(batches);
    // A quarter of every topic again, once the first copies are stored: the second copies
    // land in other blocks and parts, as a redelivery after a consumer restart does.
    await deliver(batches.map(([spec, events]) => [spec, everyNth(events, 4)]));
  });

  afterAll(async () => {
    await producer?.close();
    await pipeline?.close();
  });

  const rows = (query: string) => queryRows<Row>(pipeline.clickhouse, query);

  it('holds the deliveries, duplicates included, so the rollups have duplicates to ignore', async () => {
    const raw = await queryNumber(pipeline.clickhouse, 'SELECT count() FROM market_trades');
    const distinct = await queryNumber(pipeline.clickhouse, 'SELECT uniqExact(event_id) FROM market_trades');
    expect(distinct).toBe(data.trades.length);
    // Unless a merge already collapsed them, the raw table holds the second copies too.
    expect(raw).toBeGreaterThanOrEqual(distinct);
  });

  it('pipeline_events_1m counts every delivery per topic, and dead letters per topic', async () => {
    const counted = await rows('SELECT topic, sum(events) AS n FROM pipeline_events_1m GROUP BY topic');
    expect(Object.fromEntries(counted.map((r) => [r.topic, Number(r.n)]))).toEqual(
      Object.fromEntries(delivered),
    );
    const last = await rows(
      `SELECT topic, source, last_event_at FROM pipeline_last_event WHERE topic LIKE '%market.trades'`,
    );
    expect(last.map((r) => r.source).sort()).toEqual(['feed-a', 'feed-b']);
    const newestTrade = Math.max(...data.trades.map((t) => t.occurred_at));
    expect(Math.max(...last.map((r) => Date.parse(`${r.last_event_at as string}Z`)))).toBe(newestTrade);
  });

  it('pipeline_kafka_consumers shows one consumer per Kafka table, with what it read', async () => {
    const consumers = await rows(
      'SELECT table, topics, partitions, num_messages_read FROM pipeline_kafka_consumers',
    );
    const trades = consumers.find((c) => c.table === 'market_trades_queue');
    const topic = `${pipeline.config.KAFKA_TOPIC_PREFIX}market.trades`;
    const probes = await queryNumber(
      pipeline.clickhouse,
      `SELECT count() FROM dead_letters WHERE topic = '${topic}'`,
    );
    expect(consumers.length).toBeGreaterThanOrEqual(14);
    expect(trades?.partitions).toBe(6);
    // Every delivery, and the readiness probes that went to dead_letters.
    expect(Number(trades?.num_messages_read)).toBe((delivered.get(topic) ?? 0) + probes);
  });

  it('market_1m equals OHLC, volumes, VWAP, spread, depth, imbalance and latency from the facts', async () => {
    const expected = await refreshUntilEqual(
      pipeline.clickhouse,
      'market_1m_refresh',
      'market_1m',
      `WITH
         t AS (SELECT * FROM market_trades ORDER BY ingested_at DESC LIMIT 1 BY event_id),
         b AS (SELECT * FROM market_book_l1 ORDER BY ingested_at DESC LIMIT 1 BY event_id),
         keys AS (SELECT DISTINCT venue, symbol, toStartOfMinute(occurred_at) AS minute FROM t
                  UNION DISTINCT SELECT DISTINCT venue, symbol, toStartOfMinute(occurred_at) FROM b),
         tr AS (SELECT venue, symbol, toStartOfMinute(occurred_at) AS minute,
                  arraySort(x -> (x.2, x.3), groupArray((price, occurred_at, event_id)))[1].1 AS open,
                  max(price) AS high, min(price) AS low,
                  arrayReverseSort(x -> (x.2, x.3), groupArray((price, occurred_at, event_id)))[1].1 AS close,
                  sum(price * quantity) / sum(quantity) AS vwap, count() AS trades, sum(quantity) AS volume,
                  sum(price * quantity) AS quote_volume, sumIf(quantity, side = 'buy') AS buy_volume,
                  sumIf(quantity, side = 'sell') AS sell_volume
                FROM t GROUP BY venue, symbol, minute),
         bk AS (SELECT venue, symbol, toStartOfMinute(occurred_at) AS minute, count() AS book_updates,
                  avg(20000 * (ask_price - bid_price) / (ask_price + bid_price)) AS spread_bps_mean,
                  max(20000 * (ask_price - bid_price) / (ask_price + bid_price)) AS spread_bps_max,
                  avg(bid_price * bid_quantity) AS bid_depth_mean, avg(ask_price * ask_quantity) AS ask_depth_mean,
                  avg((bid_quantity - ask_quantity) / (bid_quantity + ask_quantity)) AS imbalance_mean
                FROM b GROUP BY venue, symbol, minute),
         lat AS (SELECT venue, symbol, minute, quantileExact(0.5)(l) AS latency_ms_p50,
                  quantileExact(0.95)(l) AS latency_ms_p95, max(l) AS latency_ms_max, max(r) AS last_received_at
                FROM (SELECT venue, symbol, toStartOfMinute(occurred_at) AS minute,
                        toUnixTimestamp64Milli(received_at) AS r,
                        toUnixTimestamp64Milli(received_at) - toUnixTimestamp64Milli(occurred_at) AS l FROM t
                      UNION ALL
                      SELECT venue, symbol, toStartOfMinute(occurred_at), toUnixTimestamp64Milli(received_at),
                        toUnixTimestamp64Milli(received_at) - toUnixTimestamp64Milli(occurred_at) FROM b)
                GROUP BY venue, symbol, minute)
       SELECT k.venue AS venue, k.symbol AS symbol, k.minute AS minute, open, high, low, close, vwap,
              ifNull(trades, 0) AS trades, ifNull(volume, 0) AS volume, ifNull(quote_volume, 0) AS quote_volume,
              ifNull(buy_volume, 0) AS buy_volume, ifNull(sell_volume, 0) AS sell_volume,
              ifNull(book_updates, 0) AS book_updates, spread_bps_mean, spread_bps_max, bid_depth_mean,
              ask_depth_mean, imbalance_mean, latency_ms_p50, latency_ms_p95, latency_ms_max,
              fromUnixTimestamp64Milli(last_received_at, 'UTC') AS last_received_at
       FROM keys AS k
       LEFT JOIN tr ON tr.venue = k.venue AND tr.symbol = k.symbol AND tr.minute = k.minute
       LEFT JOIN bk ON bk.venue = k.venue AND bk.symbol = k.symbol AND bk.minute = k.minute
       LEFT JOIN lat ON lat.venue = k.venue AND lat.symbol = k.symbol AND lat.minute = k.minute
       SETTINGS join_use_nulls = 1`,
      ['venue', 'symbol', 'minute'],
    );
    expect(expected.length).toBeGreaterThan(6);
    expect(expected.reduce((n, r) => n + Number(r.trades), 0)).toBe(data.trades.length);
  });

  it('user_risk_daily equals logins, IPs, USD flows, cancels, self-trades and the score from the facts', async () => {
    const expected = await refreshUntilEqual(
      pipeline.clickhouse,
      'user_risk_daily_refresh',
      'user_risk_daily',
      `WITH
         l AS (SELECT * FROM user_logins ORDER BY ingested_at DESC LIMIT 1 BY event_id),
         f AS (SELECT * FROM user_funds ORDER BY ingested_at DESC LIMIT 1 BY event_id),
         o AS (SELECT * FROM engine_orders ORDER BY ingested_at DESC LIMIT 1 BY event_id),
         x AS (SELECT * FROM engine_executions ORDER BY ingested_at DESC LIMIT 1 BY event_id),
         px AS (SELECT asset, price_usd FROM asset_prices_usd),
         keys AS (SELECT account_id, toDate(occurred_at) AS day FROM l UNION DISTINCT
                  SELECT account_id, toDate(occurred_at) FROM f UNION DISTINCT
                  SELECT account_id, toDate(occurred_at) FROM o UNION DISTINCT
                  SELECT arrayJoin([maker_account_id, taker_account_id]), toDate(occurred_at) FROM x),
         first_login AS (SELECT account_id, min(toDate(occurred_at)) AS d FROM l WHERE outcome = 'success' GROUP BY account_id),
         ip_first AS (SELECT account_id, ip, min(toDate(occurred_at)) AS d FROM l WHERE outcome = 'success' GROUP BY account_id, ip),
         lg AS (SELECT account_id, toDate(occurred_at) AS day, count() AS logins,
                  countIf(outcome != 'success') AS failed_logins, count(DISTINCT ip) AS distinct_ips,
                  count(DISTINCT nullIf(device_id, '')) AS distinct_devices,
                  count(DISTINCT nullIf(toString(geo_country), '')) AS distinct_countries
                FROM l GROUP BY account_id, day),
         ni AS (SELECT i.account_id AS account_id, i.d AS day, count() AS new_ips FROM ip_first AS i
                JOIN first_login AS fl ON fl.account_id = i.account_id WHERE i.d > fl.d GROUP BY account_id, day),
         fu AS (SELECT account_id, toDate(occurred_at) AS day,
                  countIf(direction = 'deposit' AND status = 'completed') AS deposits,
                  sumIf(amount * px.price_usd, direction = 'deposit' AND status = 'completed' AND px.price_usd IS NOT NULL) AS deposits_usd,
                  countIf(direction = 'withdrawal' AND status = 'requested') AS withdrawals,
                  sumIf(amount * px.price_usd, direction = 'withdrawal' AND status = 'requested' AND px.price_usd IS NOT NULL) AS withdrawals_usd,
                  countIf(px.price_usd IS NULL AND ((direction = 'deposit' AND status = 'completed')
                          OR (direction = 'withdrawal' AND status = 'requested'))) AS unpriced_transfers
                FROM f LEFT JOIN px ON px.asset = toString(f.asset) GROUP BY account_id, day),
         od AS (SELECT account_id, toDate(occurred_at) AS day, countIf(event = 'new') AS orders_new,
                  countIf(event = 'cancel') AS orders_cancelled FROM o
                WHERE order_type = 'limit' AND time_in_force = 'gtc' GROUP BY account_id, day),
         ex AS (SELECT account_id, day, count() AS executions, countIf(self) AS self_trades FROM
                  (SELECT maker_account_id AS account_id, toDate(occurred_at) AS day,
                          maker_account_id = taker_account_id AS self FROM x
                   UNION ALL
                   SELECT taker_account_id, toDate(occurred_at), false FROM x WHERE maker_account_id != taker_account_id)
                GROUP BY account_id, day)
       SELECT k.account_id AS account_id, k.day AS day,
              ifNull(logins, 0) AS logins, ifNull(failed_logins, 0) AS failed_logins,
              ifNull(distinct_ips, 0) AS distinct_ips, ifNull(distinct_devices, 0) AS distinct_devices,
              ifNull(distinct_countries, 0) AS distinct_countries, ifNull(new_ips, 0) AS new_ips,
              ifNull(deposits, 0) AS deposits, ifNull(deposits_usd, 0) AS deposits_usd,
              ifNull(withdrawals, 0) AS withdrawals, ifNull(withdrawals_usd, 0) AS withdrawals_usd,
              if(ifNull(deposits_usd, 0) > 0, ifNull(withdrawals_usd, 0) / deposits_usd, NULL) AS withdrawal_to_deposit_ratio,
              ifNull(unpriced_transfers, 0) AS unpriced_transfers,
              ifNull(orders_new, 0) AS orders_new, ifNull(orders_cancelled, 0) AS orders_cancelled,
              if(ifNull(orders_new, 0) > 0, orders_cancelled / orders_new, NULL) AS cancel_ratio,
              ifNull(executions, 0) AS executions, ifNull(self_trades, 0) AS self_trades
       FROM keys AS k
       LEFT JOIN lg ON lg.account_id = k.account_id AND lg.day = k.day
       LEFT JOIN ni ON ni.account_id = k.account_id AND ni.day = k.day
       LEFT JOIN fu ON fu.account_id = k.account_id AND fu.day = k.day
       LEFT JOIN od ON od.account_id = k.account_id AND od.day = k.day
       LEFT JOIN ex ON ex.account_id = k.account_id AND ex.day = k.day
       SETTINGS join_use_nulls = 1`,
      ['account_id', 'day'],
      userRiskScore,
    );
    expect(expected.some((r) => Number(r.new_ips) > 0)).toBe(true);
    expect(expected.some((r) => Number(r.self_trades) > 0)).toBe(true);
    expect(expected.some((r) => Number(r.unpriced_transfers) > 0)).toBe(true);
  });

  it('token_risk_5m equals buzz, sentiment, price move, volatility, wash share and the score from the facts', async () => {
    const expected = await refreshUntilEqual(
      pipeline.clickhouse,
      'token_risk_5m_refresh',
      'token_risk_5m',
      `WITH
         m AS (SELECT toString(token) AS token, occurred_at, sentiment, content_hash FROM social_mentions
               ORDER BY ingested_at DESC LIMIT 1 BY event_id),
         x AS (SELECT replaceRegexpOne(toString(symbol), 'USDT$', '') AS token, * EXCEPT symbol FROM engine_executions
               ORDER BY ingested_at DESC LIMIT 1 BY event_id),
         keys AS (SELECT token, toStartOfFiveMinutes(occurred_at) AS bucket FROM m UNION DISTINCT
                  SELECT token, toStartOfFiveMinutes(occurred_at) FROM x),
         bz AS (SELECT token, toStartOfFiveMinutes(occurred_at) AS bucket, count() AS mentions,
                  count(DISTINCT content_hash) AS stories, avg(sentiment) AS sentiment_mean,
                  avg(sentiment < -0.2) AS negative_share FROM m GROUP BY token, bucket),
         bl AS (SELECT k.token AS token, k.bucket AS bucket,
                  countIf(m.occurred_at >= k.bucket - INTERVAL 1 HOUR AND m.occurred_at < k.bucket) AS mentions_prev_1h
                FROM keys AS k LEFT JOIN m ON m.token = k.token GROUP BY token, bucket),
         tr AS (SELECT token, toStartOfFiveMinutes(occurred_at) AS bucket, count() AS executions,
                  sum(price * quantity) AS notional_usd,
                  arraySort(a -> (a.2, a.3), groupArray((price, occurred_at, event_id)))[1].1 AS first_price,
                  arrayReverseSort(a -> (a.2, a.3), groupArray((price, occurred_at, event_id)))[1].1 AS last_price,
                  (last_price - first_price) / first_price * 10000 AS price_move_bps,
                  sqrt(varPop(price)) / avg(price) * 10000 AS volatility_bps,
                  sum(if(maker_account_id = taker_account_id, price * quantity, 0)) / sum(price * quantity) AS wash_share
                FROM x GROUP BY token, bucket)
       SELECT k.token AS token, k.bucket AS bucket, ifNull(mentions, 0) AS mentions, ifNull(stories, 0) AS stories,
              sentiment_mean, negative_share, ifNull(mentions_prev_1h, 0) AS mentions_prev_1h,
              ifNull(executions, 0) AS executions, ifNull(notional_usd, 0) AS notional_usd,
              first_price, last_price, price_move_bps, volatility_bps, wash_share
       FROM keys AS k
       LEFT JOIN bz ON bz.token = k.token AND bz.bucket = k.bucket
       LEFT JOIN bl ON bl.token = k.token AND bl.bucket = k.bucket
       LEFT JOIN tr ON tr.token = k.token AND tr.bucket = k.bucket
       SETTINGS join_use_nulls = 1`,
      ['token', 'bucket'],
      tokenRiskScore,
    );
    expect(expected.some((r) => Number(r.wash_share) > 0)).toBe(true);
    expect(expected.some((r) => Number(r.mentions_prev_1h) > 0)).toBe(true);
  });
});

/** The documented user score (0064): components in [0, 1], weights summing to 1, × 100. */
function userRiskScore(r: Row): Row {
  const n = (k: string) => Number(r[k] ?? 0);
  const c = {
    c_new_ip: Math.min(n('new_ips'), 1),
    c_failed_logins: Math.min(n('failed_logins') / 10, 1),
    c_withdrawal_ratio: Math.min(n('withdrawals_usd') / Math.max(n('deposits_usd'), 1000) / 10, 1),
    c_large_withdrawal: Math.min(n('withdrawals_usd') / 100_000, 1),
    c_self_trade: Math.min(n('self_trades') / 5, 1),
    c_cancel_ratio: n('orders_new') >= 20 ? Math.min(Math.max(n('cancel_ratio') - 0.9, 0) / 0.1, 1) : 0,
  };
  const risk_score =
    100 *
    (0.2 * c.c_new_ip +
      0.1 * c.c_failed_logins +
      0.2 * c.c_withdrawal_ratio +
      0.2 * c.c_large_withdrawal +
      0.2 * c.c_self_trade +
      0.1 * c.c_cancel_ratio);
  return { ...r, ...c, risk_score };
}

/** The documented token score (0065). */
function tokenRiskScore(r: Row): Row {
  const n = (k: string) => Number(r[k] ?? 0);
  const c = {
    c_buzz: Math.min(Math.max(n('mentions') / Math.max(n('mentions_prev_1h') / 12, 1) - 1, 0) / 4, 1),
    c_negative: n('negative_share') * Math.min(n('mentions') / 10, 1),
    c_price_move: Math.min(Math.abs(n('price_move_bps')) / 300, 1),
    c_volatility: Math.min(n('volatility_bps') / 100, 1),
    c_wash: n('wash_share'),
  };
  const risk_score =
    100 *
    (0.25 * c.c_buzz + 0.2 * c.c_negative + 0.2 * c.c_price_move + 0.1 * c.c_volatility + 0.25 * c.c_wash);
  return { ...r, ...c, risk_score };
}
