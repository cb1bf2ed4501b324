import { describe, expect, it } from 'vitest';
import { queryRows } from '../../lib/clickhouse/client.js';
import { topics } from '../../lib/contracts/topics.js';
import { aLogin } from '../../test/engine-user-builders.js';
import { usePipeline } from '../../test/pipeline-fixture.js';

/** What a producer refuses reaches dead_letters too: one table for every refusal. */
describe('producer-side dead letters in ClickHouse', () => {
  const ctx = usePipeline();

  it('stores each refused item with its reason, topic, raw bytes and who refused it', async () => {
    const outcome = await ctx.producer.produce(topics.userLogins, [
      aLogin(),
      aLogin({ ip: '999.1.1.1' }),
      'not an object',
    ]);
    await ctx.producer.deadLetter(topics.marketTrades, [
      { value: '\u0000binary?', reason: 'binance: unreadable frame' },
    ]);
    expect(outcome.rejected).toHaveLength(2);
    await ctx.pipeline.waitForCount('SELECT count() FROM dead_letters', 3);
    await ctx.pipeline.waitForCount('SELECT count() FROM user_logins', 1);
    const rows = await queryRows<Record<string, string>>(
      ctx.pipeline.clickhouse,
      'SELECT topic, consumer, error, raw_message FROM dead_letters ORDER BY topic, error',
    );
    const prefix = ctx.pipeline.config.KAFKA_TOPIC_PREFIX;
    expect(rows).toEqual([
      {
        topic: `${prefix}market.trades`,
        consumer: 'market_trades_dlq_queue',
        error: 'binance: unreadable frame',
        raw_message: '\u0000binary?',
      },
      expect.objectContaining({
        topic: `${prefix}user.logins`,
        consumer: 'user_logins_dlq_queue',
        error: expect.stringMatching(/^\(event\): /),
      }),
      expect.objectContaining({
        topic: `${prefix}user.logins`,
        consumer: 'user_logins_dlq_queue',
        error: expect.stringMatching(/^ip: /),
        raw_message: expect.stringContaining('"ip":"999.1.1.1"'),
      }),
    ]);
  });
});
