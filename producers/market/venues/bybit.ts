import type { MarketLiquidation, MarketTrade } from '../../../lib/contracts/market.js';
import { OrderBook } from '../order-book.js';
import type { VenueAdapter, VenueContext, VenueDefinition, VenueOptions } from '../venue.js';
import {
  intOf,
  isObject,
  MonotonicIds,
  marketFields,
  num,
  parseLevels,
  RecentKeys,
  readObject,
} from '../venue-kit.js';

/**
 * Bybit v5 public linear (USDT perpetuals), one connection to `/v5/public/linear`:
 *   publicTrade.<S> → market.trades          orderbook.50.<S> → market.depth + market.book_l1
 *   tickers.<S> → market.mark                allLiquidation.<S> → market.liquidations
 * Subscriptions are sent as `{"op":"subscribe","args":[…]}`, ten topics per request. Bybit
 * drops a connection without traffic after 10 minutes and asks for `{"op":"ping"}` every 20 s.
 *
 * Book rules (Bybit's own): a `snapshot` replaces the book (also when the venue restarts and
 * sends `u`=1); each `delta` must carry `u` = previous `u` + 1. A break raises
 * `market.integrity`, discards the book and resubscribes the topic, which makes Bybit send a
 * fresh snapshot; deltas until then are not published.
 */

export const bybit: VenueDefinition = {
  id: 'bybit',
  source: 'bybit-linear',
  defaultWsUrl: 'wss://stream.bybit.com/v5/public/linear',
  // Books arrive in-band as snapshots; no REST call is needed.
  defaultRestUrl: 'https://api.bybit.com',
  limits: {
    // The args of one connection may not exceed 21,000 characters: 500 topics of ≤ 40 stay below.
    maxStreamsPerConnection: 500,
    // At most 500 connections per 5 minutes per IP.
    connectionAttempts: { max: 500, windowMs: 5 * 60_000 },
    // No documented age limit on public streams; a daily handover keeps one code path for all venues.
    maxConnectionAgeMs: 24 * 3_600_000,
  },
  streamCount: (symbols) => symbols.length * 4,
  create: (options) => new BybitAdapter(options),
};

const SUBSCRIBE_ARGS_PER_REQUEST = 10;
const HEARTBEAT_MS = 20_000;

interface BookState {
  synced: boolean;
  lastUpdate: number;
  afterBreak: boolean;
  book: OrderBook;
  top: string;
}

interface TickerState {
  markPrice?: number;
  indexPrice?: number;
  fundingRate?: number;
  nextFundingTime?: number;
}

class BybitAdapter implements VenueAdapter {
  readonly #options: VenueOptions;
  readonly #ctx: VenueContext;
  readonly #books = new Map<string, BookState>();
  readonly #tickers = new Map<string, TickerState>();
  readonly #tradeIds = new RecentKeys();
  readonly #liquidations = new RecentKeys(1024);
  readonly #sequences = new MonotonicIds();
  #requests = 0;
  readonly heartbeat = { intervalMs: HEARTBEAT_MS, frame: () => this.#request('ping', undefined) };

  constructor(options: VenueOptions) {
    this.#options = options;
    this.#ctx = options.ctx;
  }

  url(): string {
    return this.#options.wsUrl;
  }

  openingFrames(): string[] {
    const topics = this.#options.symbols.flatMap((s) => [
      `publicTrade.${s}`,
      `orderbook.50.${s}`,
      `tickers.${s}`,
      `allLiquidation.${s}`,
    ]);
    const frames: string[] = [];
    for (let i = 0; i < topics.length; i += SUBSCRIBE_ARGS_PER_REQUEST) {
      frames.push(this.#request('subscribe', topics.slice(i, i + SUBSCRIBE_ARGS_PER_REQUEST)));
    }
    return frames;
  }

  watchedStreams(): string[] {
    return this.#options.symbols.flatMap((s) => [`orderbook.50.${s}`, `tickers.${s}`]);
  }

  onConnected(): void {
    // Each new subscription starts with a snapshot, which resets the book.
  }

  close(): void {}

  onFrame(frame: string, receivedAt: number): string | undefined {
    const message = readObject(frame, this.#ctx);
    if (!message) return undefined;
    if (typeof message.op === 'string') {
      // Replies to subscribe and ping; a refused subscription is a feed we will never get.
      if (message.success === false)
        this.#ctx.reject(frame, `venue refused ${message.op}: ${String(message.ret_msg)}`);
      return undefined;
    }
    const topic = message.topic;
    if (typeof topic !== 'string') {
      this.#ctx.reject(frame, 'not a topic message: {"topic": string, "type", "ts", "data"} expected');
      return undefined;
    }
    const kind = topic.slice(0, topic.indexOf('.'));
    switch (kind) {
      case 'publicTrade':
        this.#trade(message, frame, receivedAt);
        break;
      case 'orderbook':
        this.#orderbook(topic, message, frame, receivedAt);
        break;
      case 'tickers':
        this.#ticker(message, frame, receivedAt);
        break;
      case 'allLiquidation':
        this.#liquidation(message, frame, receivedAt);
        break;
      default:
        this.#ctx.reject(frame, `unknown topic ${JSON.stringify(topic)}`);
        return undefined;
    }
    return topic;
  }

  #request(op: string, args: string[] | undefined): string {
    this.#requests += 1;
    return JSON.stringify({ req_id: `${op}-${this.#requests}`, op, ...(args ? { args } : {}) });
  }

  #fields<T extends string>(type: T, symbol: unknown, venueTime: unknown, receivedAt: number) {
    const s = typeof symbol === 'string' ? symbol : '';
    return marketFields(type, bybit.id, bybit.source, s, this.#ctx.venueTime(intOf(venueTime)), receivedAt);
  }

  #trade(message: Record<string, unknown>, frame: string, receivedAt: number): void {
    if (!Array.isArray(message.data)) {
      this.#ctx.reject(frame, 'publicTrade: data must be an array of trades', 'marketTrades');
      return;
    }
    for (const trade of message.data as unknown[]) {
      const t = isObject(trade) ? trade : {};
      if (typeof t.i === 'string' && !this.#tradeIds.firstTime(t.i)) {
        this.#ctx.duplicate();
        continue;
      }
      this.#ctx.emit(
        {
          topic: 'marketTrades',
          event: {
            ...this.#fields('market.trade', t.s, t.T, receivedAt),
            trade_id: typeof t.i === 'string' ? t.i : '',
            price: num(t.p),
            quantity: num(t.v),
            // `S` is the taker's side.
            side: (t.S === 'Buy' ? 'buy' : t.S === 'Sell' ? 'sell' : t.S) as MarketTrade['side'],
          },
        },
        frame,
      );
    }
  }

  #orderbook(topic: string, message: Record<string, unknown>, frame: string, receivedAt: number): void {
    const data = isObject(message.data) ? message.data : {};
    const symbol = typeof data.s === 'string' ? data.s : topic.slice(topic.lastIndexOf('.') + 1);
    const update = intOf(data.u);
    const bids = parseLevels(data.b);
    const asks = parseLevels(data.a);
    const time = intOf(message.cts) || intOf(message.ts);
    const state = this.#book(symbol);
    if (
      Number.isNaN(update + time) ||
      !bids ||
      !asks ||
      (message.type !== 'snapshot' && message.type !== 'delta')
    ) {
      this.#ctx.reject(
        frame,
        'orderbook: type, ts, data.s, data.u and levels data.b, data.a are required',
        'marketDepth',
      );
      if (state.synced)
        this.#break(topic, symbol, state, 'a readable delta', 'an unreadable frame', receivedAt);
      return;
    }
    if (message.type === 'snapshot') {
      // An older snapshot from an overlapping connection; `u`=1 is a venue restart and always wins.
      if (state.synced && update <= state.lastUpdate && update !== 1) {
        this.#ctx.duplicate();
        return;
      }
      state.book.clear();
      if (state.afterBreak) this.#ctx.resynced(symbol);
      state.afterBreak = false;
      state.synced = true;
    } else {
      if (!state.synced) return; // Waiting for the snapshot a resubscription brings.
      if (update <= state.lastUpdate) {
        this.#ctx.duplicate();
        return;
      }
      if (update !== state.lastUpdate + 1) {
        this.#break(topic, symbol, state, `u=${state.lastUpdate + 1}`, `u=${update}`, receivedAt);
        return;
      }
    }
    const prev = message.type === 'snapshot' ? update : state.lastUpdate;
    state.lastUpdate = update;
    state.book.apply(bids.prices, bids.sizes, asks.prices, asks.sizes);
    const published = this.#ctx.emit(
      {
        topic: 'marketDepth',
        event: {
          ...this.#fields('market.depth', symbol, time, receivedAt),
          kind: message.type === 'snapshot' ? 'snapshot' : 'diff',
          first_update_id: update,
          final_update_id: update,
          prev_update_id: prev,
          bid_prices: bids.prices,
          bid_quantities: bids.sizes,
          ask_prices: asks.prices,
          ask_quantities: asks.sizes,
          best_bid_price: state.book.bestBid,
          best_ask_price: state.book.bestAsk,
        },
      },
      frame,
    );
    if (!published) {
      // Downstream would miss this change: start a new chain with a fresh snapshot.
      this.#resubscribe(topic, state);
      return;
    }
    this.#publishTop(symbol, state, update, time, frame, receivedAt);
  }

  /** Bybit has no L1 stream in this set: the top of our synced book is the L1 quote. */
  #publishTop(
    symbol: string,
    state: BookState,
    update: number,
    time: number,
    frame: string,
    receivedAt: number,
  ): void {
    const { book } = state;
    if (book.bestBid === 0 || book.bestAsk === 0) return;
    const top = `${book.bestBid}/${book.bidSize(book.bestBid)}/${book.bestAsk}/${book.askSize(book.bestAsk)}`;
    if (top === state.top) return;
    state.top = top;
    this.#ctx.emit(
      {
        topic: 'marketBookL1',
        event: {
          ...this.#fields('market.book_l1', symbol, time, receivedAt),
          bid_price: book.bestBid,
          bid_quantity: book.bidSize(book.bestBid),
          ask_price: book.bestAsk,
          ask_quantity: book.askSize(book.bestAsk),
          update_id: update,
        },
      },
      frame,
    );
  }

  #break(
    topic: string,
    symbol: string,
    state: BookState,
    expected: string,
    got: string,
    receivedAt: number,
  ): void {
    this.#ctx.integrity(
      {
        symbol,
        kind: 'sequence_gap',
        stream: topic,
        expected,
        got,
        detail: 'orderbook delta does not continue the book; discarded and resubscribed for a fresh snapshot',
      },
      receivedAt,
    );
    this.#resubscribe(topic, state);
  }

  #resubscribe(topic: string, state: BookState): void {
    state.synced = false;
    state.afterBreak = true;
    state.top = '';
    state.book.clear();
    this.#ctx.send(this.#request('unsubscribe', [topic]));
    this.#ctx.send(this.#request('subscribe', [topic]));
  }

  #book(symbol: string): BookState {
    let state = this.#books.get(symbol);
    if (!state) {
      state = { synced: false, lastUpdate: 0, afterBreak: false, book: new OrderBook(), top: '' };
      this.#books.set(symbol, state);
    }
    return state;
  }

  #ticker(message: Record<string, unknown>, frame: string, receivedAt: number): void {
    const data = isObject(message.data) ? message.data : undefined;
    if (!data || typeof data.symbol !== 'string') {
      this.#ctx.reject(frame, 'tickers: data.symbol is required', 'marketMark');
      return;
    }
    const sequence = intOf(message.cs) || intOf(message.ts);
    if (!Number.isNaN(sequence) && !this.#sequences.advance(`cs:${data.symbol}`, sequence)) {
      this.#ctx.duplicate();
      return;
    }
    // Deltas carry only the fields that changed: merge them into what the snapshot gave.
    const state = this.#tickers.get(data.symbol) ?? {};
    this.#tickers.set(data.symbol, state);
    let changed = false;
    const take = (field: keyof TickerState, value: unknown) => {
      if (value === undefined) return;
      state[field] = num(value);
      changed = true;
    };
    take('markPrice', data.markPrice);
    take('indexPrice', data.indexPrice);
    take('fundingRate', data.fundingRate);
    take('nextFundingTime', data.nextFundingTime);
    if (!changed || state.markPrice === undefined) return;
    this.#ctx.emit(
      {
        topic: 'marketMark',
        event: {
          ...this.#fields('market.mark', data.symbol, message.ts, receivedAt),
          mark_price: state.markPrice,
          index_price: state.indexPrice ?? Number.NaN,
          funding_rate: state.fundingRate ?? Number.NaN,
          next_funding_at: state.nextFundingTime ?? Number.NaN,
        },
      },
      frame,
    );
  }

  #liquidation(message: Record<string, unknown>, frame: string, receivedAt: number): void {
    if (!Array.isArray(message.data)) {
      this.#ctx.reject(frame, 'allLiquidation: data must be an array', 'marketLiquidations');
      return;
    }
    for (const item of message.data as unknown[]) {
      const l = isObject(item) ? item : {};
      const key = `${String(l.s)}:${String(l.T)}:${String(l.S)}:${String(l.v)}:${String(l.p)}`;
      if (!this.#liquidations.firstTime(key)) {
        this.#ctx.duplicate();
        continue;
      }
      this.#ctx.emit(
        {
          topic: 'marketLiquidations',
          event: {
            ...this.#fields('market.liquidation', l.s, l.T, receivedAt),
            // `S` is the liquidated position's side: a long (Buy) is closed by a sell order.
            side: (l.S === 'Buy' ? 'sell' : l.S === 'Sell' ? 'buy' : l.S) as MarketLiquidation['side'],
            price: num(l.p),
            quantity: num(l.v),
          },
        },
        frame,
      );
    }
  }
}
