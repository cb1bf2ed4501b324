import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryNumber, queryRows } from '../../../lib/clickhouse/client.js';
import { waitFor } from '../../../lib/time.js';
import { type Pipeline, startPipeline, testLog } from '../../../test/pipeline-fixture.js';
import { readTopic } from '../../../test/read-topic.js';
import { metricValue } from '../metrics.js';
import { type FakeVenue, startFakeVenue } from '../testing/fake-venue.js';
import { type FeedUnderTest, startFeedUnderTest } from '../testing/harness.js';
import { BinanceScript } from '../wire-script.js';
import { binance } from './binance.js';

/**
 * The Binance connector against a loopback venue speaking Binance's wire format (combined
 * streams over `ws`, `/fapi/v1/depth` over HTTP), into the real broker and ClickHouse.
 */
describe('binance connector', () => {
  let pipeline: Pipeline;
  let venue: FakeVenue;
  let feed: FeedUnderTest;
  const script = new BinanceScript('BTCUSDT', Date.now() - 60_000, 7);
  const ch = (sql: string) => queryNumber(pipeline.clickhouse, sql);

  beforeAll(async () => {
    pipeline = await startPipeline();
    venue = await startFakeVenue({
      rest: (path, query) =>
        path === '/fapi/v1/depth' && query.get('symbol') === 'BTCUSDT'
          ? { status: 200, body: script.depthSnapshot() }
          : undefined,
    });
    feed = await startFeedUnderTest({
      kafka: pipeline.kafka,
      config: pipeline.config,
      log: testLog,
      venue: binance,
      symbols: ['BTCUSDT'],
      wsUrl: venue.wsBase,
      restUrl: venue.httpBase,
    });
    await waitFor('the connector to connect', async () => (venue.openClients() === 1 ? true : undefined), {
      timeoutMs: 10_000,
    });
  });

  afterAll(async () => {
    await feed?.stop();
    await venue?.close();
    await pipeline?.close();
  });

  it('subscribes to the five combined streams and lands every kind of event in its fact table', async () => {
    expect(venue.connectionUrls[0]).toBe(
      '/stream?streams=btcusdt@aggTrade/btcusdt@bookTicker/btcusdt@depth@100ms/btcusdt@markPrice@1s/btcusdt@forceOrder',
    );
    for (let i = 0; i < 5; i++) venue.broadcast(script.tick(100).aggTrade());
    for (let i = 0; i < 3; i++) venue.broadcast(script.tick(10).bookTicker());
    venue.broadcast(script.tick(100).depth());
    await waitFor(
      'the depth snapshot request',
      async () => (venue.restRequests.length === 1 ? true : undefined),
      {
        timeoutMs: 10_000,
      },
    );
    expect(venue.restRequests[0]).toBe('/fapi/v1/depth?symbol=BTCUSDT&limit=1000');
    for (let i = 0; i < 5; i++) venue.broadcast(script.tick(100).depth());
    venue.broadcast(script.tick(100).markPrice());
    venue.broadcast(script.tick(1000).markPrice());
    venue.broadcast(script.tick(5).forceOrder());

    await pipeline.waitForCount("SELECT count() FROM market_trades WHERE venue = 'binance'", 5);
    await pipeline.waitForCount("SELECT count() FROM market_book_l1 WHERE venue = 'binance'", 3);
    // The snapshot, then all six diffs: the first spans the snapshot's lastUpdateId.
    await pipeline.waitForCount("SELECT count() FROM market_depth WHERE venue = 'binance'", 7);
    await pipeline.waitForCount("SELECT count() FROM market_mark WHERE venue = 'binance'", 2);
    await pipeline.waitForCount("SELECT count() FROM market_liquidations WHERE venue = 'binance'", 1);

    const depth = await queryRows<{
      kind: string;
      first_update_id: string;
      final_update_id: string;
      prev_update_id: string;
    }>(
      pipeline.clickhouse,
      'SELECT kind, first_update_id, final_update_id, prev_update_id FROM market_depth ORDER BY final_update_id, kind',
    );
    expect(depth[0]?.kind).toBe('snapshot');
    const lastUpdateId = Number(depth[0]?.final_update_id);
    expect(Number(depth[1]?.first_update_id)).toBeLessThanOrEqual(lastUpdateId);
    expect(Number(depth[1]?.final_update_id)).toBeGreaterThanOrEqual(lastUpdateId);
    for (let i = 2; i < depth.length; i++)
      expect(depth[i]?.prev_update_id).toBe(depth[i - 1]?.final_update_id);

    // Venue time and receive time are both kept: latency is a column difference away.
    const [latency] = await queryRows<{ bad: string; n: string }>(
      pipeline.clickhouse,
      `SELECT countIf(received_at < occurred_at - INTERVAL 1 SECOND) AS bad, count() AS n FROM market_trades`,
    );
    expect([Number(latency?.bad), Number(latency?.n)]).toEqual([0, 5]);
    const [trade] = await queryRows<{ source: string; side: string }>(
      pipeline.clickhouse,
      'SELECT source, toString(side) AS side FROM market_trades LIMIT 1',
    );
    expect(trade?.source).toBe('binance-usdm');
    expect(await ch('SELECT count() FROM dead_letters')).toBe(0);
  });

  it('on a sequence gap raises an integrity event, resyncs from a fresh snapshot and never publishes across it', async () => {
    const lastGood = script.lastDepthId;
    script.skipDepth(2);
    const gap = JSON.parse(script.tick(100).depth()).data as { pu: number; U: number; u: number };
    venue.broadcast(JSON.stringify({ stream: 'btcusdt@depth@100ms', data: gap }));
    await waitFor(
      'the resync snapshot request',
      async () => (venue.restRequests.length === 2 ? true : undefined),
      {
        timeoutMs: 10_000,
      },
    );
    for (let i = 0; i < 3; i++) venue.broadcast(script.tick(100).depth());

    await pipeline.waitForCount("SELECT count() FROM market_integrity WHERE kind = 'sequence_gap'", 1);
    const [event] = await queryRows<{ symbol: string; stream: string; expected: string; got: string }>(
      pipeline.clickhouse,
      "SELECT symbol, stream, expected, got FROM market_integrity WHERE kind = 'sequence_gap'",
    );
    expect(event).toMatchObject({
      symbol: 'BTCUSDT',
      stream: 'btcusdt@depth@100ms',
      expected: `pu=${lastGood}`,
    });
    expect(event?.got).toBe(`pu=${gap.pu} (U=${gap.U}, u=${gap.u})`);

    // Second snapshot, the gap diff (it spans the new snapshot) and three more diffs.
    await pipeline.waitForCount("SELECT count() FROM market_depth WHERE kind = 'snapshot'", 2);
    await pipeline.waitForCount('SELECT count() FROM market_depth', 7 + 5);
    expect(await metricValue(feed.metrics.resyncs, { venue: 'binance' })).toBe(1);
    // No diff was published between the break and the new snapshot.
    const resync = await ch("SELECT max(final_update_id) FROM market_depth WHERE kind = 'snapshot'");
    expect(resync).toBe(gap.u);
    expect(
      await ch(
        `SELECT count() FROM market_depth WHERE kind = 'diff' AND final_update_id > ${lastGood} AND final_update_id < ${gap.u}`,
      ),
    ).toBe(0);
  });

  it('counts malformed frames and dead-letters them with a reason, and keeps going', async () => {
    const badPrice = script.tick(10).aggTrade({ p: 'abc' });
    venue.broadcast('this is not json');
    venue.broadcast(Buffer.from([0xde, 0xad]), { binary: true });
    venue.broadcast(badPrice);
    venue.broadcast(JSON.stringify({ stream: 'btcusdt@kline_1m', data: { e: 'kline', E: script.now } }));
    const good = script.tick(10).aggTrade();
    venue.broadcast(good);

    await pipeline.waitForCount("SELECT count() FROM market_trades WHERE venue = 'binance'", 6);
    expect(await metricValue(feed.metrics.malformed, { venue: 'binance' })).toBe(4);
    const prefix = pipeline.config.KAFKA_TOPIC_PREFIX;
    const [trade] = await readTopic(pipeline.kafka, `${prefix}market.trades.dlq`, 1);
    expect(trade?.value).toBe(badPrice);
    expect(trade?.headers['dlq-reason']).toMatch(/^binance: market.trades: price: /);
    const unattributed = await readTopic(pipeline.kafka, `${prefix}market.integrity.dlq`, 3);
    expect(unattributed.map((l) => l.headers['dlq-reason']).sort()).toEqual([
      expect.stringMatching(/^binance: binary frame/),
      expect.stringMatching(/^binance: invalid JSON: /),
      'binance: unknown event type "kline" on stream btcusdt@kline_1m',
    ]);
    expect(unattributed.map((l) => l.value)).toContain('this is not json');
  });

  it('reconnects after a dropped connection, says so, and resumes without a false gap', async () => {
    venue.dropAll();
    await waitFor(
      'a second connection',
      async () => (venue.openClients() === 1 && venue.connections === 2 ? true : undefined),
      {
        timeoutMs: 10_000,
      },
    );
    venue.broadcast(script.tick(10).aggTrade());
    venue.broadcast(script.tick(100).depth());
    await pipeline.waitForCount("SELECT count() FROM market_trades WHERE venue = 'binance'", 7);
    await pipeline.waitForCount('SELECT count() FROM market_depth', 13);
    await pipeline.waitForCount("SELECT count() FROM market_integrity WHERE kind = 'disconnected'", 1);
    expect(await ch("SELECT count() FROM market_integrity WHERE kind = 'sequence_gap'")).toBe(1);
    expect(await metricValue(feed.metrics.reconnects, { venue: 'binance', reason: 'closed' })).toBe(1);
  });

  it('reconnects a stream gone silent and raises a stale-stream integrity event', async () => {
    const quiet = await startFakeVenue();
    const watched = await startFeedUnderTest({
      kafka: pipeline.kafka,
      config: pipeline.config,
      log: testLog,
      venue: binance,
      symbols: ['ETHUSDT'],
      wsUrl: quiet.wsBase,
      restUrl: quiet.httpBase,
      rails: { staleFeedMs: 600 },
    });
    try {
      await waitFor('the watchdog to reconnect', async () => (quiet.connections >= 2 ? true : undefined), {
        timeoutMs: 10_000,
      });
      await pipeline.waitForCount(
        "SELECT count() FROM market_integrity WHERE kind = 'stale_stream' AND symbol = 'ETHUSDT'",
        3,
      );
      const streams = await queryRows<{ stream: string }>(
        pipeline.clickhouse,
        "SELECT DISTINCT stream FROM market_integrity WHERE kind = 'stale_stream' ORDER BY stream",
      );
      expect(streams.map((s) => s.stream)).toEqual([
        'ethusdt@bookTicker',
        'ethusdt@depth@100ms',
        'ethusdt@markPrice@1s',
      ]);
      expect(
        await metricValue(watched.metrics.reconnects, { venue: 'binance', reason: 'stale' }),
      ).toBeGreaterThanOrEqual(1);
    } finally {
      await watched.stop();
      await quiet.close();
    }
  });
});
