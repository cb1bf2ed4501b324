import { z } from 'zod';
import { envelopeShape, epochMsSchema } from './envelope.js';
import { idSchema, positiveAmountSchema, sideSchema } from './ids.js';
import { symbolSchema } from './market.js';
import { DAY_MS, type TopicSpec } from './topic-spec.js';

/**
 * The exchange's own matching engine: the lifecycle of every order, and every execution.
 * One schema per topic with flat fields, so ClickHouse's Kafka engine reads each topic
 * with one table and no JSON extraction; fields that only some events carry are optional
 * and required by `event` (checked below and mirrored in clickhouse/migrations/0030).
 */

export const orderEvents = ['new', 'amend', 'cancel', 'fill', 'reject'] as const;
export const orderTypes = ['limit', 'market', 'stop_limit', 'stop_market'] as const;
/** `post_only` is the exchange's maker-only instruction (Binance's GTX). */
export const timesInForce = ['gtc', 'ioc', 'fok', 'gtd', 'post_only'] as const;

const LIMIT_TYPES: ReadonlySet<string> = new Set(['limit', 'stop_limit']);
const STOP_TYPES: ReadonlySet<string> = new Set(['stop_limit', 'stop_market']);

export const engineOrderSchema = z
  .object({
    ...envelopeShape,
    type: z.literal('engine.order'),
    schema_version: z.literal(1),
    /** What happened to the order; the other fields are its state after this event. */
    event: z.enum(orderEvents),
    order_id: idSchema,
    /** The id the client chose, when it chose one. */
    client_order_id: idSchema.optional(),
    account_id: idSchema,
    symbol: symbolSchema,
    side: sideSchema,
    order_type: z.enum(orderTypes),
    time_in_force: z.enum(timesInForce),
    /** Limit price: required for limit and stop-limit orders, absent for market orders. */
    price: positiveAmountSchema.optional(),
    /** Trigger price: required for stop orders. */
    stop_price: positiveAmountSchema.optional(),
    /** The order's total quantity after this event (an amend may change it). */
    quantity: positiveAmountSchema,
    /** Cumulative filled quantity after this event. */
    filled_quantity: z.number().min(0).finite(),
    /** Required for good-till-date orders. */
    expires_at: epochMsSchema.optional(),
    /** This fill's price, quantity and execution: required when `event` is `fill`. */
    fill_price: positiveAmountSchema.optional(),
    fill_quantity: positiveAmountSchema.optional(),
    trade_id: idSchema.optional(),
    /** Why the engine refused the order: required when `event` is `reject`. */
    reject_reason: z.string().min(1).max(128).optional(),
  })
  .superRefine((order, ctx) => {
    const need = (field: keyof typeof order, when: string) => {
      if (order[field] === undefined)
        ctx.addIssue({ code: 'custom', path: [field], message: `required ${when}` });
    };
    if (LIMIT_TYPES.has(order.order_type)) need('price', `for ${order.order_type} orders`);
    if (STOP_TYPES.has(order.order_type)) need('stop_price', `for ${order.order_type} orders`);
    if (order.time_in_force === 'gtd') need('expires_at', 'for gtd orders');
    if (order.event === 'fill') {
      need('fill_price', 'when event is fill');
      need('fill_quantity', 'when event is fill');
      need('trade_id', 'when event is fill');
    }
    if (order.event === 'reject') need('reject_reason', 'when event is reject');
    if (order.filled_quantity > order.quantity) {
      ctx.addIssue({ code: 'custom', path: ['filled_quantity'], message: 'must not exceed quantity' });
    }
  });

export type EngineOrder = z.infer<typeof engineOrderSchema>;

/** A match between a resting (maker) order and an incoming (taker) order. */
export const engineExecutionSchema = z
  .object({
    ...envelopeShape,
    type: z.literal('engine.execution'),
    schema_version: z.literal(1),
    trade_id: idSchema,
    symbol: symbolSchema,
    price: positiveAmountSchema,
    quantity: positiveAmountSchema,
    /** The taker's side: `buy` when the incoming order bought. */
    aggressor_side: sideSchema,
    maker_account_id: idSchema,
    maker_order_id: idSchema,
    // Maker and taker may be the same account: that is a self-trade, which risk wants to see.
    taker_account_id: idSchema,
    taker_order_id: idSchema,
  })
  .superRefine((execution, ctx) => {
    if (execution.maker_order_id === execution.taker_order_id) {
      ctx.addIssue({ code: 'custom', path: ['taker_order_id'], message: 'must differ from maker_order_id' });
    }
  });

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
  engineOrders: {
    name: 'engine.orders',
    schema: engineOrderSchema,
    key: (order: EngineOrder) => order.account_id,
    partitions: 6,
    // A week, as market data: room to replay into ClickHouse after an outage or a fix.
    retentionMs: 7 * DAY_MS,
  } satisfies TopicSpec<EngineOrder>,
  engineExecutions: {
    name: 'engine.executions',
    schema: engineExecutionSchema,
    key: (execution: EngineExecution) => execution.symbol,
    partitions: 6,
    retentionMs: 7 * DAY_MS,
  } satisfies TopicSpec<EngineExecution>,
} as const;
