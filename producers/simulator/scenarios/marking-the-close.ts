import { bpsOf } from '../markets.js';
import { defineScenario, labelledTrader, type Trader, trader } from './scenario.js';

const MINUTE_MS = 60_000;

/** Buys that lift the asks up to `bps` over the best ask: each moves the last price up. */
export function liftAsks(buyer: Trader, t: number, bps: number) {
  const book = buyer.book();
  const ask = book.bestAsk();
  if (ask === undefined) return [];
  const limit = ask + bpsOf(ask, bps);
  return buyer.place(t, 'buy', limit, Math.max(book.askedUpTo(limit), 1), 'ioc').events;
}

/** When the marker buys, in ms before each close: sparse early, dense at the very end. */
const BUYS_BEFORE_CLOSE_MS = [
  7_000, 5_600, 4_400, 3_400, 2_600, 1_900, 1_400, 1_000, 700, 450, 280, 160, 80, 30,
];

/**
 * Marking the close: in the last seconds before each of four consecutive 1-minute candle
 * closes, one account keeps taking the asks, faster and faster up to a few milliseconds
 * before the close, so the candle closes well above where it stood: most of the volume
 * before the close is its own, and almost none of its trading happens elsewhere in the
 * minute. A buy that finds the asks already taken trades nothing (as on a real book); buying
 * that often takes the makers' fresh asks as they come, and the last trade before the close
 * is most often its own, whatever the background does.
 */
export const markingTheClose = defineScenario(
  'marking-the-close',
  'one account lifts the asks in the seconds before four consecutive 1-minute closes',
  (h, time) => {
    const marker = trader(h);
    const firstMs = BUYS_BEFORE_CLOSE_MS[0] as number;
    // The first close far enough away that its first buy is still ahead.
    const firstClose = Math.ceil((time + firstMs + 1_000) / MINUTE_MS) * MINUTE_MS;
    h.label('account', marker.account.id, {
      symbol: marker.market.symbol,
      closes: 4,
      buys_per_close: BUYS_BEFORE_CLOSE_MS.length,
      first_close: firstClose,
    });
    for (let c = 0; c < 4; c += 1)
      for (const before of BUYS_BEFORE_CLOSE_MS) {
        // Each lifting the asks 30 bps over the best.
        h.at(firstClose + c * MINUTE_MS - before - time, (t) => liftAsks(marker, t, 30));
      }
  },
);

/**
 * Negative control for marking-the-close: a large buyer working an order evenly through
 * almost two minutes (a TWAP), one buy every 3.5 s: it moves the price and trades before closes
 * too, but no more there than anywhere else in the minute.
 */
export const twapBuyer = defineScenario(
  'twap-buyer',
  'negative control: a large buyer spreading its buys evenly over almost two minutes (TWAP)',
  (h) => {
    const buyer = labelledTrader(h, { every_ms: 3_500, buys: 30 });
    for (let i = 0; i < 30; i += 1) h.at(i * 3_500, (t) => liftAsks(buyer, t, 10));
  },
);
