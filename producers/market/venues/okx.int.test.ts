import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryNumber, queryRows } from '../../../lib/clickhouse/client.js';
import { waitFor } from '../../../lib/time.js';
import { type Pipeline, startPipeline, testLog } from '../../../test/pipeline-fixture.js';
import { readTopic } from '../../../test/read-topic.js';
import { metricValue } from '../metrics.js';
import { OkxScript, okxInstruments, okxReply } from '../okx-wire-script.js';
import { type FakeVenue, startFakeVenue } from '../testing/fake-venue.js';
import { type FeedUnderTest, startFeedUnderTest } from '../testing/harness.js';
import { okx } from './okx.js';

/**
 * The OKX connector against a loopback venue speaking OKX v5's public protocol: the
 * instruments REST call (contract sizes), `{"op":"subscribe","args":[{channel, instId}]}` with
 * event replies, text ping/pong, a books snapshot on every books subscription, updates
 * chained by prevSeqId and each carrying the CRC32 checksum of the venue's top 25 levels.
 */
describe('okx connector', () => {
  let pipeline: Pipeline;
  let venue: FakeVenue;
  let feed: FeedUnderTest;
  const script = new OkxScript('BTCUSDT', Date.now() - 60_000, 5);
  const subscriptions: string[] = [];
  const ch = (sql: string) => queryNumber(pipeline.clickhouse, sql);
  const bookSubscriptions = () => subscriptions.filter((s) => s === 'books:BTC-USDT-SWAP').length;

  beforeAll(async () => {
    pipeline = await startPipeline();
    venue = await startFakeVenue({
      rest: (path, query) =>
        path === '/api/v5/public/instruments' && query.get('instType') === 'SWAP'
          ? { status: 200, body: okxInstruments([script]) }
          : undefined,
      onMessage: (socket, text) => {
        if (text === 'ping') {
          socket.send('pong');
          return;
        }
        const request = JSON.parse(text) as { op: string; args: Record<string, string>[] };
        for (const arg of request.args) {
          socket.send(okxReply(request.op, arg));
          if (request.op !== 'subscribe') continue;
          subscriptions.push(`${arg.channel}:${arg.instId ?? arg.instType}`);
          // Like OKX: a books subscription starts with a snapshot of the book.
          if (arg.channel === 'books') socket.send(script.tick(5).booksSnapshot());
        }
      },
    });
    feed = await startFeedUnderTest({
      kafka: pipeline.kafka,
      config: pipeline.config,
      log: testLog,
      venue: okx,
      symbols: ['BTCUSDT'],
      wsUrl: `${venue.wsBase}/ws/v5/public`,
      restUrl: venue.httpBase,
    });
    await waitFor('the eight subscriptions', async () => (subscriptions.length === 8 ? true : undefined), {
      timeoutMs: 20_000,
    });
  });

  afterAll(async () => {
    await feed?.stop();
    await venue?.close();
    await pipeline?.close();
  });

  it('subscribes per channel and lands trades, book, L1, mark, open interest and liquidations in base units', async () => {
    expect(venue.connectionUrls[0]).toBe('/ws/v5/public');
    expect(venue.restRequests).toContain('/api/v5/public/instruments?instType=SWAP');
    expect(subscriptions).toEqual([
      'trades:BTC-USDT-SWAP',
      'books:BTC-USDT-SWAP',
      'tickers:BTC-USDT-SWAP',
      'mark-price:BTC-USDT-SWAP',
      'index-tickers:BTC-USDT',
      'funding-rate:BTC-USDT-SWAP',
      'open-interest:BTC-USDT-SWAP',
      'liquidation-orders:SWAP',
    ]);
    const trades = script.tick(20).trades(3);
    venue.broadcast(trades);
    for (let i = 0; i < 4; i++) venue.broadcast(script.tick(20).booksUpdate());
    venue.broadcast(script.tick(20).booksNoChange());
    venue.broadcast(script.tick(20).tickers());
    venue.broadcast(script.tick(20).indexTickers());
    venue.broadcast(script.tick(20).fundingRate('-0.000212'));
    venue.broadcast(script.tick(20).markPrice());
    const oi = script.tick(20).openInterest();
    venue.broadcast(oi);
    venue.broadcast(script.tick(20).liquidation());

    await pipeline.waitForCount("SELECT count() FROM market_trades WHERE venue = 'okx'", 3);
    await pipeline.waitForCount("SELECT count() FROM market_depth WHERE venue = 'okx'", 5);
    await pipeline.waitForCount("SELECT count() FROM market_book_l1 WHERE venue = 'okx'", 1);
    await pipeline.waitForCount("SELECT count() FROM market_mark WHERE venue = 'okx'", 1);
    await pipeline.waitForCount("SELECT count() FROM market_open_interest WHERE venue = 'okx'", 1);
    await pipeline.waitForCount("SELECT count() FROM market_liquidations WHERE venue = 'okx'", 1);
    // Contracts × ctVal (0.01 BTC): quantities are in the base asset, like Binance and Bybit.
    const sent = (JSON.parse(trades) as { data: { tradeId: string; sz: string }[] }).data;
    const stored = await queryRows<{ trade_id: string; quantity: number; symbol: string }>(
      pipeline.clickhouse,
      "SELECT trade_id, quantity, symbol FROM market_trades WHERE venue = 'okx' ORDER BY trade_id",
    );
    expect(stored).toEqual(
      sent.map((t) => ({ trade_id: t.tradeId, quantity: Number(t.sz) * 0.01, symbol: 'BTCUSDT' })),
    );
    const depth = await queryRows<{ kind: string; final_update_id: string; prev_update_id: string }>(
      pipeline.clickhouse,
      "SELECT kind, final_update_id, prev_update_id FROM market_depth WHERE venue = 'okx' ORDER BY final_update_id",
    );
    // The "no change" message proves the chain alive but publishes nothing.
    expect(depth.map((d) => d.kind)).toEqual(['snapshot', 'diff', 'diff', 'diff', 'diff']);
    for (let i = 1; i < depth.length; i++)
      expect(depth[i]?.prev_update_id).toBe(depth[i - 1]?.final_update_id);
    const [mark] = await queryRows<{ funding_rate: number; index_price: number; next_funding_at: string }>(
      pipeline.clickhouse,
      "SELECT funding_rate, index_price, toUnixTimestamp64Milli(next_funding_at) AS next_funding_at FROM market_mark WHERE venue = 'okx'",
    );
    expect(mark?.funding_rate).toBe(-0.000212);
    expect(mark?.index_price).toBeGreaterThan(0);
    expect(Number(mark?.next_funding_at) % 28_800_000).toBe(0);
    const sentOi = (JSON.parse(oi) as { data: { oiCcy: string; oiUsd: string }[] }).data[0];
    const [storedOi] = await queryRows<{ open_interest: number; open_interest_value: number; via: string }>(
      pipeline.clickhouse,
      "SELECT open_interest, open_interest_value, toString(via) AS via FROM market_open_interest WHERE venue = 'okx'",
    );
    expect(storedOi).toEqual({
      open_interest: Number(sentOi?.oiCcy),
      open_interest_value: Number(sentOi?.oiUsd),
      via: 'stream',
    });
    expect(venue.received).not.toContain('ping'); // 20 s heartbeat: not due within this test.
  });

  it('on a prevSeqId break raises an integrity event, resubscribes and starts again from the new snapshot', async () => {
    const expected = script.lastSeq;
    script.skipUpdates(2);
    const broken = script.tick(20).booksUpdate();
    venue.broadcast(broken);
    await waitFor('the resubscription', async () => (bookSubscriptions() === 2 ? true : undefined), {
      timeoutMs: 20_000,
    });
    expect(venue.received.some((m) => m.includes('"op":"unsubscribe"'))).toBe(true);
    venue.broadcast(script.tick(20).booksUpdate());
    await pipeline.waitForCount(
      "SELECT count() FROM market_integrity WHERE venue = 'okx' AND kind = 'sequence_gap'",
      1,
    );
    const [event] = await queryRows<{ stream: string; expected: string; got: string }>(
      pipeline.clickhouse,
      "SELECT stream, expected, got FROM market_integrity WHERE venue = 'okx' AND kind = 'sequence_gap'",
    );
    const seqs = (JSON.parse(broken) as { data: { prevSeqId: number; seqId: number }[] }).data[0];
    expect(event).toEqual({
      stream: 'books:BTC-USDT-SWAP',
      expected: `prevSeqId=${expected}`,
      got: `prevSeqId=${seqs?.prevSeqId} (seqId=${seqs?.seqId})`,
    });
    await pipeline.waitForCount(
      "SELECT count() FROM market_depth WHERE venue = 'okx' AND kind = 'snapshot'",
      2,
    );
    await pipeline.waitForCount("SELECT count() FROM market_depth WHERE venue = 'okx'", 7);
    expect(await ch(`SELECT count() FROM market_depth WHERE final_update_id = ${seqs?.seqId}`)).toBe(0);
    expect(await metricValue(feed.metrics.resyncs, { venue: 'okx' })).toBe(1);
  });

  it('on a checksum mismatch does the same: the book that disagrees with the venue is never published', async () => {
    const corrupt = script.tick(20).booksUpdate(true);
    venue.broadcast(corrupt);
    await waitFor('the second resubscription', async () => (bookSubscriptions() === 3 ? true : undefined), {
      timeoutMs: 20_000,
    });
    venue.broadcast(script.tick(20).booksUpdate());
    // Its own kind: the seqId chain was intact, the book was not.
    await pipeline.waitForCount(
      "SELECT count() FROM market_integrity WHERE venue = 'okx' AND kind = 'checksum_mismatch'",
      1,
    );
    expect(
      await ch("SELECT count() FROM market_integrity WHERE venue = 'okx' AND kind = 'sequence_gap'"),
    ).toBe(1);
    expect(await metricValue(feed.metrics.integrity, { venue: 'okx', kind: 'checksum_mismatch' })).toBe(1);
    const sent = (JSON.parse(corrupt) as { data: { checksum: number; seqId: number }[] }).data[0];
    const [event] = await queryRows<{ stream: string; expected: string; got: string }>(
      pipeline.clickhouse,
      "SELECT stream, expected, got FROM market_integrity WHERE venue = 'okx' AND kind = 'checksum_mismatch'",
    );
    expect(event).toEqual({
      stream: 'books:BTC-USDT-SWAP',
      expected: `checksum=${sent?.checksum}`,
      got: `checksum=${(sent?.checksum ?? 0) - 1} at seqId=${sent?.seqId}`,
    });
    await pipeline.waitForCount(
      "SELECT count() FROM market_depth WHERE venue = 'okx' AND kind = 'snapshot'",
      3,
    );
    await pipeline.waitForCount("SELECT count() FROM market_depth WHERE venue = 'okx'", 9);
    expect(await ch(`SELECT count() FROM market_depth WHERE final_update_id = ${sent?.seqId}`)).toBe(0);
    expect(await metricValue(feed.metrics.resyncs, { venue: 'okx' })).toBe(2);
  });

  it('dead-letters frames it cannot read and counts refused subscriptions', async () => {
    venue.broadcast(
      '{"arg":{"channel":"books","instId":"BTC-USDT-SWAP"},"action":"update","data":[{"oops":1}]}',
    );
    venue.broadcast(
      '{"event":"error","code":"60018","msg":"Wrong URL or channel:books9","connId":"a4d3ae55"}',
    );
    const prefix = pipeline.config.KAFKA_TOPIC_PREFIX;
    const [letter] = await readTopic(pipeline.kafka, `${prefix}market.depth.dlq`, 1);
    expect(letter?.headers['dlq-reason']).toBe(
      'okx: books: action, data[0].ts, seqId, prevSeqId, checksum, bids and asks are required',
    );
    await waitFor(
      'both refusals counted',
      async () => ((await metricValue(feed.metrics.malformed, { venue: 'okx' })) === 2 ? true : undefined),
      { timeoutMs: 10_000 },
    );
  });
});
