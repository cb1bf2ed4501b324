import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../../lib/clickhouse/client.js';
import { EventProducer } from '../../../lib/kafka/producer.js';
import { createMetricsRegistry } from '../../../lib/service/metrics.js';
import { waitFor } from '../../../lib/time.js';
import { type Pipeline, startPipeline, testLog } from '../../../test/pipeline-fixture.js';
import { readTopic } from '../../../test/read-topic.js';
import { MarketMetrics, metricValue } from '../metrics.js';
import { KafkaSink } from '../sink.js';
import { type FakeVenue, startFakeVenue } from '../testing/fake-venue.js';
import { OpenInterestPoller } from './poller.js';
import {
  binanceOpenInterest,
  bybitOpenInterest,
  type OpenInterestSource,
  okxOpenInterest,
} from './sources.js';

type Answer = { status: number; body: string; headers?: Record<string, string> };

/**
 * The three open-interest pollers against loopback venues answering in each venue's
 * documented format, including their "slow down" replies: Binance 429/418 + Retry-After,
 * Bybit X-Bapi-Limit-* headers and retCode 10006, OKX HTTP 429 with code 50011. A poller
 * that was told to wait must not send a single request before the time it was given.
 */
describe('open-interest pollers', () => {
  let pipeline: Pipeline;
  let producer: EventProducer;
  let sink: KafkaSink;
  const metrics = new MarketMetrics(createMetricsRegistry('open-interest-test'));
  const venues: FakeVenue[] = [];
  const pollers: OpenInterestPoller[] = [];
  const symbols = ['BTCUSDT', 'ETHUSDT'];
  const t0 = Date.now() - 60_000;

  /** A loopback venue answering from a queue per symbol; `answer` builds the default reply. */
  async function venueFor(source: OpenInterestSource, answer: (symbol: string, n: number) => Answer) {
    const queued = new Map<string, Answer[]>();
    const calls = new Map<string, number>();
    const venue = await startFakeVenue({
      rest: (_path, query) => {
        const symbol =
          query.get('symbol') ?? (query.get('instId') ?? '').replace(/-SWAP$/, '').replace('-', '');
        const n = (calls.get(symbol) ?? 0) + 1;
        calls.set(symbol, n);
        return queued.get(symbol)?.shift() ?? answer(symbol, n);
      },
    });
    venues.push(venue);
    const poller = new OpenInterestPoller({
      source,
      symbols,
      restUrl: venue.httpBase,
      intervalMs: 3_600_000,
      sink,
      metrics,
      log: testLog,
    });
    pollers.push(poller);
    const queue = (symbol: string, reply: Answer) =>
      queued.set(symbol, [...(queued.get(symbol) ?? []), reply]);
    return { venue, poller, queue };
  }
  const outcome = (venue: string, o: string) => metricValue(metrics.openInterestPolls, { venue, outcome: o });
  const json = (body: unknown, headers?: Record<string, string>): Answer => ({
    status: 200,
    body: JSON.stringify(body),
    ...(headers ? { headers } : {}),
  });

  beforeAll(async () => {
    pipeline = await startPipeline();
    producer = await EventProducer.connect(pipeline.kafka, pipeline.config, testLog);
    sink = new KafkaSink({ producer, capacity: 1000, batchMax: 100, metrics, log: testLog });
  });

  afterAll(async () => {
    await Promise.all(pollers.map((p) => p.stop()));
    await sink?.close();
    await producer?.close();
    await Promise.all(venues.map((v) => v.close()));
    await pipeline?.close();
  });

  it('Binance: publishes each symbol, then a 429 with Retry-After holds every request until it passes', async () => {
    const { venue, poller, queue } = await venueFor(binanceOpenInterest, (symbol, n) =>
      json({ openInterest: `${1000 + n}.5`, symbol, time: t0 + n * 1000 }),
    );
    await poller.pollOnce();
    queue('BTCUSDT', {
      status: 429,
      body: '{"code":-1003,"msg":"Too many requests."}',
      headers: { 'Retry-After': '2' },
    });
    const limitedAt = Date.now();
    await poller.pollOnce();
    // The 429 came on BTCUSDT: ETHUSDT was not asked.
    expect(venue.restRequests).toHaveLength(3);
    expect(await outcome('binance', 'rate_limited')).toBe(1);
    expect(await outcome('binance', 'deferred')).toBe(1);
    await waitFor(
      'a round after Retry-After',
      async () => {
        await poller.pollOnce();
        return venue.restRequests.length > 3 ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(Date.now() - limitedAt).toBeGreaterThanOrEqual(2_000);
    // 418 (banned) is a limit too.
    queue('ETHUSDT', {
      status: 418,
      body: '{"code":-1003,"msg":"Way too many requests; IP banned"}',
      headers: { 'Retry-After': '3600' },
    });
    const before = venue.restRequests.length;
    for (let i = 0; i < 3; i++) await poller.pollOnce();
    expect(venue.restRequests.length - before).toBe(2);
    expect(await outcome('binance', 'rate_limited')).toBe(2);
  });

  it('Bybit: live open interest and value; a reply with no requests left waits for X-Bapi-Limit-Reset-Timestamp, as does retCode 10006', async () => {
    const ticker = (symbol: string, n: number, headers?: Record<string, string>) =>
      json(
        {
          retCode: 0,
          retMsg: 'OK',
          result: {
            category: 'linear',
            list: [{ symbol, openInterest: `${50_000 + n}`, openInterestValue: `${(50_000 + n) * 100}` }],
          },
          retExtInfo: {},
          time: t0 + n * 1000,
        },
        headers,
      );
    const { venue, poller, queue } = await venueFor(bybitOpenInterest, (symbol, n) =>
      ticker(symbol, n, {
        'X-Bapi-Limit': '120',
        'X-Bapi-Limit-Status': '119',
        'X-Bapi-Limit-Reset-Timestamp': String(Date.now() + 1000),
      }),
    );
    queue(
      'ETHUSDT',
      ticker('ETHUSDT', 1, {
        'X-Bapi-Limit': '120',
        'X-Bapi-Limit-Status': '0',
        'X-Bapi-Limit-Reset-Timestamp': String(Date.now() + 60_000),
      }),
    );
    await poller.pollOnce();
    // The last request of the window was still answered (and published); nothing more until the reset.
    await poller.pollOnce();
    expect(venue.restRequests).toHaveLength(2);
    expect(await outcome('bybit', 'published')).toBe(2);
    expect(await outcome('bybit', 'deferred')).toBe(2);

    const other = await venueFor(bybitOpenInterest, (symbol, n) => ticker(symbol, n));
    other.queue(
      'BTCUSDT',
      json(
        { retCode: 10006, retMsg: 'Too many visits!', result: {}, time: Date.now() },
        { 'X-Bapi-Limit-Reset-Timestamp': String(Date.now() + 60_000) },
      ),
    );
    await other.poller.pollOnce();
    await other.poller.pollOnce();
    expect(other.venue.restRequests).toHaveLength(1);
    expect(await outcome('bybit', 'rate_limited')).toBe(1);
  });

  it('OKX: base-asset open interest and USD value; HTTP 429 code 50011 holds the next requests', async () => {
    const answer = (symbol: string, n: number) =>
      json({
        code: '0',
        msg: '',
        data: [
          {
            instType: 'SWAP',
            instId: `${symbol.replace(/USDT$/, '')}-USDT-SWAP`,
            oi: `${2_000_000 + n}`,
            oiCcy: `${20_000 + n / 100}`,
            oiUsd: `${(20_000 + n / 100) * 67_000}`,
            ts: String(t0 + n * 1000),
          },
        ],
      });
    const { venue, poller, queue } = await venueFor(okxOpenInterest, answer);
    await poller.pollOnce();
    queue('BTCUSDT', { status: 429, body: '{"msg":"Too Many Requests","code":"50011"}' });
    const limitedAt = Date.now();
    await poller.pollOnce();
    expect(venue.restRequests).toHaveLength(3);
    expect(await outcome('okx', 'rate_limited')).toBe(1);
    expect(await outcome('okx', 'deferred')).toBe(1);
    // No Retry-After from OKX: the next request waits out its 2-second window.
    await waitFor(
      'a round after the window',
      async () => {
        await poller.pollOnce();
        return venue.restRequests.length > 3 ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(Date.now() - limitedAt).toBeGreaterThanOrEqual(2_000);
    expect(venue.restRequests[0]).toBe('/api/v5/public/open-interest?instType=SWAP&instId=BTC-USDT-SWAP');
  });

  it('does not publish a figure again that the venue has not updated, and dead-letters a reply it cannot read', async () => {
    const { venue, poller, queue } = await venueFor(binanceOpenInterest, (symbol) =>
      json({ openInterest: '77.7', symbol, time: t0 }),
    );
    await poller.pollOnce();
    queue('ETHUSDT', json({ openInterest: '1', symbol: 'SOLUSDT', time: t0 }));
    await poller.pollOnce();
    expect(venue.restRequests).toHaveLength(4);
    expect(await outcome('binance', 'unchanged')).toBe(1);
    const prefix = pipeline.config.KAFKA_TOPIC_PREFIX;
    const [letter] = await readTopic(pipeline.kafka, `${prefix}market.open_interest.dlq`, 1);
    expect(letter?.headers['dlq-reason']).toMatch(
      /^binance: open interest ETHUSDT: expected \{"symbol":"ETHUSDT"/,
    );
  });

  it('lands every published figure in market_open_interest, in base units with the venue time', async () => {
    await sink.flush();
    const published = await metricValue(metrics.openInterestPolls, { outcome: 'published' });
    await pipeline.waitForCount("SELECT count() FROM market_open_interest WHERE via = 'rest'", published);
    const rows = await queryRows<{ venue: string; n: string; with_value: string }>(
      pipeline.clickhouse,
      `SELECT venue, count() AS n, countIf(open_interest_value IS NOT NULL) AS with_value
       FROM market_open_interest GROUP BY venue ORDER BY venue`,
    );
    expect(rows.map((r) => r.venue)).toEqual(['binance', 'bybit', 'okx']);
    // Binance's endpoint gives no notional; Bybit and OKX do.
    for (const r of rows) expect(Number(r.with_value)).toBe(r.venue === 'binance' ? 0 : Number(r.n));
  });
});
