import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { queryNumber, queryRows } from '../lib/clickhouse/client.js';
import { topics } from '../lib/contracts/topics.js';
import { createTradeGenerator } from '../producers/sample/trade-generator.js';
import { testLog, usePipeline } from './pipeline-fixture.js';

/**
 * The walking skeleton end to end, on the real broker and the real engine:
 * producer library → market.trades → Kafka engine table → views → market_trades / dead_letters.
 */
describe('market trades pipeline', () => {
  const ctx = usePipeline();

  it('stores every one of 10,000 produced trades in market_trades', async () => {
    const nextTrade = createTradeGenerator({ seed: 11 });
    const trades = Array.from({ length: 10_000 }, () => nextTrade());
    const started = Date.now();
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        ctx.producer.produce(topics.marketTrades, trades.slice(i * 1000, (i + 1) * 1000)),
      ),
    );
    const acknowledgedMs = Date.now() - started;
    expect(outcomes.reduce((sum, o) => sum + o.accepted, 0)).toBe(10_000);
    expect(outcomes.flatMap((o) => o.rejected)).toEqual([]);

    await ctx.pipeline.waitForCount('SELECT count(DISTINCT event_id) FROM market_trades', 10_000);
    const visibleMs = Date.now() - started;
    testLog.warn({ acknowledgedMs, visibleMs }, '10,000 trades: produce → all rows visible');

    const stored = await queryRows<{ event_id: string }>(
      ctx.pipeline.clickhouse,
      'SELECT event_id FROM market_trades',
    );
    expect(new Set(stored.map((row) => row.event_id))).toEqual(new Set(trades.map((t) => t.event_id)));
    // Nothing was delivered twice, and nothing went to the dead letters.
    expect(await queryNumber(ctx.pipeline.clickhouse, 'SELECT count() FROM market_trades FINAL')).toBe(
      10_000,
    );
    expect(await queryNumber(ctx.pipeline.clickhouse, 'SELECT count() FROM dead_letters')).toBe(0);

    const [sample] = await queryRows<{ venue: string; side: string; price: number; latency_ms: number }>(
      ctx.pipeline.clickhouse,
      `SELECT venue, side, price, dateDiff('millisecond', occurred_at, received_at) AS latency_ms
       FROM market_trades WHERE event_id = {id:String}`,
      { id: trades[0]?.event_id },
    );
    expect(sample).toMatchObject({ venue: 'sample', side: trades[0]?.side, price: trades[0]?.price });
    expect(sample?.latency_ms).toBe((trades[0]?.received_at ?? 0) - (trades[0]?.occurred_at ?? 0));
  });

  it('keeps malformed messages in dead_letters with their bytes and reason, and ingests what follows', async () => {
    const topic = `${ctx.pipeline.config.KAFKA_TOPIC_PREFIX}${topics.marketTrades.name}`;
    const nextTrade = createTradeGenerator({ seed: 12 });
    const good = () => JSON.stringify(nextTrade());
    const broken = [
      { bytes: 'not json at all', reason: 'invalid JSON' },
      { bytes: '{"event_id": "01J', reason: 'invalid JSON' },
      { bytes: JSON.stringify({ ...nextTrade(), price: 'cheap' }), reason: 'invalid JSON' },
      { bytes: JSON.stringify({ ...nextTrade(), side: 'hold' }), reason: 'side: expected "buy" or "sell"' },
      {
        bytes: JSON.stringify({ ...nextTrade(), price: -5 }),
        reason: 'price: a positive number is required',
      },
      {
        bytes: JSON.stringify({ ...nextTrade(), occurred_at: 1_700_000_000 }),
        reason: 'occurred_at: epoch milliseconds',
      },
    ];
    const after = Array.from({ length: 50 }, good);
    // Another writer than our producer library: raw bytes straight onto the topic, one partition.
    const raw = ctx.pipeline.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await raw.connect();
    await raw.send({
      topic,
      messages: [...broken.map((b) => b.bytes), ...after].map((value) => ({ key: 'sample:BTCUSDT', value })),
    });
    await raw.disconnect();

    await ctx.pipeline.waitForCount('SELECT count() FROM dead_letters', broken.length);
    await ctx.pipeline.waitForCount(
      `SELECT count() FROM market_trades WHERE event_id IN (${after.map((a) => `'${JSON.parse(a).event_id}'`).join(',')})`,
      after.length,
    );
    const letters = await queryRows<{
      raw_message: string;
      error: string;
      topic: string;
      kafka_offset: string;
    }>(
      ctx.pipeline.clickhouse,
      'SELECT raw_message, error, topic, kafka_offset FROM dead_letters ORDER BY kafka_offset',
    );
    expect(letters).toHaveLength(broken.length);
    letters.forEach((letter, i) => {
      const expected = broken[i] as { bytes: string; reason: string };
      expect(letter.topic).toBe(topic);
      expect(letter.error).toContain(expected.reason);
      if (expected.reason === 'invalid JSON') expect(letter.raw_message).toBe(expected.bytes);
      else expect(JSON.parse(letter.raw_message).event_id).toBe(JSON.parse(expected.bytes).event_id);
    });
    // Offsets are consecutive on the one partition: each broken message is accounted for.
    const offsets = letters.map((l) => Number(l.kafka_offset));
    expect(offsets).toEqual(offsets.map((_, i) => (offsets[0] as number) + i));
  });

  it('refuses invalid events at the producer, naming the item and field, and dead-letters them on Kafka', async () => {
    const nextTrade = createTradeGenerator({ seed: 13 });
    const valid = nextTrade();
    const outcome = await ctx.producer.produce(topics.marketTrades, [
      valid,
      { ...nextTrade(), quantity: 0 },
      { ...nextTrade(), symbol: 'btc/usdt' },
      'garbage',
    ]);
    expect(outcome.accepted).toBe(1);
    expect(outcome.rejected.map((r) => r.index)).toEqual([1, 2, 3]);
    expect(outcome.rejected[0]?.reason).toMatch(/^quantity: /);
    expect(outcome.rejected[1]?.reason).toMatch(/^symbol: .*upper-case symbol/);
    expect(outcome.rejected[2]?.reason).toMatch(/^\(event\): /);

    const dlqTopic = `${ctx.pipeline.config.KAFKA_TOPIC_PREFIX}${topics.marketTrades.name}.dlq`;
    const consumer = ctx.pipeline.kafka.consumer({ groupId: `${dlqTopic}.reader` });
    await consumer.connect();
    await consumer.subscribe({ topic: dlqTopic, fromBeginning: true });
    const seen: Array<{ value: string; reason: string }> = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${seen.length} of 3 dead letters arrived`)),
        30_000,
      );
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.push({ value: String(message.value), reason: String(message.headers?.['dlq-reason']) });
          if (seen.length === 3) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    // Dead letters carry no key, so partitions (and the order across them) are arbitrary.
    expect(seen.map((s) => s.reason).sort()).toEqual(outcome.rejected.map((r) => r.reason).sort());
    expect(seen.find((s) => s.reason.startsWith('(event)'))?.value).toBe('garbage');
    expect(ctx.producer.stats().rejected).toEqual({
      [`${ctx.pipeline.config.KAFKA_TOPIC_PREFIX}market.trades`]: 3,
    });
  });
});
