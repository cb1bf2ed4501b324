import { type Account, customerIp, newAddress, newDevice } from '../accounts.js';
import { bpsOf, type Market } from '../markets.js';
import type { Side } from '../order-book.js';
import { defineScenario, type ScenarioHandle } from './scenario.js';

/** An ioc crossing the spread up to `bps` through the touch: fills whatever rests up to there. */
function cross(
  h: ScenarioHandle,
  t: number,
  account: Account,
  market: Market,
  side: Side,
  lots: number,
  bps: number,
) {
  const book = h.exchange.book(market.symbol);
  const touch = side === 'buy' ? book.bestAsk() : book.bestBid();
  if (touch === undefined || lots < 1) return { events: [], filledLots: 0 };
  const limit = side === 'buy' ? touch + bpsOf(touch, bps) : Math.max(1, touch - bpsOf(touch, bps));
  return h.exchange.place(t, account.id, market.symbol, side, limit, lots, 'ioc');
}

/**
 * Two accounts the exchange can see are linked: both log in from one IP and device (one
 * household, one office), or both fund from one external wallet. Returns when trading may start.
 */
function link(h: ScenarioHandle, a: Account, b: Account, details: Record<string, unknown>): number {
  if (h.rng.chance(0.5)) {
    const ip = customerIp(h.rng);
    const device = newDevice(h.rng);
    Object.assign(details, { link: 'shared-login', shared_ip: ip, shared_device: device });
    h.at(0, (t) => [
      h.exchange.login(t, a, ip, device, 'success'),
      h.exchange.login(t, b, ip, device, 'success'),
    ]);
  } else {
    const wallet = newAddress(h.rng);
    Object.assign(details, { link: 'shared-funding', shared_address: wallet });
    h.at(0, (t) =>
      [a, b].map((x) =>
        h.exchange.transfer(
          t,
          'deposit',
          h.exchange.newTransferId(),
          x.id,
          'USDT',
          2_000,
          wallet,
          'completed',
        ),
      ),
    );
  }
  return 2_000;
}

/**
 * `follower` trades the same way seconds before each of `owner`'s large orders (which sweep
 * the book 50 bps deep); with `reverse`, it trades back what it got 5–15 s after each: the front-run.
 */
function aheadOfLargeOrders(h: ScenarioHandle, options: { reverse: boolean; kind: string }): void {
  const owner = h.rng.pick(h.customers);
  const follower = h.rng.pick(h.customers.filter((a) => a.id !== owner.id));
  const market = h.market();
  const side: Side = h.rng.chance(0.5) ? 'buy' : 'sell';
  const back: Side = side === 'buy' ? 'sell' : 'buy';
  const cases = 4;
  const aheadLots = market.typicalLots * h.rng.int(2, 4);
  const details: Record<string, unknown> = {
    kind: options.kind,
    symbol: market.symbol,
    side,
    large_order_account: owner.id,
    cases,
    ahead_lots: aheadLots,
  };
  h.label('account', follower.id, details);
  const start = link(h, follower, owner, details);
  for (let c = 0; c < cases; c += 1) {
    const at = start + c * h.rng.int(18_000, 22_000);
    const lead = h.rng.int(2_000, 8_000);
    let held = 0;
    h.at(at, (t) => {
      const ahead = cross(h, t, follower, market, side, aheadLots, 5);
      held = ahead.filledLots;
      return ahead.events;
    });
    // The large order sweeps the book 50 bps deep: it moves the price, which is the point of trading ahead.
    h.at(
      at + lead,
      (t) => cross(h, t, owner, market, side, market.typicalLots * h.rng.int(30, 40), 50).events,
    );
    // Back out of everything it took ahead, into the moved price.
    if (options.reverse)
      h.at(at + lead + h.rng.int(5_000, 15_000), (t) => cross(h, t, follower, market, back, held, 50).events);
  }
}

/**
 * Front-running: an account linked to a large trader (shared login IP and device, or a shared
 * funding wallet) buys (or sells) seconds before each of the large trader's orders and trades
 * back 5–15 s later, into the price the large order moved.
 */
export const frontRunning = defineScenario(
  'front-running',
  'a linked account trades ahead of another account’s large orders and reverses right after',
  (h) => {
    aheadOfLargeOrders(h, { reverse: true, kind: 'front-run' });
  },
);

/**
 * Negative control for front-running: one household (shared IP and device, or one funding
 * wallet) where one account follows the other's large buys with a small buy of its own
 * seconds before, and keeps it: same direction, linked, ahead, but never traded back.
 */
export const linkedBuyAndHold = defineScenario(
  'linked-buy-and-hold',
  'negative control: a linked account trades the same way just before large orders and holds',
  (h) => {
    aheadOfLargeOrders(h, { reverse: false, kind: 'follow-and-hold' });
  },
);
