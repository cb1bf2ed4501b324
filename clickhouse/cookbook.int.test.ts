import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryNumber, queryRows } from '../lib/clickhouse/client.js';
import { engineTopics } from '../lib/contracts/engine.js';
import { newEventId } from '../lib/contracts/envelope.js';
import { type MarketBookL1, type MarketTrade, marketTopics } from '../lib/contracts/market.js';
import { type SocialMention, socialTopics } from '../lib/contracts/social.js';
import type { TopicSpec } from '../lib/contracts/topic-spec.js';
import { userTopics } from '../lib/contracts/user.js';
import { EventProducer } from '../lib/kafka/producer.js';
import { waitFor } from '../lib/time.js';
import { aDeposit, aLogin, anExecution, anOrder, aWithdrawal } from '../test/engine-user-builders.js';
import { waitForConsumers } from '../test/kafka-readiness.js';
import { type Pipeline, startPipeline, testLog } from '../test/pipeline-fixture.js';
import { warehouseTopics } from '../test/warehouse-data.js';
import { cookbookQueries } from './cookbook.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

type Row = Record<string, unknown>;
const num = (v: unknown) => Number(v);

/**
 * Seeds one story per question (an account takeover, a wash-trading pair sharing an IP, a
 * spoofer, a brute-forcer, a spread blow-out, a slow venue, a negative buzz spike, dead
 * letters, a quiet source) through Kafka, then runs every cookbook query and checks its rows.
 * "Today" is kept away from midnight UTC so the stories all fall on one day.
 */
describe('SQL cookbook', () => {
  const queries = cookbookQueries();
  const dayStart = Math.floor(Date.now() / (24 * HOUR)) * 24 * HOUR;
  const now = Math.max(Date.now(), dayStart + 60 * MINUTE);
  let pipeline: Pipeline;
  let producer: EventProducer;
  let prefix: string;
  const produced = new Map<string, number>();
  const btcTrades: MarketTrade[] = [];
  /** Readiness probes dead-lettered per topic, counted once the seeded events are in. */
  const probes = new Map<string, number>();

  const market = (occurredAt: number, latencyMs: number) => ({
    event_id: newEventId(occurredAt),
    source: 'seed',
    occurred_at: occurredAt,
    produced_at: occurredAt + latencyMs,
    received_at: occurredAt + latencyMs,
    schema_version: 1 as const,
  });
  const at = (occurredAt: number) => ({
    event_id: newEventId(occurredAt),
    occurred_at: occurredAt,
    source: 'seed',
  });
  const send = async <T>(spec: TopicSpec<T>, events: T[]) => {
    const outcome = await producer.produce(spec, events);
    expect(outcome.rejected).toEqual([]);
    produced.set(`${prefix}${spec.name}`, (produced.get(`${prefix}${spec.name}`) ?? 0) + outcome.accepted);
  };

  beforeAll(async () => {
    pipeline = await startPipeline();
    prefix = pipeline.config.KAFKA_TOPIC_PREFIX;
    producer = await EventProducer.connect(pipeline.kafka, pipeline.config, testLog);

    await waitForConsumers(
      pipeline.kafka,
      pipeline.clickhouse,
      warehouseTopics.map((t) => `${prefix}${t.name}`),
    );
    const login = now - 40 * MINUTE;
    const burst = Math.floor((now - 25 * MINUTE) / (10 * MINUTE)) * 10 * MINUTE + MINUTE;
    const buzz = Math.floor((now - 4 * MINUTE) / (5 * MINUTE)) * 5 * MINUTE;
    for (let k = 0; k < 20; k += 1) {
      btcTrades.push({
        ...market(now - 10 * MINUTE + k * 30_000, 10),
        type: 'market.trade',
        venue: 'binance',
        symbol: 'BTCUSDT',
        trade_id: `b-${k}`,
        price: 100_000 + k * 10,
        quantity: 0.5,
        side: k % 4 === 0 ? 'sell' : 'buy',
      });
    }
    const bybitTrades = Array.from(
      { length: 5 },
      (_, k): MarketTrade => ({
        ...market(now - 5 * MINUTE + k * 1_000, 250),
        type: 'market.trade',
        venue: 'bybit',
        symbol: 'BTCUSDT',
        trade_id: `y-${k}`,
        price: 99_990,
        quantity: 1,
        side: 'buy',
      }),
    );
    const quote = (
      venue: string,
      occurredAt: number,
      halfSpread: number,
      latencyMs: number,
    ): MarketBookL1 => ({
      ...market(occurredAt, latencyMs),
      type: 'market.book_l1',
      venue,
      symbol: 'BTCUSDT',
      bid_price: 100_000 - halfSpread,
      bid_quantity: 3,
      ask_price: 100_000 + halfSpread,
      ask_quantity: 1,
      update_id: occurredAt,
    });
    const books = Array.from({ length: 40 }, (_, k) =>
      quote('binance', now - 20 * MINUTE + k * 30_000, 5, 10),
    );
    // One minute whose spread is 60 bps instead of 1.
    books.push(quote('binance', Math.floor((now - 5 * MINUTE) / MINUTE) * MINUTE + 7_000, 300, 10));
    books.push(
      ...Array.from({ length: 10 }, (_, k) => quote('bybit', now - 5 * MINUTE + k * 20_000, 5, 250)),
    );

    const mention = (token: string, occurredAt: number, sentiment: number, i: number): SocialMention => ({
      ...at(occurredAt),
      type: 'social.mention',
      produced_at: occurredAt,
      schema_version: 1,
      token,
      source_kind: 'simulator',
      source_name: 'sim-forum',
      url: '',
      title: `${token} story ${i}`,
      excerpt: '',
      matched_term: token,
      mention_count: 1,
      sentiment,
      scorer: 'lexicon',
      model: 'sentiment@5.0.2+crypto',
      content_hash: `${token}${i}`
        .padStart(64, '0')
        .toLowerCase()
        .replace(/[^0-9a-f]/g, 'a'),
      published_at: occurredAt,
    });

    await Promise.all([
      send(marketTopics.marketTrades, [...btcTrades, ...bybitTrades]),
      send(marketTopics.marketBookL1, books),
      send(userTopics.userLogins, [
        ...[0, 1, 2].map((k) =>
          aLogin({ ...at(now - 30 * HOUR + k * MINUTE), account_id: 'victim', ip: '198.51.100.10' }),
        ),
        aLogin({ ...at(login), account_id: 'victim', ip: '185.220.101.9', device_id: 'dev-new' }),
        aLogin({ ...at(now - 30 * HOUR), account_id: 'wash-a', ip: '198.51.100.21' }),
        aLogin({ ...at(now - 30 * HOUR), account_id: 'wash-b', ip: '198.51.100.22' }),
        aLogin({ ...at(now - 35 * MINUTE), account_id: 'wash-a', ip: '203.0.113.50' }),
        aLogin({ ...at(now - 35 * MINUTE), account_id: 'wash-b', ip: '203.0.113.50' }),
        ...Array.from({ length: 6 }, (_, k) =>
          aLogin({
            ...at(burst + k * 10_000),
            account_id: 'brute',
            ip: '192.0.2.66',
            outcome: 'bad_password',
          }),
        ),
      ]),
      send(userTopics.userFunds, [
        aWithdrawal({
          ...at(login + 10 * MINUTE),
          account_id: 'victim',
          transfer_id: 'w-victim',
          asset: 'BTC',
          network: undefined,
          amount: 3,
          address: 'bc1-attacker',
        }),
        aWithdrawal({
          ...at(now - 30 * MINUTE),
          account_id: 'wash-a',
          transfer_id: 'w-wash',
          amount: 500,
          address: 'bc1-attacker',
        }),
        aDeposit({ ...at(now - 50 * MINUTE), account_id: 'normal', transfer_id: 'd-normal', amount: 10_000 }),
        aWithdrawal({
          ...at(now - 20 * MINUTE),
          account_id: 'normal',
          transfer_id: 'w-normal',
          amount: 1_000,
          address: 'T-normal',
        }),
      ]),
      send(engineTopics.engineExecutions, [
        ...Array.from({ length: 6 }, (_, k) =>
          anExecution({
            ...at(now - 15 * MINUTE + k * 1_000),
            symbol: 'DOGEUSDT',
            trade_id: `self-${k}`,
            price: 0.3,
            quantity: 1_000,
            maker_account_id: 'wash-a',
            maker_order_id: `wa-${k}`,
            taker_account_id: 'wash-a',
            taker_order_id: `wa-t-${k}`,
          }),
        ),
        ...Array.from({ length: 2 }, (_, k) =>
          anExecution({
            ...at(now - 14 * MINUTE + k * 1_000),
            symbol: 'DOGEUSDT',
            trade_id: `n-${k}`,
            price: 0.3,
            quantity: 1_000,
            maker_account_id: 'normal',
            maker_order_id: `n-${k}`,
            taker_account_id: 'wash-b',
            taker_order_id: `wb-${k}`,
          }),
        ),
      ]),
      send(engineTopics.engineOrders, [
        ...Array.from({ length: 25 }, (_, k) =>
          anOrder({ ...at(now - 30 * MINUTE + k * 1_000), account_id: 'spoofer', order_id: `sp-${k}` }),
        ),
        ...Array.from({ length: 24 }, (_, k) =>
          anOrder({
            ...at(now - 29 * MINUTE + k * 1_000),
            account_id: 'spoofer',
            order_id: `sp-${k}`,
            event: 'cancel',
          }),
        ),
      ]),
      send(socialTopics.socialMentions, [
        ...Array.from({ length: 20 }, (_, k) => mention('DOGE', buzz + k * 5_000, -0.7, k)),
        mention('DOGE', now - 50 * MINUTE, 0.1, 100),
        mention('DOGE', now - 45 * MINUTE, 0.1, 101),
        ...[0, 1, 2].map((k) => mention('BTC', now - 10 * MINUTE + k * 1_000, 0.6, k)),
      ]),
    ]);
    for (const [topic, n] of produced) {
      await pipeline.waitForCount(
        `SELECT sum(events) FROM pipeline_events_1m WHERE topic = '${topic}'`,
        n,
        150_000,
      );
    }
    for (const topic of produced.keys()) {
      probes.set(
        topic,
        await queryNumber(
          pipeline.clickhouse,
          'SELECT count() FROM dead_letters WHERE topic = {topic:String}',
          { topic },
        ),
      );
    }
    // Two refused messages and a source that stopped two hours ago, written directly (the
    // expressions in a SELECT: the ClickHouse host does not evaluate them in VALUES rows).
    await pipeline.clickhouse.command({
      query: `INSERT INTO dead_letters (topic, kafka_partition, kafka_offset, kafka_key, raw_message, error, consumer)
              VALUES ('${prefix}market.trades', 0, 1, 'k', '{', 'invalid JSON: x', 'market_trades_queue'),
                     ('${prefix}market.trades', 0, 2, 'k', '{"price":-1}', 'price: a positive number is required', 'market_trades_queue')`,
    });
    await pipeline.clickhouse.command({
      query: `INSERT INTO user_api_keys (event_id, account_id, key_id, action, permissions, occurred_at, produced_at,
                ingested_at, source, schema_version, kafka_partition, kafka_offset)
              SELECT '${newEventId(now)}', 'normal', 'k-1', 'created', ['read'], now64(3) - INTERVAL 2 HOUR,
                now64(3) - INTERVAL 2 HOUR, now64(3) - INTERVAL 2 HOUR, 'key-service', 1, 0, 0`,
    });
    for (const view of ['market_1m_refresh', 'user_risk_daily_refresh', 'token_risk_5m_refresh']) {
      await pipeline.clickhouse.command({ query: `SYSTEM REFRESH VIEW ${view}` });
      await pipeline.clickhouse.command({ query: `SYSTEM WAIT VIEW ${view}` });
    }
  });

  afterAll(async () => {
    await producer?.close();
    await pipeline?.close();
  });

  const run = (id: string) => {
    const query = queries.get(id);
    if (!query) throw new Error(`no cookbook query ${id}`);
    return queryRows<Row>(pipeline.clickhouse, query);
  };

  /** Rollups are refreshed in the background too; a check retries until the seeded stories show. */
  const eventually = (id: string, check: (rows: Row[]) => void) =>
    waitFor(
      `cookbook query ${id} to return the seeded rows`,
      async () => {
        const rows = await run(id);
        check(rows);
        return rows;
      },
      { timeoutMs: 20_000, intervalMs: 500 },
    );

  const EXPECTATIONS: Record<string, (rows: Row[]) => void> = {
    top_risky_accounts_today: (rows) => {
      expect(rows.map((r) => [r.account_id, num(r.score)])).toEqual([
        ['victim', 60],
        ['wash-a', 41.1],
        ['wash-b', 20],
        ['brute', 6],
        ['spoofer', 6],
        ['normal', 0.4],
      ]);
    },
    accounts_sharing_an_ip: (rows) => {
      expect(rows.map((r) => [r.ip, num(r.accounts), r.account_ids])).toEqual([
        ['::ffff:203.0.113.50', 2, ['wash-a', 'wash-b']],
      ]);
    },
    withdrawals_after_new_ip_login: (rows) => {
      expect(rows.map((r) => [r.account_id, r.new_ip, r.asset, num(r.amount_usd)])).toEqual([
        ['victim', '::ffff:185.220.101.9', 'BTC', 300_570],
        ['wash-a', '::ffff:203.0.113.50', 'USDT', 500],
      ]);
    },
    withdrawal_to_deposit_ratio_week: (rows) => {
      expect(rows.map((r) => [r.account_id, num(r.withdrawn_usd)])).toEqual([['victim', 300_570]]);
    },
    largest_withdrawals_usd_today: (rows) => {
      expect(rows.map((r) => [r.account_id, num(r.amount_usd), r.priced_from])).toEqual([
        ['victim', 300_570, 'market:binance'],
        ['normal', 1_000, 'fallback'],
        ['wash-a', 500, 'fallback'],
      ]);
    },
    self_trading_accounts: (rows) => {
      expect(rows.map((r) => [r.account_id, num(r.self_trade_count), num(r.execution_count)])).toEqual([
        ['wash-a', 6, 6],
      ]);
    },
    high_cancel_ratio_today: (rows) => {
      expect(
        rows.map((r) => [r.account_id, num(r.orders_new), num(r.orders_cancelled), num(r.cancel_ratio)]),
      ).toEqual([['spoofer', 25, 24, 0.96]]);
    },
    failed_login_bursts: (rows) => {
      expect(rows.map((r) => [r.account_id, num(r.failures), num(r.ips)])).toEqual([['brute', 6, 1]]);
    },
    shared_withdrawal_addresses: (rows) => {
      expect(rows.map((r) => [r.address, num(r.accounts), r.account_ids])).toEqual([
        ['bc1-attacker', 2, ['victim', 'wash-a']],
      ]);
    },
    spread_blowouts_last_hour: (rows) => {
      expect(rows.map((r) => [r.venue, r.symbol, num(r.spread_bps_max)])).toEqual([
        ['binance', 'BTCUSDT', 60],
      ]);
    },
    feed_latency_by_venue: (rows) => {
      expect(rows.map((r) => [r.venue, num(r.latency_p50_ms), num(r.worst_ms)])).toEqual([
        ['bybit', 250, 250],
        ['binance', 10, 10],
      ]);
    },
    volume_vwap_today: (rows) => {
      const vwap = btcTrades.reduce((s, t) => s + t.price * t.quantity, 0) / 10;
      expect(
        rows.map((r) => [
          r.venue,
          r.symbol,
          num(r.trade_count),
          num(r.base_volume),
          num(r.vwap),
          num(r.buy_share),
        ]),
      ).toEqual([
        ['binance', 'BTCUSDT', 20, 10, Math.round(vwap * 100) / 100, 0.75],
        ['bybit', 'BTCUSDT', 5, 5, 99_990, 1],
      ]);
    },
    candles_btc: (rows) => {
      expect(rows.reduce((n, r) => n + num(r.trades), 0)).toBe(20);
      expect(num(rows[0]?.open)).toBe(100_000);
      expect(num(rows.at(-1)?.close)).toBe(100_190);
      expect(rows.every((r) => num(r.low) <= num(r.open) && num(r.open) <= num(r.high))).toBe(true);
    },
    negative_buzz_spike: (rows) => {
      expect(rows.map((r) => [r.token, num(r.mentions), num(r.mentions_prev_1h), num(r.negative)])).toEqual([
        ['DOGE', 20, 2, 1],
      ]);
    },
    wash_trade_tokens: (rows) => {
      expect(
        rows.map((r) => [r.token, num(r.wash_notional_share), num(r.traded_usd), num(r.execution_count)]),
      ).toEqual([['DOGE', 0.75, 2_400, 8]]);
    },
    top_risky_tokens: (rows) => {
      // DOGE's worst bucket is the buzz spike: 25 (buzz) + 20 (all negative); BTC's 3 mentions
      // against no baseline are half a buzz spike.
      expect(rows.map((r) => [r.token, num(r.score)])).toEqual([
        ['DOGE', 45],
        ['BTC', 12.5],
      ]);
    },
    dead_letters_last_hour: (rows) => {
      // The two seeded refusals on market.trades, beside the readiness probes of every topic.
      const trades = rows.find((r) => r.topic === `${prefix}market.trades`);
      expect(trades?.consumer).toBe('market_trades_queue');
      expect(num(trades?.dead_letters)).toBe(2 + (probes.get(`${prefix}market.trades`) ?? 0));
      expect(rows.map((r) => r.topic).sort()).toEqual([...produced.keys()].sort());
    },
    quiet_sources: (rows) => {
      expect(rows.map((r) => [r.topic, r.source])).toEqual([[`${prefix}user.api_keys`, 'key-service']]);
    },
    kafka_consumers: (rows) => {
      const queues = rows.filter((r) => (r.table as string).endsWith('_queue'));
      expect(queues.map((r) => r.table)).toContain('market_trades_queue');
      expect(queues.length).toBeGreaterThanOrEqual(14);
      expect(queues.every((r) => num(r.exceptions) === 0)).toBe(true);
    },
    events_per_topic_per_minute: (rows) => {
      const perTopic = new Map<string, number>();
      for (const r of rows)
        perTopic.set(r.topic as string, (perTopic.get(r.topic as string) ?? 0) + num(r.events));
      expect(Object.fromEntries(perTopic)).toEqual(Object.fromEntries(produced));
    },
  };

  it('has at least 15 questions, each with a check here', () => {
    expect(queries.size).toBeGreaterThanOrEqual(15);
    expect([...queries.keys()].sort()).toEqual(Object.keys(EXPECTATIONS).sort());
  });

  it.each(Object.keys(EXPECTATIONS))('%s returns the seeded story', async (id) => {
    await eventually(id, EXPECTATIONS[id] as (rows: Row[]) => void);
  });
});
