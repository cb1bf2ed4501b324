import type { SimEvent } from '../exchange.js';
import { bpsOf } from '../markets.js';
import { customerIoc, defineScenario, requote, trader } from './scenario.js';

/**
 * Spoofing/layering: a small sell at the ask, then large bids layered a few ticks under
 * the touch to suggest demand; once a buyer lifts the sell, the bids are cancelled
 * within seconds. Repeated a few times on one symbol.
 */
export const spoofing = defineScenario(
  'spoofing',
  'large layered orders away from the touch, cancelled within seconds, with fills on the other side',
  (h) => {
    const spoofer = trader(h);
    const [cycles, layers] = [h.rng.int(3, 5), h.rng.int(3, 5)];
    const market = spoofer.market;
    const details = { symbol: market.symbol, cycles, layers, layer_lots: 0, cancel_after_ms: [] as number[] };
    h.label('account', spoofer.account.id, details);
    for (let c = 0; c < cycles; c += 1) {
      const cycleAt = c * h.rng.int(6_000, 9_000);
      let sellId = '';
      let sellPrice = 0;
      const spoofIds: string[] = [];
      h.at(cycleAt, (t) => {
        const book = spoofer.book();
        const bid = book.bestBid() ?? 1;
        sellPrice = book.bestAsk() ?? bid + 2;
        const sell = spoofer.place(t, 'sell', sellPrice, market.typicalLots);
        sellId = sell.orderId;
        const events: SimEvent[] = [...sell.events];
        const lots = market.typicalLots * h.rng.int(15, 30);
        details.layer_lots = lots;
        for (let l = 0; l < layers; l += 1) {
          // 5 to 25 bps under the bid: visible depth, but out of reach of ordinary sellers.
          const layer = spoofer.place(t, 'buy', Math.max(1, bid - bpsOf(bid, 5 + l * 5)), lots);
          spoofIds.push(layer.orderId);
          events.push(...layer.events);
        }
        return events;
      });
      const liftAfter = h.rng.int(400, 1_500);
      h.at(cycleAt + liftAfter, (t) => {
        // A buyer takes the whole ask side up to the spoofer's price, the spoofer's sell last in line.
        const book = spoofer.book();
        return book.get(sellId) ? customerIoc(h, t, market, 'buy', sellPrice, book.askedUpTo(sellPrice)) : [];
      });
      const cancelAfter = liftAfter + h.rng.int(500, 2_500);
      details.cancel_after_ms.push(cancelAfter);
      h.at(cycleAt + cancelAfter, (t) => spoofer.cancel(t, spoofIds));
    }
  },
);

/**
 * Negative control for spoofing: a large passive buyer keeping big bids a few ticks under the
 * touch and re-pricing them every few seconds as the market moves (cancel, place again),
 * while buying small on the same side: large orders cancelled within seconds, but nothing
 * traded on the other side, so no false depth luring anyone.
 */
export const largeBidRequote = defineScenario(
  'large-bid-requote',
  'negative control: a large passive buyer re-pricing big bids every few seconds, buying on the same side',
  (h) => {
    const buyer = trader(h);
    const lots = buyer.market.typicalLots * h.rng.int(15, 30);
    h.label('account', buyer.account.id, { symbol: buyer.market.symbol, cycles: 5, layers: 2, lots });
    requote(
      h,
      buyer,
      5,
      () => h.rng.int(2_500, 3_500),
      (t, book) => {
        const bid = book.bestBid() ?? 1;
        const placed = [5, 10].map((bps) => buyer.place(t, 'buy', Math.max(1, bid - bpsOf(bid, bps)), lots));
        // And a small buy at the ask: its fills are on the side of its bids.
        const ask = book.bestAsk();
        const small = Math.max(1, Math.round(buyer.market.typicalLots / 4));
        return ask === undefined ? placed : [...placed, buyer.place(t, 'buy', ask, small, 'ioc')];
      },
    );
  },
);
