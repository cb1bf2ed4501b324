import type { Account } from '../accounts.js';
import type { Market } from '../markets.js';
import { bpsOf } from '../markets.js';
import type { Scenario, ScenarioHandle } from './scenario.js';

const MINUTE_MS = 60_000;

/** Buys that lift the asks up to `bps` over the best ask: each moves the last price up. */
export function liftAsks(h: ScenarioHandle, t: number, buyer: Account, market: Market, bps: number) {
  const book = h.exchange.book(market.symbol);
  const ask = book.bestAsk();
  if (ask === undefined) return [];
  const limit = ask + bpsOf(ask, bps);
  const lots = book
    .depth('sell')
    .filter(([p]) => p <= limit)
    .reduce((s, [, q]) => s + q, 0);
  return h.exchange.place(t, buyer.id, market.symbol, 'buy', limit, Math.max(lots, 1), 'ioc').events;
}

/**
 * Marking the close: in the last seconds before each of three consecutive 1-minute candle
 * closes, one account takes the asks in 6 quick buys, so the candle closes well above
 * where it stood: most of the volume before the close is its own, and almost none of its
 * trading happens elsewhere in the minute.
 */
export const markingTheClose: Scenario = {
  name: 'marking-the-close',
  description: 'one account lifts the asks in the seconds before three consecutive 1-minute closes',
  start(h, time) {
    const account = h.rng.pick(h.customers);
    const market = h.rng.pick([...h.exchange.markets.values()]);
    const closes = 3;
    const buys = 6;
    // The first close far enough away that its first buy (6 s before it) is still ahead.
    const firstClose = Math.ceil((time + 7_000) / MINUTE_MS) * MINUTE_MS;
    h.label('account', account.id, {
      symbol: market.symbol,
      closes,
      buys_per_close: buys,
      first_close: firstClose,
    });
    for (let c = 0; c < closes; c += 1)
      for (let b = 0; b < buys; b += 1) {
        // 6 s … 0.3 s before the close, each lifting the asks 30 bps.
        const at = firstClose + c * MINUTE_MS - 6_000 + Math.round((b * 5_700) / (buys - 1));
        h.at(at - time, (t) => liftAsks(h, t, account, market, 30));
      }
  },
};

/**
 * Negative control for marking-the-close: a large buyer working an order evenly through
 * almost two minutes (a TWAP), one buy every 3.5 s: it moves the price and trades before closes
 * too, but no more there than anywhere else in the minute.
 */
export const twapBuyer: Scenario = {
  name: 'twap-buyer',
  description: 'negative control: a large buyer spreading its buys evenly over almost two minutes (TWAP)',
  start(h) {
    const account = h.rng.pick(h.customers);
    const market = h.rng.pick([...h.exchange.markets.values()]);
    h.label('account', account.id, { symbol: market.symbol, every_ms: 3_500, buys: 30 });
    for (let i = 0; i < 30; i += 1) h.at(i * 3_500, (t) => liftAsks(h, t, account, market, 10));
  },
};
