import type { SimEvent } from '../exchange.js';
import { bpsOf } from '../markets.js';
import type { Scenario } from './scenario.js';

/**
 * Spoofing/layering: a small sell at the ask, then large bids layered a few ticks under
 * the touch to suggest demand; once a buyer lifts the sell, the bids are cancelled
 * within seconds. Repeated a few times on one symbol.
 */
export const spoofing: Scenario = {
  name: 'spoofing',
  description:
    'large layered orders away from the touch, cancelled within seconds, with fills on the other side',
  start(h) {
    const spoofer = h.rng.pick(h.customers);
    const market = h.market();
    const cycles = h.rng.int(3, 5);
    const layers = h.rng.int(3, 5);
    const details = { symbol: market.symbol, cycles, layers, layer_lots: 0, cancel_after_ms: [] as number[] };
    h.label('account', spoofer.id, details);
    for (let c = 0; c < cycles; c += 1) {
      const cycleAt = c * h.rng.int(6_000, 9_000);
      let sellId = '';
      let sellPrice = 0;
      const spoofIds: string[] = [];
      h.at(cycleAt, (t) => {
        const book = h.exchange.book(market.symbol);
        const bid = book.bestBid() ?? 1;
        sellPrice = book.bestAsk() ?? bid + 2;
        const sell = h.exchange.place(t, spoofer.id, market.symbol, 'sell', sellPrice, market.typicalLots);
        sellId = sell.orderId;
        const events: SimEvent[] = [...sell.events];
        const lots = market.typicalLots * h.rng.int(15, 30);
        details.layer_lots = lots;
        for (let l = 0; l < layers; l += 1) {
          // 5 to 25 bps under the bid: visible depth, but out of reach of ordinary sellers.
          const price = Math.max(1, bid - bpsOf(bid, 5 + l * 5));
          const layer = h.exchange.place(t, spoofer.id, market.symbol, 'buy', price, lots);
          spoofIds.push(layer.orderId);
          events.push(...layer.events);
        }
        return events;
      });
      const liftAfter = h.rng.int(400, 1_500);
      h.at(cycleAt + liftAfter, (t) => {
        // A buyer takes the whole ask side up to the spoofer's price, the spoofer's sell last in line.
        const book = h.exchange.book(market.symbol);
        if (!book.get(sellId)) return [];
        const lots = book.askedUpTo(sellPrice);
        return h.exchange.place(t, h.rng.pick(h.customers).id, market.symbol, 'buy', sellPrice, lots, 'ioc')
          .events;
      });
      const cancelAfter = liftAfter + h.rng.int(500, 2_500);
      details.cancel_after_ms.push(cancelAfter);
      h.at(cycleAt + cancelAfter, (t) => spoofIds.flatMap((id) => h.exchange.cancel(t, id)));
    }
  },
};

/**
 * Negative control for spoofing: a large passive buyer keeping big bids a few ticks under the
 * touch and re-pricing them every few seconds as the market moves (cancel, place again),
 * while buying small on the same side: large orders cancelled within seconds, but nothing
 * traded on the other side, so no false depth luring anyone.
 */
export const largeBidRequote: Scenario = {
  name: 'large-bid-requote',
  description:
    'negative control: a large passive buyer re-pricing big bids every few seconds, buying on the same side',
  start(h) {
    const buyer = h.rng.pick(h.customers);
    const market = h.market();
    const cycles = 5;
    const layers = 2;
    const lots = market.typicalLots * h.rng.int(15, 30);
    h.label('account', buyer.id, { symbol: market.symbol, cycles, layers, lots });
    let resting: string[] = [];
    let at = 0;
    for (let c = 0; c <= cycles; c += 1) {
      at += c === 0 ? 0 : h.rng.int(2_500, 3_500);
      h.at(at, (t) => {
        const events = resting.flatMap((id) => h.exchange.cancel(t, id));
        resting = [];
        if (c === cycles) return events;
        const book = h.exchange.book(market.symbol);
        const bid = book.bestBid() ?? 1;
        for (let l = 0; l < layers; l += 1) {
          const placed = h.exchange.place(
            t,
            buyer.id,
            market.symbol,
            'buy',
            Math.max(1, bid - bpsOf(bid, 5 + l * 5)),
            lots,
          );
          if (placed.rested) resting.push(placed.orderId);
          events.push(...placed.events);
        }
        // And a small buy at the ask: its fills are on the side of its bids.
        const ask = book.bestAsk();
        if (ask !== undefined)
          events.push(
            ...h.exchange.place(
              t,
              buyer.id,
              market.symbol,
              'buy',
              ask,
              Math.max(1, Math.round(market.typicalLots / 4)),
              'ioc',
            ).events,
          );
        return events;
      });
    }
  },
};
