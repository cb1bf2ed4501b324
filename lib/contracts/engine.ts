import type { z } from 'zod';
import { contract, fixedRule, type Rule } from './contract.js';
import { envelopeFields } from './envelope.js';
import {
  epochMs,
  id,
  LOW_CARDINALITY,
  nonNegative,
  oneOf,
  optional,
  orEmpty,
  positive,
  text,
} from './fields.js';
import { side, symbol } from './market.js';
import { DAY_MS, storedTopic } from './topic-spec.js';

/**
 * The exchange's own matching engine: the lifecycle of every order, and every execution.
 * One schema per topic with flat fields, so ClickHouse's Kafka engine reads each topic
 * with one table and no JSON extraction; fields that only some events carry are optional
 * and required by `event` (the rules below, checked by zod and by the warehouse alike).
 */

export const orderEvents = ['new', 'amend', 'cancel', 'fill', 'reject'] as const;
export const orderTypes = ['limit', 'market', 'stop_limit', 'stop_market'] as const;
/** `post_only` is the exchange's maker-only instruction (Binance's GTX). */
export const timesInForce = ['gtc', 'ioc', 'fok', 'gtd', 'post_only'] as const;

const nullableDouble = (f: ReturnType<typeof positive>) => optional(f);

const orderFields = {
  ...envelopeFields('engine.order'),
  /** What happened to the order; the other fields are its state after this event. */
  event: oneOf(orderEvents),
  order_id: id(),
  /** The id the client chose, when it chose one. */
  client_order_id: orEmpty(id()),
  account_id: id(),
  symbol: symbol(),
  side: side(),
  order_type: oneOf(orderTypes),
  time_in_force: oneOf(timesInForce),
  /** Limit price: required for limit and stop-limit orders, absent for market orders. */
  price: nullableDouble(positive()),
  /** Trigger price: required for stop orders. */
  stop_price: nullableDouble(positive()),
  /** The order's total quantity after this event (an amend may change it). */
  quantity: positive(),
  /** Cumulative filled quantity after this event. */
  filled_quantity: nonNegative(),
  /** Required for good-till-date orders. */
  expires_at: optional(epochMs()),
  /** This fill's price, quantity and execution: required when `event` is `fill`. */
  fill_price: nullableDouble(positive()),
  fill_quantity: nullableDouble(positive()),
  trade_id: orEmpty(id()),
  /** Why the engine refused the order: required when `event` is `reject`. */
  reject_reason: orEmpty(text(1, 128, LOW_CARDINALITY)),
};

type OrderShape = z.infer<z.ZodObject<{ [K in keyof typeof orderFields]: (typeof orderFields)[K]['zod'] }>>;

/** `field` is required when `sqlWhen` (and `when`) holds; the message says when. */
const requiredWhen = (
  field: keyof OrderShape,
  when: (o: OrderShape) => string | undefined,
  sqlWhen: string,
  sqlMessage: string,
): Rule<OrderShape> => ({
  field,
  broken: (o) => when(o) !== undefined && o[field] === undefined,
  message: (o) => `required ${when(o)}`,
  sql: `${sqlWhen} AND ${field} IS NULL`,
  sqlMessage,
});
const forTypes = (types: readonly string[]) => (o: OrderShape) =>
  types.includes(o.order_type) ? `for ${o.order_type} orders` : undefined;
const onEvent = (event: string) => (o: OrderShape) =>
  o.event === event ? `when event is ${event}` : undefined;
const inList = (values: readonly string[]) => `(${values.map((v) => `'${v}'`).join(', ')})`;
const LIMIT_TYPES = ['limit', 'stop_limit'];
const STOP_TYPES = ['stop_limit', 'stop_market'];

export const engineOrderContract = contract(orderFields, [
  requiredWhen(
    'price',
    forTypes(LIMIT_TYPES),
    `order_type IN ${inList(LIMIT_TYPES)}`,
    "concat('required for ', order_type, ' orders')",
  ),
  requiredWhen(
    'stop_price',
    forTypes(STOP_TYPES),
    `order_type IN ${inList(STOP_TYPES)}`,
    "concat('required for ', order_type, ' orders')",
  ),
  requiredWhen(
    'expires_at',
    (o) => (o.time_in_force === 'gtd' ? 'for gtd orders' : undefined),
    "time_in_force = 'gtd'",
    "'required for gtd orders'",
  ),
  ...(['fill_price', 'fill_quantity', 'trade_id'] as const).map((field) =>
    requiredWhen(field, onEvent('fill'), "event = 'fill'", "'required when event is fill'"),
  ),
  requiredWhen('reject_reason', onEvent('reject'), "event = 'reject'", "'required when event is reject'"),
  fixedRule(
    'filled_quantity',
    'must not exceed quantity',
    'filled_quantity > quantity',
    (o) => o.filled_quantity > o.quantity,
  ),
]);
export const engineOrderSchema = engineOrderContract.schema;
export type EngineOrder = z.infer<typeof engineOrderSchema>;

/** A match between a resting (maker) order and an incoming (taker) order. */
export const engineExecutionContract = contract(
  {
    ...envelopeFields('engine.execution'),
    trade_id: id(),
    symbol: symbol(),
    price: positive(),
    quantity: positive(),
    /** The taker's side: `buy` when the incoming order bought. */
    aggressor_side: side(),
    maker_account_id: id(),
    maker_order_id: id(),
    // Maker and taker may be the same account: that is a self-trade, which risk wants to see.
    taker_account_id: id(),
    taker_order_id: id(),
  },
  [
    fixedRule(
      'taker_order_id',
      'must differ from maker_order_id',
      'maker_order_id = taker_order_id',
      (e) => e.maker_order_id === e.taker_order_id,
    ),
  ],
);
export const engineExecutionSchema = engineExecutionContract.schema;
export type EngineExecution = z.infer<typeof engineExecutionSchema>;

/**
 * The engine family's topics. Orders are keyed by account, so one account's order events
 * stay in order on one partition (what per-account risk rules replay). An execution has two
 * accounts, so it is keyed by symbol instead: the engine matches each symbol in one
 * sequence, and keying by symbol keeps that tape in order; keying by taker (or maker)
 * would order it for one side only and put a market maker's whole flow on one partition.
 * Per-account views of executions are built in ClickHouse, which needs no Kafka order.
 */
export const engineTopics = {
  // A week, as market data: room to replay into ClickHouse after an outage or a fix.
  engineOrders: storedTopic('engine.orders', engineOrderContract, (order) => order.account_id, 6, 7 * DAY_MS),
  engineExecutions: storedTopic(
    'engine.executions',
    engineExecutionContract,
    (execution) => execution.symbol,
    6,
    7 * DAY_MS,
  ),
} as const;
