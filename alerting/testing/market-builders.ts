import { newEventId } from '../../lib/contracts/envelope.js';
import type { MarketBookL1, MarketIntegrity, MarketTrade } from '../../lib/contracts/market.js';

/** Valid market events with partial overrides, for the market-health rule tests. */
const envelope = (at: number) => ({
  event_id: newEventId(at),
  source: 'test',
  occurred_at: at,
  received_at: at + 5,
  produced_at: Date.now(),
  schema_version: 1 as const,
});

export const aQuote = (at: number, o: Partial<MarketBookL1> = {}): MarketBookL1 => ({
  ...envelope(at),
  type: 'market.book_l1',
  venue: 'mkt-a',
  symbol: 'XYZUSDT',
  bid_price: 100,
  bid_quantity: 10,
  ask_price: 100.01,
  ask_quantity: 10,
  update_id: at,
  ...o,
});

export const aTrade = (at: number, o: Partial<MarketTrade> = {}): MarketTrade => ({
  ...envelope(at),
  type: 'market.trade',
  venue: 'mkt-a',
  symbol: 'XYZUSDT',
  trade_id: `t-${at}-${Math.random().toString(36).slice(2, 8)}`,
  price: 100,
  quantity: 1,
  side: 'buy',
  ...o,
});

export const anIntegrityEvent = (at: number, o: Partial<MarketIntegrity> = {}): MarketIntegrity => ({
  ...envelope(at),
  type: 'market.integrity',
  venue: 'mkt-c',
  symbol: 'XYZUSDT',
  kind: 'sequence_gap',
  stream: 'xyzusdt@depth@100ms',
  expected: 'pu=41',
  got: 'pu=57, U=58, u=60',
  detail: 'book discarded, resyncing',
  ...o,
});
