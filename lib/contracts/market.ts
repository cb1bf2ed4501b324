import type { z } from 'zod';
import { contract, fixedRule } from './contract.js';
import { envelopeFields } from './envelope.js';
import {
  between,
  epochMs,
  LOW_CARDINALITY,
  list,
  nonNegative,
  oneOf,
  optional,
  pattern,
  positive,
  text,
  whole,
} from './fields.js';
import { DAY_MS, storedTopic } from './topic-spec.js';

/** Upper-case symbols as venues publish them, e.g. BTCUSDT. */
export const symbol = () =>
  pattern(/^[A-Z0-9]{2,30}$/, 'an upper-case symbol such as BTCUSDT is required', LOW_CARDINALITY);
export const venue = () =>
  pattern(/^[a-z0-9-]{2,32}$/, 'a lower-case venue id such as binance is required', LOW_CARDINALITY);
export const symbolSchema = symbol().zod;
export const venueSchema = venue().zod;
export const side = () => oneOf(['buy', 'sell']);

/** Venue update ids: whole, non-negative, and exact in a double (Binance's reach ~10^13). */
const updateId = () => whole(0);
/** Price levels of one book side, as parallel arrays so ClickHouse stores them as columns. */
const levelPrices = () => list(positive(), 0, 5000);
/** A level's new absolute size; 0 removes the level (diffs only). */
const levelQuantities = () => list(nonNegative(), 0, 5000);

/**
 * Fields every market event carries besides the envelope. `occurred_at` is the venue's own
 * time of the event (matching-engine time where the venue gives it), `received_at` is when
 * our connector read the frame: together they give feed latency and, against now(), freshness.
 */
const marketFields = <const T extends string>(type: T) => ({
  ...envelopeFields(type),
  received_at: epochMs(),
  venue: venue(),
  symbol: symbol(),
});

/** What trades and liquidations both carry: a side, a price and a quantity. */
const sidePriceQuantity = () => ({ side: side(), price: positive(), quantity: positive() });

/**
 * A public trade on a venue, normalised across venues. Prices and quantities are
 * IEEE doubles: market monitoring compares and aggregates them, it does not settle them.
 */
export const marketTradeContract = contract({
  ...marketFields('market.trade'),
  /** The venue's trade id, kept as text because venues use numbers, UUIDs or both. */
  trade_id: text(1, 64),
  /** `side`: the aggressor's, `buy` when the taker bought. */
  ...sidePriceQuantity(),
});
export const marketTradeSchema = marketTradeContract.schema;

/** Best bid and ask (level 1) as the venue published them, or as our synced book shows them. */
export const marketBookL1Contract = contract({
  ...marketFields('market.book_l1'),
  bid_price: positive(),
  bid_quantity: positive(),
  ask_price: positive(),
  ask_quantity: positive(),
  /** The venue's book update id at this quote (Binance `u`, Bybit `u`). */
  update_id: updateId(),
});
export const marketBookL1Schema = marketBookL1Contract.schema;

/** Both sides of a depth change list as many prices as sizes (SQL stores them as parallel arrays). */
const sameLength = (prices: 'bid_prices' | 'ask_prices', sizes: 'bid_quantities' | 'ask_quantities') =>
  fixedRule(
    prices,
    `as many prices as ${sizes} are required`,
    `length(${prices}) != length(${sizes})`,
    (e: Record<typeof prices | typeof sizes, unknown[]>) => e[prices].length !== e[sizes].length,
  );

/**
 * A change to a venue's order book, published only while our copy of the book is in sync:
 * `snapshot` replaces the book (after a (re)sync), `diff` sets levels to absolute sizes.
 * `best_*` are the top of our synced book after applying it, so a consumer can check it.
 */
export const marketDepthContract = contract(
  {
    ...marketFields('market.depth'),
    kind: oneOf(['snapshot', 'diff']),
    first_update_id: updateId(),
    final_update_id: updateId(),
    /** The final update id of the change before this one (Binance `pu`; Bybit `u - 1`). */
    prev_update_id: updateId(),
    bid_prices: levelPrices(),
    bid_quantities: levelQuantities(),
    ask_prices: levelPrices(),
    ask_quantities: levelQuantities(),
    best_bid_price: nonNegative(),
    best_ask_price: nonNegative(),
  },
  [sameLength('bid_prices', 'bid_quantities'), sameLength('ask_prices', 'ask_quantities')],
);
export const marketDepthSchema = marketDepthContract.schema;

/** Mark price, index price and funding of a perpetual. */
export const marketMarkContract = contract({
  ...marketFields('market.mark'),
  mark_price: positive(),
  index_price: positive(),
  /** Per funding interval, as a fraction (0.0001 = 0.01 %); negative when shorts pay longs. */
  funding_rate: between(-1, 1),
  next_funding_at: epochMs(),
});
export const marketMarkSchema = marketMarkContract.schema;

/** A forced liquidation reported by the venue. */
export const marketLiquidationContract = contract({
  ...marketFields('market.liquidation'),
  /** `side`: the liquidation order's, `sell` when a long position was liquidated. */
  ...sidePriceQuantity(),
});
export const marketLiquidationSchema = marketLiquidationContract.schema;

/**
 * Open interest of a perpetual: the size of all open positions, one side counted. Venues
 * count it in different units (Binance and Bybit linear: the base asset; OKX: contracts,
 * with the base amount beside them), so `open_interest` is always in the base asset
 * (BTC for BTCUSDT) and comparable across venues; `open_interest_value` is the quote-currency
 * notional when the venue publishes one (OKX `oiUsd`, Bybit tickers), absent otherwise.
 * `occurred_at` is the venue's timestamp of the figure, not the time we polled it.
 */
export const marketOpenInterestContract = contract({
  ...marketFields('market.open_interest'),
  open_interest: nonNegative(),
  open_interest_value: optional(nonNegative()),
  /** How we got it: `rest` from the venue's polled endpoint, `stream` from a WebSocket channel (OKX). */
  via: oneOf(['rest', 'stream']),
});
export const marketOpenInterestSchema = marketOpenInterestContract.schema;

/**
 * Something is wrong with a feed, said out loud instead of hidden: a sequence gap in a book
 * (expected vs got update id), a stream gone silent, a dropped connection, events dropped
 * because Kafka was slower than the venue, a book whose venue checksum disagrees with ours
 * (OKX's CRC32 of the top levels: the chain was intact but the book is not).
 */
export const marketIntegrityContract = contract({
  ...marketFields('market.integrity'),
  // Appended, never inserted: the fact table's Enum keeps each existing kind's number.
  kind: oneOf(['sequence_gap', 'stale_stream', 'disconnected', 'events_dropped', 'checksum_mismatch']),
  /** The venue stream concerned, e.g. `btcusdt@depth@100ms` or `orderbook.50.BTCUSDT`. */
  stream: text(1, 128),
  expected: text(0, 256),
  got: text(0, 256),
  detail: text(0, 1024),
});
export const marketIntegritySchema = marketIntegrityContract.schema;

export type MarketTrade = z.infer<typeof marketTradeSchema>;
export type MarketBookL1 = z.infer<typeof marketBookL1Schema>;
export type MarketDepth = z.infer<typeof marketDepthSchema>;
export type MarketMark = z.infer<typeof marketMarkSchema>;
export type MarketLiquidation = z.infer<typeof marketLiquidationSchema>;
export type MarketIntegrity = z.infer<typeof marketIntegritySchema>;
export type MarketOpenInterest = z.infer<typeof marketOpenInterestSchema>;

const byVenueAndSymbol = (event: { venue: string; symbol: string }) => `${event.venue}:${event.symbol}`;
// Kafka keeps a week: enough to replay into ClickHouse after an outage or a schema fix.
const WEEK_MS = 7 * DAY_MS;

/** The market-data family's topics, all keyed by venue and symbol so one book stays in order. */
export const marketTopics = {
  marketTrades: storedTopic('market.trades', marketTradeContract, byVenueAndSymbol, 6, WEEK_MS),
  marketBookL1: storedTopic('market.book_l1', marketBookL1Contract, byVenueAndSymbol, 6, WEEK_MS),
  // The heaviest stream by far; two days still covers a weekend outage of the warehouse.
  marketDepth: storedTopic('market.depth', marketDepthContract, byVenueAndSymbol, 6, 2 * DAY_MS),
  marketMark: storedTopic('market.mark', marketMarkContract, byVenueAndSymbol, 6, WEEK_MS),
  marketLiquidations: storedTopic(
    'market.liquidations',
    marketLiquidationContract,
    byVenueAndSymbol,
    6,
    WEEK_MS,
  ),
  // One figure per symbol per poll (seconds apart): a single partition is plenty and keeps them in order.
  marketOpenInterest: storedTopic(
    'market.open_interest',
    marketOpenInterestContract,
    byVenueAndSymbol,
    1,
    WEEK_MS,
  ),
  // A few events a day: one partition keeps them in the order they were raised.
  // The audit trail of feed quality: kept as long as the facts it explains.
  marketIntegrity: storedTopic('market.integrity', marketIntegrityContract, byVenueAndSymbol, 1, 30 * DAY_MS),
} as const;

export type MarketTopicKey = keyof typeof marketTopics;
