import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { queryNumber, queryRows } from '../lib/clickhouse/client.js';
import { engineTopics } from '../lib/contracts/engine.js';
import { newEventId } from '../lib/contracts/envelope.js';
import { userTopics } from '../lib/contracts/user.js';
import {
  aBrowserAction,
  aDeposit,
  aLogin,
  anApiKeyChange,
  anExecution,
  anOrder,
  aWithdrawal,
} from './engine-user-builders.js';
import { usePipeline } from './pipeline-fixture.js';

/**
 * Engine and user topics end to end on the real broker and engine: producer library →
 * topic → Kafka engine table → views → fact tables, and broken messages → dead_letters.
 */
describe('engine and user facts', () => {
  const ctx = usePipeline();

  it('stores every event type in its fact table, each field where the contract put it', async () => {
    const fill = anOrder({
      event: 'fill',
      order_id: 'o-fill',
      fill_price: 64_999.5,
      fill_quantity: 0.1,
      filled_quantity: 0.1,
      trade_id: 't-fill',
    });
    const market = anOrder({
      order_type: 'market',
      price: undefined,
      time_in_force: 'ioc',
      order_id: 'o-mkt',
    });
    const selfTrade = anExecution({ taker_account_id: 'acc-1' });
    const login = aLogin({ ip: '2001:db8::7', geo_country: undefined });
    const withdrawal = aWithdrawal();
    const deposit = aDeposit({ network: undefined });
    const outcomes = await Promise.all([
      ctx.producer.produce(engineTopics.engineOrders, [fill, market]),
      ctx.producer.produce(engineTopics.engineExecutions, [selfTrade, anExecution()]),
      ctx.producer.produce(userTopics.userLogins, [login]),
      ctx.producer.produce(userTopics.userFunds, [withdrawal, deposit]),
      ctx.producer.produce(userTopics.userApiKeys, [anApiKeyChange({ permissions: ['read', 'withdraw'] })]),
      ctx.producer.produce(userTopics.userBrowser, [aBrowserAction({ account_id: undefined })]),
    ]);
    expect(outcomes.flatMap((o) => o.rejected)).toEqual([]);

    for (const [table, n] of [
      ['engine_orders', 2],
      ['engine_executions', 2],
      ['user_logins', 1],
      ['user_funds', 2],
      ['user_api_keys', 1],
      ['user_browser_actions', 1],
    ] as const) {
      await ctx.pipeline.waitForCount(`SELECT count(DISTINCT event_id) FROM ${table}`, n);
    }
    expect(await queryNumber(ctx.pipeline.clickhouse, 'SELECT count() FROM dead_letters')).toBe(0);

    const orders = await queryRows<Record<string, unknown>>(
      ctx.pipeline.clickhouse,
      'SELECT order_id, event, price, fill_price, trade_id FROM engine_orders FINAL ORDER BY order_id',
    );
    expect(orders).toEqual([
      { order_id: 'o-fill', event: 'fill', price: 65_000.5, fill_price: 64_999.5, trade_id: 't-fill' },
      { order_id: 'o-mkt', event: 'new', price: null, fill_price: null, trade_id: '' },
    ]);
    expect(
      await queryNumber(ctx.pipeline.clickhouse, 'SELECT countIf(self_trade) FROM engine_executions FINAL'),
    ).toBe(1);
    const [storedLogin] = await queryRows<Record<string, unknown>>(
      ctx.pipeline.clickhouse,
      'SELECT toString(ip) AS ip, geo_country, outcome FROM user_logins',
    );
    expect(storedLogin).toEqual({ ip: '2001:db8::7', geo_country: '', outcome: 'success' });
    const funds = await queryRows<Record<string, unknown>>(
      ctx.pipeline.clickhouse,
      'SELECT direction, network, amount FROM user_funds ORDER BY direction',
    );
    expect(funds).toEqual([
      { direction: 'deposit', network: '', amount: 1250.5 },
      { direction: 'withdrawal', network: 'TRC20', amount: 1250.5 },
    ]);
    expect(await queryRows(ctx.pipeline.clickhouse, 'SELECT permissions, ip FROM user_api_keys')).toEqual([
      { permissions: ['read', 'withdraw'], ip: null },
    ]);
  });

  it('dead-letters broken JSON and contract violations from any writer, naming the field', async () => {
    const prefix = ctx.pipeline.config.KAFKA_TOPIC_PREFIX;
    const broken: Array<{ topic: string; bytes: string; reason: string }> = [
      { topic: 'engine.orders', bytes: '{"event_id": "01J', reason: 'invalid JSON' },
      {
        topic: 'engine.orders',
        bytes: JSON.stringify({ ...anOrder(), price: undefined }),
        reason: 'price: required for limit orders',
      },
      {
        topic: 'engine.executions',
        bytes: JSON.stringify({ ...anExecution(), taker_order_id: 'o-1' }),
        reason: 'taker_order_id: must differ from maker_order_id',
      },
      { topic: 'user.logins', bytes: JSON.stringify({ ...aLogin(), ip: 'nowhere' }), reason: 'ip: ' },
      {
        topic: 'user.funds',
        bytes: JSON.stringify({ ...aWithdrawal(), amount: -10 }),
        reason: 'amount: a positive number is required',
      },
      {
        topic: 'user.api_keys',
        bytes: JSON.stringify({ ...anApiKeyChange(), permissions: ['admin'] }),
        reason: 'permissions: ',
      },
      {
        topic: 'user.browser',
        bytes: JSON.stringify({ ...aBrowserAction(), action: 'Page View' }),
        reason: 'action: a lower-case name',
      },
    ];
    // A writer that bypasses the producer library: raw bytes straight onto the topics.
    const raw = ctx.pipeline.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await raw.connect();
    await raw.sendBatch({
      topicMessages: broken.map((b) => ({
        topic: `${prefix}${b.topic}`,
        messages: [{ key: 'k', value: b.bytes }],
      })),
    });
    const after = aLogin({ event_id: newEventId() });
    await raw.send({ topic: `${prefix}user.logins`, messages: [{ key: 'k', value: JSON.stringify(after) }] });
    await raw.disconnect();

    await ctx.pipeline.waitForCount('SELECT count() FROM dead_letters', broken.length);
    await ctx.pipeline.waitForCount(
      `SELECT count() FROM user_logins WHERE event_id = '${after.event_id}'`,
      1,
    );
    const letters = await queryRows<{ topic: string; error: string; raw_message: string }>(
      ctx.pipeline.clickhouse,
      'SELECT topic, error, raw_message FROM dead_letters',
    );
    for (const expected of broken) {
      const letter = letters.find(
        (l) => l.topic === `${prefix}${expected.topic}` && l.error.includes(expected.reason),
      );
      expect(letter, `${expected.topic}: ${expected.reason}`).toBeDefined();
      if (expected.reason === 'invalid JSON') expect(letter?.raw_message).toBe(expected.bytes);
    }
  });
});
