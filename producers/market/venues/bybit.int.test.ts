import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryNumber, queryRows } from '../../../lib/clickhouse/client.js';
import { waitFor } from '../../../lib/time.js';
import { type Pipeline, startPipeline, testLog } from '../../../test/pipeline-fixture.js';
import { readTopic } from '../../../test/read-topic.js';
import { metricValue } from '../metrics.js';
import { type FakeVenue, startFakeVenue } from '../testing/fake-venue.js';
import { type FeedUnderTest, startFeedUnderTest } from '../testing/harness.js';
import { BybitScript, bybitReply } from '../wire-script.js';
import { bybit } from './bybit.js';

/**
 * The Bybit connector against a loopback venue speaking Bybit v5's public linear protocol:
 * op-based subscribe/ping with replies, an orderbook snapshot on every subscription, deltas
 * with `u` rising by one.
 */
describe('bybit connector', () => {
  let pipeline: Pipeline;
  let venue: FakeVenue;
  let feed: FeedUnderTest;
  const script = new BybitScript('BTCUSDT', Date.now() - 60_000, 3);
  const subscriptions: string[] = [];
  const ch = (sql: string) => queryNumber(pipeline.clickhouse, sql);

  beforeAll(async () => {
    pipeline = await startPipeline();
    venue = await startFakeVenue({
      onMessage: (socket, text) => {
        const request = JSON.parse(text) as { op: string; req_id?: string; args?: string[] };
        socket.send(bybitReply(request));
        if (request.op !== 'subscribe') return;
        for (const topic of request.args ?? []) {
          subscriptions.push(topic);
          // Like Bybit: a book subscription starts with a snapshot of the book.
          if (topic === 'orderbook.50.BTCUSDT') socket.send(script.tick(5).orderbookSnapshot());
          if (topic === 'tickers.BTCUSDT') socket.send(script.tick(5).tickers('snapshot'));
        }
      },
    });
    feed = await startFeedUnderTest({
      kafka: pipeline.kafka,
      config: pipeline.config,
      log: testLog,
      venue: bybit,
      symbols: ['BTCUSDT'],
      wsUrl: `${venue.wsBase}/v5/public/linear`,
      restUrl: venue.httpBase,
    });
    await waitFor('the four subscriptions', async () => (subscriptions.length === 4 ? true : undefined), {
      timeoutMs: 10_000,
    });
  });

  afterAll(async () => {
    await feed?.stop();
    await venue?.close();
    await pipeline?.close();
  });

  it('subscribes with op frames and lands trades, book, L1, mark and liquidations', async () => {
    expect(venue.connectionUrls[0]).toBe('/v5/public/linear');
    expect(JSON.parse(venue.received[0] as string)).toMatchObject({
      op: 'subscribe',
      args: ['publicTrade.BTCUSDT', 'orderbook.50.BTCUSDT', 'tickers.BTCUSDT', 'allLiquidation.BTCUSDT'],
    });
    venue.broadcast(script.tick(20).publicTrade(3));
    for (let i = 0; i < 4; i++) venue.broadcast(script.tick(20).orderbookDelta());
    venue.broadcast(script.tick(100).tickers('delta'));
    venue.broadcast(script.tick(100).allLiquidation());

    await pipeline.waitForCount("SELECT count() FROM market_trades WHERE venue = 'bybit'", 3);
    await pipeline.waitForCount("SELECT count() FROM market_depth WHERE venue = 'bybit'", 5);
    await pipeline.waitForCount("SELECT count() FROM market_mark WHERE venue = 'bybit'", 2);
    await pipeline.waitForCount("SELECT count() FROM market_liquidations WHERE venue = 'bybit'", 1);
    await pipeline.waitForCount("SELECT count() FROM market_book_l1 WHERE venue = 'bybit'", 1);
    const depth = await queryRows<{ kind: string; final_update_id: string; prev_update_id: string }>(
      pipeline.clickhouse,
      'SELECT kind, final_update_id, prev_update_id FROM market_depth ORDER BY final_update_id',
    );
    expect(depth.map((d) => d.kind)).toEqual(['snapshot', 'diff', 'diff', 'diff', 'diff']);
    for (let i = 1; i < depth.length; i++) {
      expect(Number(depth[i]?.final_update_id)).toBe(Number(depth[i]?.prev_update_id) + 1);
    }
    // The L1 quote is the top of the synced book, as the depth row says.
    const [l1] = await queryRows<{ ok: number }>(
      pipeline.clickhouse,
      `SELECT (SELECT argMax(bid_price, update_id) FROM market_book_l1) =
              (SELECT argMax(best_bid_price, final_update_id) FROM market_depth) AS ok`,
    );
    expect(Number(l1?.ok)).toBe(1);
    const [mark] = await queryRows<{ funding_rate: number; next_funding_at: string }>(
      pipeline.clickhouse,
      'SELECT funding_rate, next_funding_at FROM market_mark ORDER BY occurred_at DESC LIMIT 1',
    );
    // A delta without funding keeps what the snapshot said.
    expect(mark?.funding_rate).toBe(-0.000212);
  });

  it('on a `u` gap raises an integrity event, resubscribes and starts again from the new snapshot', async () => {
    const expected = script.lastUpdate + 1;
    script.skipDelta(3);
    venue.broadcast(script.tick(20).orderbookDelta());
    await waitFor(
      'the resubscription',
      async () =>
        venue.received.some((m) => m.includes('"op":"unsubscribe"')) && subscriptions.length === 5
          ? true
          : undefined,
      { timeoutMs: 10_000 },
    );
    venue.broadcast(script.tick(20).orderbookDelta());
    await pipeline.waitForCount(
      "SELECT count() FROM market_integrity WHERE venue = 'bybit' AND kind = 'sequence_gap'",
      1,
    );
    const [event] = await queryRows<{ stream: string; expected: string; got: string }>(
      pipeline.clickhouse,
      "SELECT stream, expected, got FROM market_integrity WHERE kind = 'sequence_gap'",
    );
    expect(event).toEqual({
      stream: 'orderbook.50.BTCUSDT',
      expected: `u=${expected}`,
      got: `u=${expected + 3}`,
    });
    await pipeline.waitForCount("SELECT count() FROM market_depth WHERE kind = 'snapshot'", 2);
    await pipeline.waitForCount('SELECT count() FROM market_depth', 7);
    // The delta that broke the chain was never published.
    expect(await ch(`SELECT count() FROM market_depth WHERE final_update_id = ${expected + 3}`)).toBe(0);
    expect(await metricValue(feed.metrics.resyncs, { venue: 'bybit' })).toBe(1);
  });

  it('dead-letters frames it cannot read and counts refused subscriptions', async () => {
    venue.broadcast('{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,"data":{"oops":true}}');
    venue.broadcast('{"success":false,"ret_msg":"error:handler not found","conn_id":"x","op":"subscribe"}');
    const prefix = pipeline.config.KAFKA_TOPIC_PREFIX;
    const [letter] = await readTopic(pipeline.kafka, `${prefix}market.trades.dlq`, 1);
    expect(letter?.headers['dlq-reason']).toBe('bybit: publicTrade: data must be an array of trades');
    expect(await metricValue(feed.metrics.malformed, { venue: 'bybit' })).toBe(2);
  });
});
