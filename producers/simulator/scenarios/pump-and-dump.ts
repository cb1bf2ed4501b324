import type { Account } from '../accounts.js';
import { bpsOf, type Market, priceOf } from '../markets.js';
import { simulatedMention } from '../mentions.js';
import { defineScenario, type ScenarioHandle, type Trader, trader } from './scenario.js';

/** The pump's tokens: small enough for a crowd to move. */
const smallCap = (m: Market) => m.symbol === 'DOGEUSDT' || m.symbol === 'PEPEUSDT';

const lastPrice = (h: ScenarioHandle, market: Market) =>
  priceOf(market, h.exchange.lastTrade.get(market.symbol) as number);

/**
 * A burst of `mentions` positive mentions over 40 s from `from`, and `buys` buys by `crowd`
 * from 2 s later, each sweeping 30 to 100 bps through the ask: eager buyers lifting the price.
 * `details.price_peak` follows the highest trade.
 */
function rally(
  h: ScenarioHandle,
  market: Market,
  crowd: readonly Account[],
  o: { mentions: number; buys: number; from: number },
  details: Record<string, unknown>,
): void {
  const book = () => h.exchange.book(market.symbol);
  for (let i = 0; i < o.mentions; i += 1) {
    h.at(o.from + Math.floor((i * 40_000) / o.mentions), (t) => [
      simulatedMention(h.exchange, h.rng, t, market.token, 'positive'),
    ]);
  }
  for (let i = 0; i < o.buys; i += 1) {
    h.at(o.from + 2_000 + Math.floor((i * 38_000) / o.buys), (t) => {
      const ask = book().bestAsk();
      if (ask === undefined) return [];
      const limit = ask + bpsOf(ask, h.rng.int(30, 100));
      // Most of what is offered up to the limit: each buy lifts the ask, makers re-quote higher.
      const offered = book().askedUpTo(limit);
      const lots = Math.round(offered * (0.6 + 0.4 * h.rng.next())) + market.typicalLots;
      const events = trader(h, h.rng.pick(crowd), market).place(t, 'buy', limit, lots, 'ioc').events;
      const last = lastPrice(h, market);
      details.price_peak = Math.max(last, Number(details.price_peak ?? 0));
      return events;
    });
  }
}

/**
 * Pump and dump on a small token: organisers accumulate quietly, a burst of positive
 * mentions and buying from many accounts lifts the price, then the organisers sell
 * everything into the bids.
 */
export const pumpAndDump = defineScenario(
  'pump-and-dump',
  'organisers accumulate, a burst of positive mentions and buys lifts the price, then they dump',
  (h) => {
    const market = h.market([...h.exchange.markets.values()].filter(smallCap));
    const organisers = [
      trader(h, h.rng.pick(h.customers), market),
      trader(h, h.rng.pick(h.customers), market),
    ];
    const crowd = Array.from({ length: h.rng.int(8, 15) }, () => h.rng.pick(h.customers));
    const mentions = h.rng.int(25, 40);
    const buys = h.rng.int(20, 30);
    const details: Record<string, unknown> = {
      symbol: market.symbol,
      organisers: organisers.map((o) => o.account.id),
      positive_mentions: mentions,
      crowd_buys: buys,
    };
    h.label('token', market.token, details);
    const book = () => h.exchange.book(market.symbol);
    let held = 0;
    // Accumulation: quiet marketable buys at the touch.
    for (let i = 0; i < 8; i += 1) {
      h.at(i * 1_200, (t) => {
        if (i === 0) details.price_start = lastPrice(h, market);
        const placed = (organisers[i % 2] as Trader).place(
          t,
          'buy',
          book().bestAsk(),
          market.typicalLots * 5,
          'ioc',
        );
        held += placed.filledLots;
        return placed.events;
      });
    }
    // The pump: mentions and crowd buys sweeping a few ticks through the ask.
    rally(h, market, crowd, { mentions, buys, from: 10_000 }, details);
    // The dump: organisers sell what they hold in a few large orders up to 3% through the bid.
    for (let i = 0; i < 4; i += 1) {
      h.at(55_000 + i * 3_000, (t) => {
        // What they hold, and then some (borrowed or pre-positioned): the dump must outweigh the bids.
        const lots = Math.round(held / 4) + market.typicalLots * 10;
        const bid = book().bestBid();
        const limit = bid === undefined ? undefined : Math.max(1, bid - bpsOf(bid, 300));
        const events = (organisers[i % 2] as Trader).place(t, 'sell', limit, lots, 'ioc').events;
        details.price_end = lastPrice(h, market);
        return events;
      });
    }
  },
);

/**
 * Negative control for pump-and-dump: good news about a large token (BTC, ETH or SOL: not the
 * pump's), a burst of positive mentions and a rally bought by many unrelated accounts, and
 * nobody who bought before the news selling into it.
 */
export const organicRally = defineScenario(
  'organic-rally',
  'negative control: good news, positive mentions and broad buying lift a token; no one dumps',
  (h) => {
    const market = h.market(
      [...h.exchange.markets.values()].filter((m) => !smallCap(m)),
      true,
    );
    const crowd = Array.from({ length: h.rng.int(20, 30) }, () => h.rng.pick(h.customers));
    const details: Record<string, unknown> = {
      symbol: market.symbol,
      positive_mentions: h.rng.int(25, 40),
      crowd_buys: h.rng.int(20, 30),
      buyers: crowd.length,
    };
    h.label('token', market.token, details);
    h.at(0, () => {
      details.price_start = lastPrice(h, market);
      return [];
    });
    rally(
      h,
      market,
      crowd,
      { mentions: details.positive_mentions as number, buys: details.crowd_buys as number, from: 0 },
      details,
    );
  },
);
