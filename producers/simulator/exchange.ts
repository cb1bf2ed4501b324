import type { EngineExecution, EngineOrder } from '../../lib/contracts/engine.js';
import type { ListingAnnouncement } from '../../lib/contracts/listing.js';
import type { SocialMention } from '../../lib/contracts/social.js';
import type { UserFunds, UserLogin } from '../../lib/contracts/user.js';
import type { Account } from './accounts.js';
import type { SimIds } from './ids.js';
import { type Market, priceOf, quantityOf } from './markets.js';
import { OrderBook, type Side } from './order-book.js';

/**
 * One event for one topic (the key names a spec in lib/contracts/topics.ts). `heldMs`: the
 * producer held it this long after stamping `produced_at` before Kafka took it (a producer
 * cut off from the broker); absent, it is stamped as it is handed over.
 */
export type SimEvent = (
  | { topic: 'engineOrders'; event: EngineOrder }
  | { topic: 'engineExecutions'; event: EngineExecution }
  | { topic: 'userLogins'; event: UserLogin }
  | { topic: 'userFunds'; event: UserFunds }
  | { topic: 'socialMentions'; event: SocialMention }
  | { topic: 'listings'; event: ListingAnnouncement }
) & { heldMs?: number };

interface OrderMeta {
  market: Market;
  accountId: string;
  side: Side;
  orderType: 'limit' | 'market';
  timeInForce: 'gtc' | 'ioc';
  price: number | undefined;
  quantity: number;
}

export interface PlaceResult {
  orderId: string;
  events: SimEvent[];
  filledLots: number;
  rested: boolean;
}

export const SIM_SOURCE = 'simulator';

/**
 * The simulated exchange: one order book per market, and the engine and user events the
 * real exchange would publish for each action, shaped by lib/contracts/{engine,user}.ts.
 */
export class SimExchange {
  readonly markets: ReadonlyMap<string, Market>;
  readonly books = new Map<string, OrderBook>();
  /** Last trade price per symbol, in ticks: where market makers re-centre their quotes. */
  readonly lastTrade = new Map<string, number>();
  readonly #orders = new Map<string, OrderMeta>();
  readonly #ids: SimIds;

  constructor(ids: SimIds, markets: readonly Market[]) {
    this.#ids = ids;
    this.markets = new Map(markets.map((m) => [m.symbol, m]));
    for (const m of markets) {
      this.books.set(m.symbol, new OrderBook());
      this.lastTrade.set(m.symbol, Math.round(m.startPrice / m.tickSize));
    }
  }

  envelope(time: number) {
    return {
      event_id: this.#ids.eventId(time),
      source: SIM_SOURCE,
      schema_version: 1 as const,
      occurred_at: time,
      produced_at: time,
    };
  }

  book(symbol: string): OrderBook {
    return this.books.get(symbol) as OrderBook;
  }

  /** A limit order (price in ticks) or, with price undefined, a market order. */
  place(
    time: number,
    accountId: string,
    symbol: string,
    side: Side,
    price: number | undefined,
    lots: number,
    tif: 'gtc' | 'ioc' = 'gtc',
  ): PlaceResult {
    const market = this.markets.get(symbol) as Market;
    const orderId = this.#ids.orderId();
    const meta: OrderMeta = {
      market,
      accountId,
      side,
      orderType: price === undefined ? 'market' : 'limit',
      timeInForce: price === undefined ? 'ioc' : tif,
      price,
      quantity: lots,
    };
    const events: SimEvent[] = [this.#orderEvent(time, orderId, meta, 'new', 0)];
    const result = this.book(symbol).submit({
      orderId,
      accountId,
      side,
      price,
      quantity: lots,
      timeInForce: meta.timeInForce,
    });
    let takerFilled = 0;
    for (const fill of result.fills) {
      const tradeId = this.#ids.tradeId();
      const makerMeta = this.#orders.get(fill.maker.orderId) as OrderMeta;
      takerFilled += fill.quantity;
      const fillFields = {
        fill_price: priceOf(market, fill.price),
        fill_quantity: quantityOf(market, fill.quantity),
        trade_id: tradeId,
      };
      events.push(
        {
          topic: 'engineOrders',
          event: {
            ...this.#orderEvent(time, fill.maker.orderId, makerMeta, 'fill', fill.maker.filled).event,
            ...fillFields,
          },
        },
        {
          topic: 'engineOrders',
          event: { ...this.#orderEvent(time, orderId, meta, 'fill', takerFilled).event, ...fillFields },
        },
        {
          topic: 'engineExecutions',
          event: {
            ...this.envelope(time),
            type: 'engine.execution',
            trade_id: tradeId,
            symbol,
            price: fillFields.fill_price,
            quantity: fillFields.fill_quantity,
            aggressor_side: side,
            maker_account_id: fill.maker.accountId,
            maker_order_id: fill.maker.orderId,
            taker_account_id: accountId,
            taker_order_id: orderId,
          },
        },
      );
      if (fill.maker.filled === fill.maker.quantity) this.#orders.delete(fill.maker.orderId);
      this.lastTrade.set(symbol, fill.price);
    }
    if (result.rested) this.#orders.set(orderId, meta);
    else if (result.filled < lots)
      events.push(this.#orderEvent(time, orderId, meta, 'cancel', result.filled));
    return { orderId, events, filledLots: result.filled, rested: result.rested };
  }

  /** Cancels a resting order; no event when it already filled or was cancelled. */
  cancel(time: number, orderId: string): SimEvent[] {
    const meta = this.#orders.get(orderId);
    const gone = meta ? this.book(meta.market.symbol).cancel(orderId) : undefined;
    if (!meta || !gone) return [];
    this.#orders.delete(orderId);
    return [this.#orderEvent(time, orderId, meta, 'cancel', gone.filled)];
  }

  login(
    time: number,
    account: Account,
    ip: string,
    device: string,
    outcome: UserLogin['outcome'],
    country = account.country,
  ): SimEvent {
    return {
      topic: 'userLogins',
      event: {
        ...this.envelope(time),
        type: 'user.login',
        account_id: account.id,
        ip,
        user_agent: account.userAgent,
        device_id: device,
        geo_country: country,
        outcome,
      },
    };
  }

  transfer(
    time: number,
    kind: 'deposit' | 'withdrawal',
    transferId: string,
    accountId: string,
    asset: string,
    amount: number,
    address: string,
    status: UserFunds['status'],
  ): SimEvent {
    const base = {
      ...this.envelope(time),
      transfer_id: transferId,
      account_id: accountId,
      asset,
      network: asset === 'USDT' ? 'TRC20' : undefined,
      amount,
      address,
      status,
    };
    return {
      topic: 'userFunds',
      event: kind === 'deposit' ? { ...base, type: 'user.deposit' } : { ...base, type: 'user.withdrawal' },
    };
  }

  /**
   * A trade on a thin market the simulated books do not run (a token listed only on this
   * exchange, no external price feed): its own last trade is the only USD price there is.
   */
  thinMarketTrade(
    time: number,
    symbol: string,
    price: number,
    quantity: number,
    makerAccountId: string,
    takerAccountId: string,
  ): SimEvent {
    return {
      topic: 'engineExecutions',
      event: {
        ...this.envelope(time),
        type: 'engine.execution',
        trade_id: this.#ids.tradeId(),
        symbol,
        price,
        quantity,
        aggressor_side: 'buy',
        maker_account_id: makerAccountId,
        maker_order_id: this.#ids.orderId(),
        taker_account_id: takerAccountId,
        taker_order_id: this.#ids.orderId(),
      },
    };
  }

  /** A listing announcement made public at `time`; `fields` say what is listed where. */
  listing(
    time: number,
    fields: Omit<
      ListingAnnouncement,
      'event_id' | 'type' | 'source' | 'schema_version' | 'occurred_at' | 'produced_at' | 'announced_at'
    >,
  ): SimEvent {
    return {
      topic: 'listings',
      event: { ...this.envelope(time), type: 'listing.announcement', announced_at: time, ...fields },
    };
  }

  newTransferId(): string {
    return this.#ids.transferId();
  }

  #orderEvent(
    time: number,
    orderId: string,
    meta: OrderMeta,
    event: EngineOrder['event'],
    filledLots: number,
  ): SimEvent & { topic: 'engineOrders' } {
    return {
      topic: 'engineOrders',
      event: {
        ...this.envelope(time),
        type: 'engine.order',
        event,
        order_id: orderId,
        account_id: meta.accountId,
        symbol: meta.market.symbol,
        side: meta.side,
        order_type: meta.orderType,
        time_in_force: meta.timeInForce,
        ...(meta.price === undefined ? {} : { price: priceOf(meta.market, meta.price) }),
        quantity: quantityOf(meta.market, meta.quantity),
        filled_quantity: quantityOf(meta.market, filledLots),
      },
    };
  }
}
