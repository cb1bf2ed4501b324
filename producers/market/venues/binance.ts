import type { MarketLiquidation, MarketTrade } from '../../../lib/contracts/market.js';
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
import { BinanceDepthSync } from './binance-depth.js';

/**
 * Binance USDⓈ-M futures, public market streams over one combined-stream connection
 * (`/stream?streams=a/b/c`, frames wrapped as `{"stream": name, "data": payload}`):
 *   <symbol>@aggTrade → market.trades        <symbol>@bookTicker → market.book_l1
 *   <symbol>@depth@100ms → market.depth      <symbol>@markPrice@1s → market.mark
 *   <symbol>@forceOrder → market.liquidations
 * Streams are named in the URL, so we send no messages (the venue allows 10 per second).
 * The server pings every 3 minutes; `ws` answers with pongs by itself.
 */

const HOUR_MS = 3_600_000;

export const binance: VenueDefinition = {
  id: 'binance',
  source: 'binance-usdm',
  defaultWsUrl: 'wss://fstream.binance.com',
  defaultRestUrl: 'https://fapi.binance.com',
  limits: {
    maxStreamsPerConnection: 1024,
    // 300 connection attempts per 5 minutes per IP.
    connectionAttempts: { max: 300, windowMs: 5 * 60_000 },
    maxConnectionAgeMs: 24 * HOUR_MS,
  },
  streamCount: (symbols) => symbols.length * 5,
  create: (options) => new BinanceAdapter(options),
};

class BinanceAdapter implements VenueAdapter {
  readonly #options: VenueOptions;
  readonly #ctx: VenueContext;
  readonly #depth: BinanceDepthSync;
  readonly #ids = new MonotonicIds();
  readonly #liquidations = new RecentKeys(1024);

  constructor(options: VenueOptions) {
    this.#options = options;
    this.#ctx = options.ctx;
    this.#depth = new BinanceDepthSync({
      ctx: options.ctx,
      venue: binance.id,
      source: binance.source,
      snapshotUrl: (symbol) =>
        `${options.restUrl}/fapi/v1/depth?symbol=${symbol}&limit=${options.depthSnapshotLimit}`,
    });
  }

  url(): string {
    const streams = this.#options.symbols.flatMap((symbol) => {
      const s = symbol.toLowerCase();
      return [`${s}@aggTrade`, `${s}@bookTicker`, `${s}@depth@100ms`, `${s}@markPrice@1s`, `${s}@forceOrder`];
    });
    return `${this.#options.wsUrl}/stream?streams=${streams.join('/')}`;
  }

  openingFrames(): string[] {
    return [];
  }

  watchedStreams(): string[] {
    // Trades and liquidations may be silent for minutes on a quiet market; these never are.
    return this.#options.symbols.flatMap((symbol) => {
      const s = symbol.toLowerCase();
      return [`${s}@bookTicker`, `${s}@depth@100ms`, `${s}@markPrice@1s`];
    });
  }

  onConnected(): void {
    // Nothing to do: the `pu` chain shows whether the new connection missed diffs.
  }

  close(): void {
    this.#depth.close();
  }

  onFrame(frame: string, receivedAt: number): string | undefined {
    const message = readObject(frame, this.#ctx);
    if (!message) return undefined;
    // Replies to SUBSCRIBE-style requests: `{"result": null, "id": 1}`.
    if ('id' in message && 'result' in message) return undefined;
    if ('error' in message) {
      this.#ctx.reject(frame, `venue error: ${JSON.stringify(message.error)}`);
      return undefined;
    }
    const { stream, data } = message;
    if (typeof stream !== 'string' || !isObject(data)) {
      this.#ctx.reject(frame, 'not a combined-stream message: {"stream": string, "data": object} expected');
      return undefined;
    }
    switch (data.e) {
      case 'aggTrade':
        this.#trade(data, frame, receivedAt);
        break;
      case 'bookTicker':
        this.#bookTicker(data, frame, receivedAt);
        break;
      case 'depthUpdate':
        this.#depthUpdate(stream, data, frame, receivedAt);
        break;
      case 'markPriceUpdate':
        this.#markPrice(data, frame, receivedAt);
        break;
      case 'forceOrder':
        this.#forceOrder(data, frame, receivedAt);
        break;
      default:
        this.#ctx.reject(frame, `unknown event type ${JSON.stringify(data.e)} on stream ${stream}`);
        return undefined;
    }
    return stream;
  }

  #fields<T extends string>(type: T, data: Record<string, unknown>, venueTime: unknown, receivedAt: number) {
    const symbol = typeof data.s === 'string' ? data.s : '';
    return marketFields(
      type,
      binance.id,
      binance.source,
      symbol,
      this.#ctx.venueTime(intOf(venueTime)),
      receivedAt,
    );
  }

  #trade(data: Record<string, unknown>, frame: string, receivedAt: number): void {
    const id = intOf(data.a);
    if (Number.isNaN(id)) {
      this.#ctx.reject(frame, 'aggTrade: a (aggregate trade id) must be a whole number', 'marketTrades');
      return;
    }
    if (!this.#ids.advance(`a:${String(data.s)}`, id)) {
      this.#ctx.duplicate();
      return;
    }
    this.#ctx.emit(
      {
        topic: 'marketTrades',
        event: {
          ...this.#fields('market.trade', data, data.T, receivedAt),
          trade_id: String(id),
          price: num(data.p),
          quantity: num(data.q),
          // `m`: the buyer was the maker, so the taker (aggressor) sold.
          side: (data.m === true ? 'sell' : data.m === false ? 'buy' : data.m) as MarketTrade['side'],
        },
      },
      frame,
    );
  }

  #bookTicker(data: Record<string, unknown>, frame: string, receivedAt: number): void {
    const u = intOf(data.u);
    if (!Number.isNaN(u) && !this.#ids.advance(`u:${String(data.s)}`, u)) {
      this.#ctx.duplicate();
      return;
    }
    this.#ctx.emit(
      {
        topic: 'marketBookL1',
        event: {
          ...this.#fields('market.book_l1', data, data.T, receivedAt),
          bid_price: num(data.b),
          bid_quantity: num(data.B),
          ask_price: num(data.a),
          ask_quantity: num(data.A),
          update_id: u,
        },
      },
      frame,
    );
  }

  #depthUpdate(stream: string, data: Record<string, unknown>, frame: string, receivedAt: number): void {
    const symbol = typeof data.s === 'string' ? data.s : '';
    const first = intOf(data.U);
    const final = intOf(data.u);
    const prevFinal = intOf(data.pu);
    const bids = parseLevels(data.b);
    const asks = parseLevels(data.a);
    const eventTime = intOf(data.T);
    if (!symbol || Number.isNaN(first + final + prevFinal + eventTime) || !bids || !asks) {
      const reason =
        'depthUpdate: s, U, u, pu, T and levels b, a ([price, quantity] decimal strings) are required';
      this.#ctx.reject(frame, reason, 'marketDepth');
      if (symbol) this.#depth.onUnreadableDiff(symbol, stream, reason, receivedAt);
      return;
    }
    this.#depth.onDiff({ symbol, stream, first, final, prevFinal, eventTime, bids, asks, frame, receivedAt });
  }

  #markPrice(data: Record<string, unknown>, frame: string, receivedAt: number): void {
    const eventTime = intOf(data.E);
    if (!Number.isNaN(eventTime) && !this.#ids.advance(`E:${String(data.s)}`, eventTime)) {
      this.#ctx.duplicate();
      return;
    }
    this.#ctx.emit(
      {
        topic: 'marketMark',
        event: {
          // `T` here is the next funding time; the event time is `E`.
          ...this.#fields('market.mark', data, data.E, receivedAt),
          mark_price: num(data.p),
          index_price: num(data.i),
          funding_rate: num(data.r),
          next_funding_at: intOf(data.T),
        },
      },
      frame,
    );
  }

  #forceOrder(data: Record<string, unknown>, frame: string, receivedAt: number): void {
    const order = isObject(data.o) ? data.o : {};
    const key = `${String(order.s)}:${String(order.T)}:${String(order.S)}:${String(order.q)}`;
    if (!this.#liquidations.firstTime(key)) {
      this.#ctx.duplicate();
      return;
    }
    const average = num(order.ap);
    const filled = num(order.z);
    this.#ctx.emit(
      {
        topic: 'marketLiquidations',
        event: {
          ...this.#fields('market.liquidation', order, order.T, receivedAt),
          side: (order.S === 'BUY'
            ? 'buy'
            : order.S === 'SELL'
              ? 'sell'
              : order.S) as MarketLiquidation['side'],
          // The average fill price and filled size when the order filled, else its limit and size.
          price: average > 0 ? average : num(order.p),
          quantity: filled > 0 ? filled : num(order.q),
        },
      },
      frame,
    );
  }
}
