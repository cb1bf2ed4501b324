import type { ScenarioName, SimLabel } from '../../../lib/contracts/simulation.js';
import type { Rng } from '../../../lib/random.js';
import type { Account } from '../accounts.js';
import type { PlaceResult, SimEvent, SimExchange } from '../exchange.js';
import type { Market } from '../markets.js';
import type { OrderBook, Side } from '../order-book.js';

/**
 * Bytes a scenario writes to a topic past every contract, as a producer outside the platform
 * would (another team's exporter): `topic` without the deployment's prefix. The runner hands
 * them to its `rawSink`, which only a stack provides (EventProducer would refuse them).
 */
export interface RawMessage {
  event_id: string;
  occurred_at: number;
  topic: string;
  value: string;
}

/** What a scenario step may return: events for topics, and raw messages. */
export type ScenarioOutput = SimEvent | { topic: 'raw'; event: RawMessage };

/**
 * What a scenario may do: schedule steps on the simulation clock (each step's events
 * are counted as the scenario's), and say which entity its label is about.
 */
export interface ScenarioHandle {
  readonly exchange: SimExchange;
  /** The scenario's own stream: adding a scenario does not change the background's draws. */
  readonly rng: Rng;
  readonly customers: readonly Account[];
  /** Runs `step` `delayMs` after the scenario started (or after `from`, when given). */
  at(delayMs: number, step: (time: number) => ScenarioOutput[], from?: number): void;
  /**
   * A market to trade on, drawn from `candidates` (every market by default) among those no
   * other running scenario trades, when one is free: each label then judges one behaviour,
   * not two scenarios' orders mixed on one book. `wholeRun`: kept from every later scenario
   * too, for labels about a token, which a rule judges over a long window.
   */
  market(candidates?: readonly Market[], wholeRun?: boolean): Market;
  /** Negative mentions of `token` the simulation produced with time in [from, to). */
  negativeMentions(token: string, from: number, to: number): number;
  /** The label's entity and the parameters worth knowing when a detection is judged. */
  label(entityKind: SimLabel['entity_kind'], entity: string, details: Record<string, unknown>): void;
}

export interface Scenario {
  name: ScenarioName;
  /** A sentence for docs and --help. */
  description: string;
  start(handle: ScenarioHandle, time: number): void;
}

/**
 * A scenario: its name, its sentence for docs and --help, and what it does once started. The
 * one form every scenario module uses: a new scenario is one such call and one entry in index.ts.
 */
export function defineScenario(name: ScenarioName, description: string, start: Scenario['start']): Scenario {
  return { name, description, start };
}

/** One account trading one market: the order verbs most scenarios need, bound to both. */
export interface Trader {
  readonly account: Account;
  readonly market: Market;
  book(): OrderBook;
  /** A limit order (price in ticks), or a market order with price undefined. */
  place(t: number, side: Side, price: number | undefined, lots: number, tif?: 'gtc' | 'ioc'): PlaceResult;
  /** Cancels each of `orderIds` still resting. */
  cancel(t: number, orderIds: readonly string[]): SimEvent[];
}

/**
 * `account` trading on `market`. By default a customer is drawn first, then a free market:
 * the order of the draws is part of what keeps a seed's run the same.
 */
export function trader(h: ScenarioHandle, account = h.rng.pick(h.customers), market = h.market()): Trader {
  return {
    account,
    market,
    book: () => h.exchange.book(market.symbol),
    place: (t, side, price, lots, tif) =>
      h.exchange.place(t, account.id, market.symbol, side, price, lots, tif),
    cancel: (t, orderIds) => orderIds.flatMap((id) => h.exchange.cancel(t, id)),
  };
}

/** An ordinary customer's ioc on `market`: the taker a scenario's resting orders wait for. */
export function customerIoc(
  h: ScenarioHandle,
  t: number,
  market: Market,
  side: Side,
  price: number,
  lots: number,
): SimEvent[] {
  return h.exchange.place(t, h.rng.pick(h.customers).id, market.symbol, side, price, lots, 'ioc').events;
}

/**
 * Quotes re-placed `cycles` times, `gapMs()` apart: each time every order still resting from the
 * last round is cancelled first, then `quote` places the new round (returning what it placed);
 * a last round only cancels. A market maker's or a large passive trader's re-pricing.
 */
export function requote(
  h: ScenarioHandle,
  who: Trader,
  cycles: number,
  gapMs: () => number,
  quote: (t: number, book: OrderBook) => PlaceResult[],
  /** Called with each round's time as it is scheduled (before the next gap is drawn). */
  alongside?: (at: number) => void,
): void {
  let resting: string[] = [];
  let at = 0;
  for (let c = 0; c <= cycles; c += 1) {
    at += c === 0 ? 0 : gapMs();
    h.at(at, (t) => {
      const events = who.cancel(t, resting);
      resting = [];
      if (c === cycles) return events;
      for (const placed of quote(t, who.book())) {
        if (placed.rested) resting.push(placed.orderId);
        events.push(...placed.events);
      }
      return events;
    });
    alongside?.(at);
  }
}

/** `account`'s request to withdraw `amount` of `asset` to `address`, as transfer `transferId`. */
export function withdrawalRequest(
  h: ScenarioHandle,
  t: number,
  transferId: string,
  account: Account,
  asset: string,
  amount: number,
  address: string,
): SimEvent {
  return h.exchange.transfer(t, 'withdrawal', transferId, account.id, asset, amount, address, 'requested');
}

/**
 * A trader (a customer drawn, then a free market) whom the scenario's label is about: the label
 * names its account, with its symbol first among `details`.
 */
export function labelledTrader(h: ScenarioHandle, details: Record<string, unknown>): Trader {
  const who = trader(h);
  h.label('account', who.account.id, { symbol: who.market.symbol, ...details });
  return who;
}
