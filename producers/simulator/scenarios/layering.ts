import type { SimEvent } from '../exchange.js';
import { bpsOf } from '../markets.js';
import type { OrderBook, Side } from '../order-book.js';
import { customerIoc, defineScenario, labelledTrader, requote, trader } from './scenario.js';

const other = (side: Side): Side => (side === 'buy' ? 'sell' : 'buy');

/** Lots resting on `side` at `price` or better for a taker: what an ioc limited there takes. */
const restingUpTo = (book: OrderBook, side: Side, price: number): number =>
  book
    .depth(side)
    .filter(([p]) => (side === 'sell' ? p <= price : p >= price))
    .reduce((sum, [, q]) => sum + q, 0);

/** The best price on `side`, or a tick off the other side's best when that side is empty. */
const touch = (book: OrderBook, side: Side): number => {
  const best = side === 'buy' ? book.bestBid() : book.bestAsk();
  if (best !== undefined) return best;
  const opposite = side === 'buy' ? book.bestAsk() : book.bestBid();
  return Math.max(1, (opposite ?? 2) + (side === 'buy' ? -1 : 1));
};

/** `bps` away from `price`, behind the touch on `side` (lower for bids, higher for asks). */
const behind = (price: number, side: Side, bps: number): number =>
  Math.max(1, side === 'buy' ? price - bpsOf(price, bps) : price + bpsOf(price, bps));

/**
 * Layering: the account puts a small order at the front of one side, then stacks orders of a
 * few times the usual size on 5–7 price levels of the other side, 3–15 bps behind the touch, so
 * the book looks heavy that way, and moves the stack once with the touch; once a taker lifts
 * its small order, the whole stack is cancelled within a second, nothing of it filled.
 * Repeated every few seconds on one symbol: many orders for each trade.
 */
export const layering = defineScenario(
  'layering',
  'orders stacked on 5–7 levels of one side, cancelled together once the other side fills',
  (h) => {
    const layerer = trader(h);
    const { market } = layerer;
    const layerSide: Side = h.rng.chance(0.5) ? 'buy' : 'sell';
    const realSide = other(layerSide);
    const [cycles, levels] = [h.rng.int(8, 10), h.rng.int(5, 7)];
    const layerLots = market.typicalLots * h.rng.int(2, 3);
    h.label('account', layerer.account.id, {
      symbol: market.symbol,
      layer_side: layerSide,
      cycles,
      levels,
      layer_lots: layerLots,
    });
    let at = 0;
    for (let c = 0; c < cycles; c += 1) {
      at += c === 0 ? 0 : h.rng.int(5_000, 7_000);
      let realId = '';
      let realPrice = 0;
      let stack: string[] = [];
      // The stack follows the touch: cancelled and placed again behind wherever it is now.
      const restack = (t: number): SimEvent[] => {
        const events = layerer.cancel(t, stack);
        stack = [];
        const across = touch(layerer.book(), layerSide);
        for (let l = 0; l < levels; l += 1) {
          const layer = layerer.place(t, layerSide, behind(across, layerSide, 3 + 2 * l), layerLots);
          if (layer.rested) stack.push(layer.orderId);
          events.push(...layer.events);
        }
        return events;
      };
      h.at(at, (t) => {
        const book = layerer.book();
        // The small real order a tick inside the spread when there is room: first in line.
        const front = touch(book, realSide);
        const inside = realSide === 'sell' ? front - 1 : front + 1;
        const across = touch(book, layerSide);
        realPrice = (realSide === 'sell' ? inside > across : inside < across) ? inside : front;
        const real = layerer.place(t, realSide, realPrice, Math.max(1, Math.round(market.typicalLots / 2)));
        realId = real.orderId;
        return [...real.events, ...restack(t)];
      });
      const restackAfter = h.rng.int(300, 600);
      h.at(at + restackAfter, restack);
      const liftAfter = restackAfter + h.rng.int(400, 1_200);
      h.at(at + liftAfter, (t) => {
        // A taker drawn by the heavy side takes everything up to the small order, which is last in line there.
        const book = layerer.book();
        if (!book.get(realId)) return [];
        return customerIoc(h, t, market, layerSide, realPrice, restingUpTo(book, realSide, realPrice));
      });
      h.at(at + liftAfter + h.rng.int(200, 800), (t) => layerer.cancel(t, stack));
    }
  },
);

/**
 * Negative control for layering: a market maker quoting three levels on each side around the
 * touch and re-quoting every 2–3 s as the price moves (every quote cancelled together, then
 * placed again), with takers filling its best quotes on both sides now and then: blocks of
 * cancels on several levels and fills on the other side, but as much depth on each side.
 */
export const ladderMarketMaker = defineScenario(
  'ladder-market-maker',
  'negative control: a market maker quoting three levels a side, cancelling and re-quoting every few seconds',
  (h) => {
    const maker = labelledTrader(h, { cycles: 20, levels_per_side: 3 });
    const lots = maker.market.typicalLots;
    requote(
      h,
      maker,
      20,
      () => h.rng.int(2_000, 3_000),
      (t, book) =>
        (['buy', 'sell'] as const).flatMap((side) => {
          const best = touch(book, side);
          return [0, 1, 2].map((l) => maker.place(t, side, l === 0 ? best : behind(best, side, 2 * l), lots));
        }),
      // Ordinary takers on either side meet its best quote (the whole level, its quote last in line).
      (at) =>
        h.at(at + h.rng.int(500, 1_800), (t) => {
          const side: Side = h.rng.chance(0.5) ? 'buy' : 'sell';
          const book = maker.book();
          const price = touch(book, side);
          const level = book.volumeAt(side, price);
          return level === 0 ? [] : customerIoc(h, t, maker.market, other(side), price, level);
        }),
    );
  },
);
