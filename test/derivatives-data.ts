import { newEventId } from '../lib/contracts/envelope.js';
import type {
  MarketBookL1,
  MarketLiquidation,
  MarketMark,
  MarketOpenInterest,
  MarketTrade,
} from '../lib/contracts/market.js';
import { prng } from '../producers/market/wire-script.js';

/**
 * Perpetuals traffic for the derivatives rollups: trades (log-normal sizes, a whale now and
 * then), mark/funding updates, liquidations and quotes, for three markets over `minutes`
 * minutes ending a minute before `now`. BTCUSDT trades on two venues (cross-venue divergence),
 * ETHUSDT and SOLUSDT on one each. Seeded: the same seed gives the same events.
 */
export interface DerivativesDataset {
  trades: MarketTrade[];
  marks: MarketMark[];
  liquidations: MarketLiquidation[];
  quotes: MarketBookL1[];
  openInterest: MarketOpenInterest[];
}

const MARKETS = [
  { venue: 'binance', symbol: 'BTCUSDT', price: 67_000 },
  { venue: 'bybit', symbol: 'BTCUSDT', price: 67_020 },
  { venue: 'binance', symbol: 'ETHUSDT', price: 3_650 },
  { venue: 'bybit', symbol: 'SOLUSDT', price: 150 },
] as const;

export function derivativesDataset(seed: number, minutes: number, now = Date.now()): DerivativesDataset {
  const random = prng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const start = Math.floor(now / 60_000) * 60_000 - (minutes + 1) * 60_000;
  const data: DerivativesDataset = { trades: [], marks: [], liquidations: [], quotes: [], openInterest: [] };
  const envelope = (at: number) => ({
    event_id: newEventId(at),
    source: 'test',
    occurred_at: at,
    received_at: at + 7,
    produced_at: now,
    schema_version: 1 as const,
  });
  for (const m of MARKETS) {
    let price: number = m.price;
    let oi = 50_000_000 / m.price;
    const base = { venue: m.venue, symbol: m.symbol };
    for (let minute = 0; minute < minutes; minute++) {
      const t0 = start + minute * 60_000;
      // Calm and busy stretches, so realised volatility has something to be scored against.
      const vol = minute % 23 === 22 ? 0.002 : 0.0003;
      const count = 6 + Math.floor(random() * 10);
      for (let i = 0; i < count; i++) {
        price *= 1 + normal() * vol;
        const whale = minute > 40 && i === 0 && minute % 17 === 0;
        const quantity = ((Math.exp(normal() * 0.6) * 50_000) / m.price) * (whale ? 200 : 1);
        data.trades.push({
          ...envelope(t0 + Math.floor(((i + random()) * 60_000) / (count + 1))),
          ...base,
          type: 'market.trade',
          trade_id: `${m.venue}-${minute}-${i}`,
          side: random() < 0.5 ? 'buy' : 'sell',
          price,
          quantity,
        });
      }
      for (let s = 0; s < 60; s += 15) {
        data.marks.push({
          ...envelope(t0 + s * 1000 + 500),
          ...base,
          type: 'market.mark',
          mark_price: price * (1 + 0.0002 * normal()),
          index_price: price,
          funding_rate: 0.0001 * Math.sin(minute / 9) + 0.00001 * normal(),
          next_funding_at: Math.ceil((t0 + 1) / 28_800_000) * 28_800_000,
        });
        data.quotes.push({
          ...envelope(t0 + s * 1000 + 250),
          ...base,
          type: 'market.book_l1',
          bid_price: price * 0.9999,
          bid_quantity: 1 + random(),
          ask_price: price * 1.0001,
          ask_quantity: 1 + random(),
          update_id: t0 + s,
        });
      }
      // Polled every 20 s; ETHUSDT's poller was down for 71 minutes (no previous figure after it).
      if (m.symbol !== 'ETHUSDT' || minute < 5 || minute >= 76)
        for (let s = 0; s < 60; s += 20) {
          oi *= 1 + 0.002 * normal();
          data.openInterest.push({
            ...envelope(t0 + s * 1000 + 100),
            ...base,
            type: 'market.open_interest',
            open_interest: oi,
            ...(m.venue === 'bybit' ? { open_interest_value: oi * price } : {}),
            via: 'rest',
          });
        }
      if (random() < 0.4)
        data.liquidations.push({
          ...envelope(t0 + Math.floor(random() * 60_000)),
          ...base,
          type: 'market.liquidation',
          side: random() < 0.6 ? 'sell' : 'buy',
          price,
          quantity: (random() * 200_000) / m.price,
        });
    }
  }
  return data;
}
