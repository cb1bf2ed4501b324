import { z } from 'zod';
import { envelopeShape, epochMsSchema } from './envelope.js';
import { DAY_MS, type TopicSpec } from './topic-spec.js';

/** Upper-case symbols as venues publish them, e.g. BTCUSDT. */
export const symbolSchema = z.string().regex(/^[A-Z0-9]{2,30}$/, 'an upper-case symbol such as BTCUSDT');
export const venueSchema = z.string().regex(/^[a-z0-9-]{2,32}$/, 'a lower-case venue id such as binance');

/**
 * A public trade on a venue, normalised across venues. Prices and quantities are
 * IEEE doubles: market monitoring compares and aggregates them, it does not settle them.
 */
export const marketTradeSchema = z.object({
  ...envelopeShape,
  type: z.literal('market.trade'),
  schema_version: z.literal(1),
  venue: venueSchema,
  symbol: symbolSchema,
  /** The venue's trade id, kept as text because venues use numbers, UUIDs or both. */
  trade_id: z.string().min(1).max(64),
  price: z.number().positive().finite(),
  quantity: z.number().positive().finite(),
  /** The aggressor's side: `buy` when the taker bought. */
  side: z.enum(['buy', 'sell']),
  /** When our connector received the message (ms); with `occurred_at` it gives feed latency. */
  received_at: epochMsSchema,
});

export type MarketTrade = z.infer<typeof marketTradeSchema>;

/** The market-data family's topics, keyed by venue and symbol. */
export const marketTopics = {
  marketTrades: {
    name: 'market.trades',
    schema: marketTradeSchema,
    key: (trade: MarketTrade) => `${trade.venue}:${trade.symbol}`,
    partitions: 6,
    // Kafka keeps a week: enough to replay into ClickHouse after an outage or a schema fix.
    retentionMs: 7 * DAY_MS,
  } satisfies TopicSpec<MarketTrade>,
} as const;
