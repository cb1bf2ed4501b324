import { describe, expect, it } from 'vitest';
import { anExecution, anOrder } from '../../test/engine-user-builders.js';
import { engineTopics } from './engine.js';
import { validate } from './validate.js';

const orders = engineTopics.engineOrders;
const executions = engineTopics.engineExecutions;

/** The reason validate() gives, or 'ok'. */
const reasonFor = (schema: typeof orders.schema | typeof executions.schema, input: unknown) => {
  const result = validate(schema as never, input);
  return result.ok ? 'ok' : result.reason;
};

describe('engine.orders contract', () => {
  it('accepts each lifecycle event in its valid shape', () => {
    expect(reasonFor(orders.schema, anOrder())).toBe('ok');
    expect(reasonFor(orders.schema, anOrder({ event: 'amend', quantity: 0.5 }))).toBe('ok');
    expect(reasonFor(orders.schema, anOrder({ event: 'cancel' }))).toBe('ok');
    expect(
      reasonFor(
        orders.schema,
        anOrder({
          event: 'fill',
          fill_price: 65_000,
          fill_quantity: 0.1,
          filled_quantity: 0.1,
          trade_id: 't-9',
        }),
      ),
    ).toBe('ok');
    expect(reasonFor(orders.schema, anOrder({ event: 'reject', reject_reason: 'insufficient margin' }))).toBe(
      'ok',
    );
    expect(
      reasonFor(orders.schema, anOrder({ order_type: 'market', price: undefined, time_in_force: 'ioc' })),
    ).toBe('ok');
  });

  it.each([
    ['price', { price: -1 }],
    ['price', { price: Number.POSITIVE_INFINITY }],
    ['quantity', { quantity: 0 }],
    ['side', { side: 'hold' }],
    ['order_type', { order_type: 'iceberg' }],
    ['time_in_force', { time_in_force: 'day' }],
    ['event', { event: 'replace' }],
    ['account_id', { account_id: '' }],
    ['order_id', { order_id: 'x'.repeat(65) }],
    ['symbol', { symbol: 'btc/usdt' }],
    ['schema_version', { schema_version: 2 }],
    ['occurred_at', { occurred_at: 1_700_000_000 }],
    ['type', { type: 'engine.trade' }],
  ])('refuses a bad %s, naming it', (field, override) => {
    expect(reasonFor(orders.schema, { ...anOrder(), ...override })).toMatch(new RegExp(`^${field}: `));
  });

  it.each([
    ['price', { price: undefined }, 'required for limit orders'],
    ['stop_price', { order_type: 'stop_market', price: undefined }, 'required for stop_market orders'],
    ['expires_at', { time_in_force: 'gtd' }, 'required for gtd orders'],
    ['fill_price', { event: 'fill', fill_quantity: 1, trade_id: 't' }, 'required when event is fill'],
    ['reject_reason', { event: 'reject' }, 'required when event is reject'],
    ['filled_quantity', { filled_quantity: 1 }, 'must not exceed quantity'],
  ])('requires %s where the order needs it', (field, override, message) => {
    expect(reasonFor(orders.schema, { ...anOrder(), ...override })).toBe(`${field}: ${message}`);
  });

  it('keys orders by account', () => {
    expect(orders.key(anOrder({ account_id: 'acc-77' }))).toBe('acc-77');
  });
});

describe('engine.executions contract', () => {
  it('accepts an execution, including a self-trade (same account on both sides)', () => {
    expect(reasonFor(executions.schema, anExecution())).toBe('ok');
    expect(reasonFor(executions.schema, anExecution({ taker_account_id: 'acc-1' }))).toBe('ok');
  });

  it.each([
    ['price', { price: 0 }],
    ['quantity', { quantity: -2 }],
    ['aggressor_side', { aggressor_side: 'both' }],
    ['maker_account_id', { maker_account_id: 'has space' }],
    ['taker_order_id', { taker_order_id: 'o-1' }],
    ['trade_id', { trade_id: undefined }],
  ])('refuses a bad %s, naming it', (field, override) => {
    expect(reasonFor(executions.schema, { ...anExecution(), ...override })).toMatch(
      new RegExp(`^${field}: `),
    );
  });

  it('keys executions by symbol', () => {
    expect(executions.key(anExecution({ symbol: 'ETHUSDT' }))).toBe('ETHUSDT');
  });
});
