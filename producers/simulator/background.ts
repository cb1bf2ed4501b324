import type { Rng } from '../../lib/random.js';
import type { Account } from './accounts.js';
import type { SimEvent, SimExchange } from './exchange.js';
import { bpsOf, type Market } from './markets.js';
import { simulatedMention } from './mentions.js';
import type { Side } from './order-book.js';

export type Later = (time: number, run: (time: number) => SimEvent[]) => void;

/**
 * The exchange's ordinary day: market makers quoting around a drifting fair price,
 * customers taking liquidity, cancels, logins from known places, deposits and
 * withdrawals to known addresses, and a slow trickle of news mentions.
 */
export class BackgroundFlow {
  readonly #exchange: SimExchange;
  readonly #rng: Rng;
  readonly #makers: Account[];
  readonly #customers: Account[];
  readonly #markets: Market[];
  /** Fair price per symbol in ticks: makers quote around it; it follows the tape. */
  readonly #fair = new Map<string, number>();
  /** Orders that may still rest (filled ones are skipped when cancelled). */
  readonly #open: string[] = [];
  /** Runs a step later on the simulation's clock (a transfer's completion). */
  readonly #later: Later;

  constructor(exchange: SimExchange, rng: Rng, accounts: Account[], later: Later) {
    this.#exchange = exchange;
    this.#later = later;
    this.#rng = rng;
    this.#makers = accounts.filter((a) => a.maker);
    this.#customers = accounts.filter((a) => !a.maker);
    this.#markets = [...exchange.markets.values()];
    for (const m of this.#markets) this.#fair.set(m.symbol, exchange.lastTrade.get(m.symbol) as number);
  }

  /** Ten levels a side per market, so the first takers find a book. */
  seedBooks(time: number): SimEvent[] {
    const events: SimEvent[] = [];
    for (const market of this.#markets) {
      const fair = this.#fair.get(market.symbol) as number;
      for (let level = 1; level <= 10; level += 1) {
        for (const side of ['buy', 'sell'] as const) {
          const offset = bpsOf(fair, level * 2);
          const price = side === 'buy' ? fair - offset : fair + offset;
          events.push(...this.#quote(time, market, side, price));
        }
      }
    }
    return events;
  }

  /** One ordinary action at `time`. */
  step(time: number): SimEvent[] {
    const r = this.#rng.next();
    // Keep each book around a hundred orders: a book that only grows would slow matching and drift.
    if (this.#open.length > 100 * this.#markets.length) return this.#cancelSome(time);
    if (r < 0.4) return this.#makerQuote(time);
    if (r < 0.62) return this.#customerTrade(time);
    if (r < 0.88) return this.#cancelSome(time);
    if (r < 0.96) return this.#login(time);
    return this.#transfer(time);
  }

  mention(time: number): SimEvent {
    const market = this.#rng.pick(this.#markets);
    const r = this.#rng.next();
    return simulatedMention(
      this.#exchange,
      this.#rng,
      time,
      market.token,
      r < 0.15 ? 'negative' : r < 0.5 ? 'positive' : 'neutral',
    );
  }

  /** Remember an order a scenario placed so background cancels may also touch it (realism). */
  track(orderId: string): void {
    this.#open.push(orderId);
  }

  #lots(market: Market): number {
    return Math.max(1, Math.round(this.#rng.exponential(market.typicalLots)));
  }

  #quote(time: number, market: Market, side: Side, price: number): SimEvent[] {
    const placed = this.#exchange.place(
      time,
      this.#rng.pick(this.#makers).id,
      market.symbol,
      side,
      Math.max(1, price),
      this.#lots(market),
    );
    if (placed.rested) this.#open.push(placed.orderId);
    return placed.events;
  }

  #makerQuote(time: number): SimEvent[] {
    const market = this.#rng.pick(this.#markets);
    const last = this.#exchange.lastTrade.get(market.symbol) as number;
    // A random walk pulled toward the tape: prices wander, and follow a pump or a dump.
    const drifted = (this.#fair.get(market.symbol) as number) * (1 + this.#rng.normal() * 0.0003);
    const fair = Math.round(0.5 * drifted + 0.5 * last);
    this.#fair.set(market.symbol, fair);
    const side: Side = this.#rng.chance(0.5) ? 'buy' : 'sell';
    // Quotes 0.5 to 15 bps from fair: a tight book on every market, whatever its tick.
    const offset = bpsOf(fair, 0.5 + this.#rng.next() * 14.5);
    return this.#quote(time, market, side, side === 'buy' ? fair - offset : fair + offset);
  }

  #customerTrade(time: number): SimEvent[] {
    const market = this.#rng.pick(this.#markets);
    const book = this.#exchange.book(market.symbol);
    const side: Side = this.#rng.chance(0.5) ? 'buy' : 'sell';
    const account = this.#rng.pick(this.#customers).id;
    const lots = Math.max(1, Math.round(this.#lots(market) / 2));
    if (this.#rng.chance(0.3))
      return this.#exchange.place(time, account, market.symbol, side, undefined, lots).events;
    // A marketable limit a tick or two through the touch, or a passive one if the side is empty.
    const touch = side === 'buy' ? book.bestAsk() : book.bestBid();
    const fair = this.#fair.get(market.symbol) as number;
    const through = bpsOf(fair, this.#rng.next() * 3);
    const price = touch === undefined ? fair : side === 'buy' ? touch + through : touch - through;
    const placed = this.#exchange.place(
      time,
      account,
      market.symbol,
      side,
      Math.max(1, price),
      lots,
      this.#rng.chance(0.5) ? 'ioc' : 'gtc',
    );
    if (placed.rested) this.#open.push(placed.orderId);
    return placed.events;
  }

  #cancelSome(time: number): SimEvent[] {
    // A few tries: the picked order may have filled since.
    for (let tries = 0; tries < 3 && this.#open.length > 0; tries += 1) {
      const i = this.#rng.int(0, this.#open.length - 1);
      const orderId = this.#open[i] as string;
      this.#open[i] = this.#open[this.#open.length - 1] as string;
      this.#open.pop();
      const events = this.#exchange.cancel(time, orderId);
      if (events.length > 0) return events;
    }
    return this.#makerQuote(time);
  }

  #login(time: number): SimEvent[] {
    const account = this.#rng.pick(this.#customers);
    const outcome = this.#rng.chance(0.95) ? 'success' : 'bad_password';
    return [
      this.#exchange.login(
        time,
        account,
        this.#rng.pick(account.ips),
        this.#rng.pick(account.devices),
        outcome,
      ),
    ];
  }

  #transfer(time: number): SimEvent[] {
    const account = this.#rng.pick(this.#customers);
    const market = this.#rng.pick(this.#markets);
    const deposit = this.#rng.chance(0.5);
    const asset = this.#rng.chance(0.4) ? 'USDT' : market.token;
    const notional = this.#rng.exponential(2_000);
    const amount = Number(
      Math.max(asset === 'USDT' ? notional : notional / market.startPrice, 1e-6).toPrecision(6),
    );
    const id = this.#exchange.newTransferId();
    const kind = deposit ? 'deposit' : 'withdrawal';
    const address = this.#rng.pick(account.addresses);
    const first = this.#exchange.transfer(
      time,
      kind,
      id,
      account.id,
      asset,
      amount,
      address,
      deposit ? 'pending' : 'requested',
    );
    this.#later(time + this.#rng.int(5_000, 60_000), (at) => [
      this.#exchange.transfer(at, kind, id, account.id, asset, amount, address, 'completed'),
    ]);
    return [first];
  }
}
