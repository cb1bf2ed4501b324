import { newEventId } from '../../lib/contracts/envelope.js';
import type { MarketTrade } from '../../lib/contracts/market.js';
import { mulberry32 } from '../../lib/random.js';

const START_PRICES: Record<string, number> = { BTCUSDT: 97_000, ETHUSDT: 3_400, SOLUSDT: 180, XRPUSDT: 2.3 };

/**
 * Synthetic trades for the walking skeleton: a random walk per symbol with venue-like
 * sizes, sides and a few milliseconds of feed latency. Real venues arrive with the
 * market-data connectors; this keeps the pipeline demonstrable with no network.
 */
export function createTradeGenerator(options: { venue?: string; symbols?: string[]; seed?: number } = {}) {
  const venue = options.venue ?? 'sample';
  const symbols = options.symbols ?? Object.keys(START_PRICES);
  const next = mulberry32(options.seed ?? 42);
  const prices = new Map(symbols.map((s) => [s, START_PRICES[s] ?? 100]));
  let tradeId = 0;

  return function nextTrade(now = Date.now()): MarketTrade {
    const symbol = symbols[Math.floor(next() * symbols.length)] as string;
    const last = prices.get(symbol) as number;
    // ~1 bp steps: enough movement for candles without drifting off in a demo.
    const price = Math.max(last * (1 + (next() - 0.5) * 0.0002), 0.0001);
    prices.set(symbol, price);
    tradeId += 1;
    const latencyMs = 1 + Math.floor(next() * 20);
    return {
      event_id: newEventId(now),
      type: 'market.trade',
      source: 'sample',
      schema_version: 1,
      occurred_at: now - latencyMs,
      received_at: now,
      produced_at: now,
      venue,
      symbol,
      trade_id: String(tradeId),
      side: next() < 0.5 ? 'buy' : 'sell',
      price: Number(price.toPrecision(8)),
      quantity: Number((0.001 + next() ** 3 * 5).toFixed(4)),
    };
  };
}
