import { z } from 'zod';
import { envelopeShape, epochMsSchema } from './envelope.js';
import { DAY_MS, type TopicSpec } from './topic-spec.js';

/** Upper-case symbols as venues publish them, e.g. BTCUSDT. */
export const symbolSchema = z.string().regex(/^[A-Z0-9]{2,30}$/, 'an upper-case symbol such as BTCUSDT');
export const venueSchema = z.string().regex(/^[a-z0-9-]{2,32}$/, 'a lower-case venue id such as binance');

const price = z.number().positive().finite();
const quantity = z.number().positive().finite();
/** Venue update ids: whole, non-negative, and exact in a double (Binance's reach ~10^13). */
const updateId = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
/** Price levels of one book side, as parallel arrays so ClickHouse stores them as columns. */
const levelPrices = z.array(price).max(5000);
/** A level's new absolute size; 0 removes the level (diffs only). */
const levelQuantities = z.array(z.number().nonnegative().finite()).max(5000);

/**
 * Fields every market event carries besides the envelope. `occurred_at` is the venue's own
 * time of the event (matching-engine time where the venue gives it), `received_at` is when
 * our connector read the frame: together they give feed latency and, against now(), freshness.
 */
const marketShape = {
  ...envelopeShape,
  schema_version: z.literal(1),
  venue: venueSchema,
  symbol: symbolSchema,
  received_at: epochMsSchema,
} as const;

/**
 * A public trade on a venue, normalised across venues. Prices and quantities are
 * IEEE doubles: market monitoring compares and aggregates them, it does not settle them.
 */
export const marketTradeSchema = z.object({
  ...marketShape,
  type: z.literal('market.trade'),
  /** The venue's trade id, kept as text because venues use numbers, UUIDs or both. */
  trade_id: z.string().min(1).max(64),
  price,
  quantity,
  /** The aggressor's side: `buy` when the taker bought. */
  side: z.enum(['buy', 'sell']),
});

/** Best bid and ask (level 1) as the venue published them, or as our synced book shows them. */
export const marketBookL1Schema = z.object({
  ...marketShape,
  type: z.literal('market.book_l1'),
  bid_price: price,
  bid_quantity: quantity,
  ask_price: price,
  ask_quantity: quantity,
  /** The venue's book update id at this quote (Binance `u`, Bybit `u`). */
  update_id: updateId,
});

/**
 * A change to a venue's order book, published only while our copy of the book is in sync:
 * `snapshot` replaces the book (after a (re)sync), `diff` sets levels to absolute sizes.
 * `best_*` are the top of our synced book after applying it, so a consumer can check it.
 */
export const marketDepthSchema = z.object({
  ...marketShape,
  type: z.literal('market.depth'),
  kind: z.enum(['snapshot', 'diff']),
  first_update_id: updateId,
  final_update_id: updateId,
  /** The final update id of the change before this one (Binance `pu`; Bybit `u - 1`). */
  prev_update_id: updateId,
  bid_prices: levelPrices,
  bid_quantities: levelQuantities,
  ask_prices: levelPrices,
  ask_quantities: levelQuantities,
  best_bid_price: z.number().nonnegative().finite(),
  best_ask_price: z.number().nonnegative().finite(),
});

/** Mark price, index price and funding of a perpetual. */
export const marketMarkSchema = z.object({
  ...marketShape,
  type: z.literal('market.mark'),
  mark_price: price,
  index_price: price,
  /** Per funding interval, as a fraction (0.0001 = 0.01 %); negative when shorts pay longs. */
  funding_rate: z.number().finite().min(-1).max(1),
  next_funding_at: epochMsSchema,
});

/** A forced liquidation reported by the venue. */
export const marketLiquidationSchema = z.object({
  ...marketShape,
  type: z.literal('market.liquidation'),
  /** The liquidation order's side: `sell` when a long position was liquidated. */
  side: z.enum(['buy', 'sell']),
  price,
  quantity,
});

/**
 * Something is wrong with a feed, said out loud instead of hidden: a sequence gap in a book
 * (expected vs got update id), a stream gone silent, a dropped connection, events dropped
 * because Kafka was slower than the venue.
 */
export const marketIntegritySchema = z.object({
  ...marketShape,
  type: z.literal('market.integrity'),
  kind: z.enum(['sequence_gap', 'stale_stream', 'disconnected', 'events_dropped']),
  /** The venue stream concerned, e.g. `btcusdt@depth@100ms` or `orderbook.50.BTCUSDT`. */
  stream: z.string().min(1).max(128),
  expected: z.string().max(256),
  got: z.string().max(256),
  detail: z.string().max(1024),
});

export type MarketTrade = z.infer<typeof marketTradeSchema>;
export type MarketBookL1 = z.infer<typeof marketBookL1Schema>;
export type MarketDepth = z.infer<typeof marketDepthSchema>;
export type MarketMark = z.infer<typeof marketMarkSchema>;
export type MarketLiquidation = z.infer<typeof marketLiquidationSchema>;
export type MarketIntegrity = z.infer<typeof marketIntegritySchema>;

const byVenueAndSymbol = (event: { venue: string; symbol: string }) => `${event.venue}:${event.symbol}`;
// Kafka keeps a week: enough to replay into ClickHouse after an outage or a schema fix.
const WEEK_MS = 7 * DAY_MS;

/** The market-data family's topics, all keyed by venue and symbol so one book stays in order. */
export const marketTopics = {
  marketTrades: {
    name: 'market.trades',
    schema: marketTradeSchema,
    key: byVenueAndSymbol,
    partitions: 6,
    retentionMs: WEEK_MS,
  } satisfies TopicSpec<MarketTrade>,
  marketBookL1: {
    name: 'market.book_l1',
    schema: marketBookL1Schema,
    key: byVenueAndSymbol,
    partitions: 6,
    retentionMs: WEEK_MS,
  } satisfies TopicSpec<MarketBookL1>,
  marketDepth: {
    name: 'market.depth',
    schema: marketDepthSchema,
    key: byVenueAndSymbol,
    partitions: 6,
    // The heaviest stream by far; two days still covers a weekend outage of the warehouse.
    retentionMs: 2 * DAY_MS,
  } satisfies TopicSpec<MarketDepth>,
  marketMark: {
    name: 'market.mark',
    schema: marketMarkSchema,
    key: byVenueAndSymbol,
    partitions: 6,
    retentionMs: WEEK_MS,
  } satisfies TopicSpec<MarketMark>,
  marketLiquidations: {
    name: 'market.liquidations',
    schema: marketLiquidationSchema,
    key: byVenueAndSymbol,
    partitions: 6,
    retentionMs: WEEK_MS,
  } satisfies TopicSpec<MarketLiquidation>,
  marketIntegrity: {
    name: 'market.integrity',
    schema: marketIntegritySchema,
    key: byVenueAndSymbol,
    // A few events a day: one partition keeps them in the order they were raised.
    partitions: 1,
    // The audit trail of feed quality: kept as long as the facts it explains.
    retentionMs: 30 * DAY_MS,
  } satisfies TopicSpec<MarketIntegrity>,
} as const;

export type MarketTopicKey = keyof typeof marketTopics;
