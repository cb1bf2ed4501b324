import { type Account, customerIp, newDevice } from '../accounts.js';
import type { SimEvent } from '../exchange.js';
import { bpsOf, type Market } from '../markets.js';
import { defineScenario, labelledTrader, type ScenarioHandle } from './scenario.js';

/**
 * Wash trading: one account, or two accounts logged in from one IP and device, trading
 * with each other inside the spread so only they match. Volume without risk.
 */
export const washTrading = defineScenario(
  'wash-trading',
  'one account, or two sharing an IP and device, trading against itself inside the spread',
  (h) => {
    const ring = h.rng.chance(0.5);
    const first = h.rng.pick(h.customers);
    const second = ring ? h.rng.pick(h.customers.filter((a) => a.id !== first.id)) : first;
    const market = h.market();
    const rounds = h.rng.int(8, 14);
    const details: Record<string, unknown> = {
      variant: ring ? 'shared-ip-device' : 'self-match',
      symbol: market.symbol,
      accounts: [first.id, second.id],
      rounds,
      trades: 0,
    };
    h.label('account', first.id, details);
    let start = 0;
    if (ring) {
      const ip = customerIp(h.rng);
      const device = newDevice(h.rng);
      Object.assign(details, { shared_ip: ip, shared_device: device });
      h.at(0, (t) => [
        h.exchange.login(t, first, ip, device, 'success'),
        h.exchange.login(t, second, ip, device, 'success'),
      ]);
      start = 2_000;
    }
    const round = (i: number, at: number) =>
      crossInsideSpread(h, market, at, () => {
        const [seller, buyer] = i % 2 === 0 ? [first, second] : [second, first];
        details.trades = (details.trades as number) + 1;
        return { seller, buyer, lots: Math.max(1, Math.round(market.typicalLots * h.rng.int(1, 3))) };
      });
    for (let i = 0; i < rounds; i += 1) round(i, start + i * h.rng.int(1_000, 2_000));
  },
);

/**
 * At `at`, a sell and an equal ioc buy at one price strictly inside `market`'s spread, so the
 * two orders meet each other and no one else's; when the spread is one tick, tried again a
 * little later (up to 20 times). `who` names seller, buyer and size once the price is known.
 */
export function crossInsideSpread(
  h: ScenarioHandle,
  market: Market,
  at: number,
  who: () => { seller: Account; buyer: Account; lots: number },
  tries = 0,
): void {
  h.at(at, (t): SimEvent[] => {
    const book = h.exchange.book(market.symbol);
    const bid = book.bestBid() ?? 0;
    const ask = book.bestAsk() ?? bid + 3;
    if (ask - bid < 2) {
      // No price strictly inside the spread: anyone else's order could match. Wait a little.
      if (tries < 20) crossInsideSpread(h, market, at + 400, who, tries + 1);
      return [];
    }
    const price = bid + 1 + h.rng.int(0, ask - bid - 2);
    const { seller, buyer, lots } = who();
    const sell = h.exchange.place(t, seller.id, market.symbol, 'sell', price, lots);
    const buy = h.exchange.place(t, buyer.id, market.symbol, 'buy', price, lots, 'ioc');
    return [...sell.events, ...buy.events];
  });
}

/**
 * Negative control for wash-trading: a customer whose own buy now and then runs into its own
 * sell, resting for seconds a few bps above the ask, after taking other sellers' asks first:
 * an accidental self-match (what self-trade prevention exists for), not pre-arranged volume.
 */
export const selfCrossStaleOrder = defineScenario(
  'self-cross-stale-order',
  'negative control: a buy that sweeps the asks up to the account’s own sell resting there for seconds',
  (h) => {
    const crosser = labelledTrader(h, { rounds: 4 });
    const lots = crosser.market.typicalLots;
    for (let at = 0; at < 4 * 12_000; at += 12_000) {
      let sellPrice = 0;
      h.at(at, (t) => {
        const book = crosser.book();
        const ask = book.bestAsk() ?? (book.bestBid() ?? 1) + 2;
        sellPrice = ask + Math.max(1, bpsOf(ask, h.rng.int(3, 8)));
        return crosser.place(t, 'sell', sellPrice, lots).events;
      });
      // Everything offered up to its own price: others' asks first, its own last in line.
      h.at(
        at + h.rng.int(4_000, 8_000),
        (t) =>
          crosser.place(t, 'buy', sellPrice, Math.max(crosser.book().askedUpTo(sellPrice), 1), 'ioc').events,
      );
    }
  },
);
