/**
 * Venue frames in the exact wire format the venues document, for the loopback test servers,
 * the shipped samples and the benchmark. A script per venue keeps one symbol's market
 * consistent: prices walk, ids rise, book update ids chain, and a gap can be made on purpose.
 */
import { mulberry32 } from '../../lib/random.js';

/** The seeded PRNG the scripts draw from (lib/random.ts): the same seed gives the same market. */
export const prng = mulberry32;

const px = (n: number) => n.toFixed(1);
const qty = (n: number) => n.toFixed(3);
type Level = [string, string];

export abstract class MarketScript {
  protected readonly random: () => number;
  protected mid: number;
  /** Venue clock, ms: advanced by the caller through `tick`. */
  now: number;

  constructor(
    readonly symbol: string,
    start: number,
    seed: number,
    mid: number,
  ) {
    this.random = prng(seed);
    this.mid = mid;
    this.now = start;
  }

  tick(ms: number): this {
    this.now += ms;
    this.mid = Math.max(1, this.mid + (this.random() - 0.5) * this.mid * 0.0004);
    return this;
  }

  protected size(): number {
    return 0.001 + Math.round(this.random() * 5000) / 1000;
  }

  /** Distinct price levels, best first (bids descending, asks ascending), as venues send them. */
  protected levels(side: 'bid' | 'ask', count: number, removeSome: boolean): Level[] {
    const ticks = new Set<number>();
    const span = Math.max(40, count * 2);
    while (ticks.size < count) ticks.add(1 + Math.floor(this.random() * span));
    const touch = side === 'bid' ? Math.floor(this.mid * 10) / 10 : Math.ceil(this.mid * 10) / 10;
    return [...ticks]
      .sort((a, b) => a - b)
      .map((tick): Level => {
        const price = side === 'bid' ? touch - tick * 0.1 : touch + tick * 0.1;
        return [px(price), removeSome && this.random() < 0.2 ? '0.000' : qty(this.size())];
      });
  }
}

/** Binance USDⓈ-M combined-stream frames and REST bodies for one symbol. */
export class BinanceScript extends MarketScript {
  #aggId = 5_000_000;
  #tradeId = 90_000_000;
  #bookId = 400_000_000;
  #depthId = 7_000_000_000;

  constructor(symbol = 'BTCUSDT', start = Date.UTC(2024, 5, 10, 12), seed = 1, mid = 67_000) {
    super(symbol, start, seed, mid);
  }

  get lastDepthId(): number {
    return this.#depthId;
  }

  #wrap(stream: string, data: Record<string, unknown>): string {
    return JSON.stringify({ stream: `${this.symbol.toLowerCase()}@${stream}`, data });
  }

  aggTrade(overrides: Record<string, unknown> = {}): string {
    const count = 1 + Math.floor(this.random() * 3);
    this.#aggId += 1;
    const first = this.#tradeId + 1;
    this.#tradeId += count;
    const data = {
      e: 'aggTrade',
      E: this.now + 1,
      s: this.symbol,
      a: this.#aggId,
      p: px(this.mid),
      q: qty(this.size()),
      f: first,
      l: this.#tradeId,
      T: this.now,
      m: this.random() < 0.5,
      ...overrides,
    };
    return this.#wrap('aggTrade', data);
  }

  bookTicker(): string {
    this.#bookId += 1 + Math.floor(this.random() * 10);
    return this.#wrap('bookTicker', {
      e: 'bookTicker',
      u: this.#bookId,
      s: this.symbol,
      b: px(Math.floor(this.mid * 10) / 10),
      B: qty(this.size()),
      a: px(Math.floor(this.mid * 10) / 10 + 0.1),
      A: qty(this.size()),
      T: this.now,
      E: this.now + 2,
    });
  }

  /** The next diff of the `pu` chain. */
  depth(): string {
    const pu = this.#depthId;
    const first = pu + 1;
    this.#depthId += 1 + Math.floor(this.random() * 20);
    return this.#wrap('depth@100ms', {
      e: 'depthUpdate',
      E: this.now + 3,
      T: this.now + 1,
      s: this.symbol,
      U: first,
      u: this.#depthId,
      pu,
      b: this.levels('bid', 3, true),
      a: this.levels('ask', 3, true),
    });
  }

  /** Loses `diffs` diffs on purpose: the next `depth()` no longer continues the chain. */
  skipDepth(diffs = 1): this {
    for (let i = 0; i < diffs; i++) this.#depthId += 1 + Math.floor(this.random() * 20);
    return this;
  }

  /** A `GET /fapi/v1/depth` body at the current update id. */
  depthSnapshot(levels = 20): string {
    return JSON.stringify({
      lastUpdateId: this.#depthId,
      E: this.now + 5,
      T: this.now + 4,
      bids: this.levels('bid', levels, false),
      asks: this.levels('ask', levels, false),
    });
  }

  markPrice(): string {
    const nextFunding = Math.ceil(this.now / 28_800_000) * 28_800_000;
    return this.#wrap('markPrice@1s', {
      e: 'markPriceUpdate',
      E: this.now,
      s: this.symbol,
      p: (this.mid * 1.0001).toFixed(8),
      i: (this.mid * 0.9999).toFixed(8),
      P: (this.mid * 1.0002).toFixed(8),
      r: ((this.random() - 0.4) * 0.0005).toFixed(8),
      T: nextFunding,
    });
  }

  forceOrder(): string {
    const side = this.random() < 0.5 ? 'SELL' : 'BUY';
    const q = qty(this.size());
    const price = px(side === 'SELL' ? this.mid * 0.998 : this.mid * 1.002);
    return this.#wrap('forceOrder', {
      e: 'forceOrder',
      E: this.now + 1,
      o: {
        s: this.symbol,
        S: side,
        o: 'LIMIT',
        f: 'IOC',
        q,
        p: price,
        ap: price,
        X: 'FILLED',
        l: q,
        z: q,
        T: this.now,
      },
    });
  }
}

/** Bybit v5 public linear frames for one symbol. */
export class BybitScript extends MarketScript {
  #update = 13_000_000;
  #seq = 22_500_000_000;
  #cs = 24_987_000_000;
  #trade = 0;

  constructor(symbol = 'BTCUSDT', start = Date.UTC(2024, 5, 10, 12), seed = 2, mid = 67_010) {
    super(symbol, start, seed, mid);
  }

  get lastUpdate(): number {
    return this.#update;
  }

  publicTrade(count = 1 + Math.floor(this.random() * 3)): string {
    const data = Array.from({ length: count }, () => {
      this.#trade += 1;
      const n = this.#trade.toString(16).padStart(12, '0');
      return {
        T: this.now,
        s: this.symbol,
        S: this.random() < 0.5 ? 'Buy' : 'Sell',
        v: qty(this.size()),
        p: px(this.mid),
        L: this.random() < 0.5 ? 'PlusTick' : 'ZeroMinusTick',
        i: `8f3b2c1a-5d4e-5f60-9a7b-${n}`,
        BT: false,
      };
    });
    return JSON.stringify({ topic: `publicTrade.${this.symbol}`, type: 'snapshot', ts: this.now + 1, data });
  }

  #book(type: 'snapshot' | 'delta', b: Level[], a: Level[]): string {
    this.#seq += 1 + Math.floor(this.random() * 50);
    return JSON.stringify({
      topic: `orderbook.50.${this.symbol}`,
      type,
      ts: this.now + 2,
      data: { s: this.symbol, b, a, u: this.#update, seq: this.#seq },
      cts: this.now,
    });
  }

  orderbookSnapshot(levels = 50): string {
    this.#update += 1;
    return this.#book('snapshot', this.levels('bid', levels, false), this.levels('ask', levels, false));
  }

  orderbookDelta(): string {
    this.#update += 1;
    return this.#book('delta', this.levels('bid', 2, true), this.levels('ask', 2, true));
  }

  /** Loses `deltas` deltas on purpose. */
  skipDelta(deltas = 1): this {
    this.#update += deltas;
    return this;
  }

  tickers(type: 'snapshot' | 'delta'): string {
    this.#cs += 1 + Math.floor(this.random() * 100);
    const mark = (this.mid * 1.0001).toFixed(2);
    const data =
      type === 'snapshot'
        ? {
            symbol: this.symbol,
            tickDirection: 'PlusTick',
            price24hPcnt: '0.017103',
            lastPrice: px(this.mid),
            prevPrice24h: px(this.mid * 0.98),
            highPrice24h: px(this.mid * 1.02),
            lowPrice24h: px(this.mid * 0.97),
            prevPrice1h: px(this.mid),
            markPrice: mark,
            indexPrice: (this.mid * 0.9999).toFixed(2),
            openInterest: '68744.761',
            openInterestValue: '1183601235.91',
            turnover24h: '1570383121.9439',
            volume24h: '91705.2760',
            nextFundingTime: String(Math.ceil(this.now / 28_800_000) * 28_800_000),
            fundingRate: '-0.000212',
            bid1Price: px(this.mid - 0.1),
            bid1Size: '84.489',
            ask1Price: px(this.mid),
            ask1Size: '83.020',
          }
        : {
            symbol: this.symbol,
            markPrice: mark,
            indexPrice: (this.mid * 0.9999).toFixed(2),
            lastPrice: px(this.mid),
          };
    return JSON.stringify({ topic: `tickers.${this.symbol}`, type, data, cs: this.#cs, ts: this.now + 1 });
  }

  allLiquidation(): string {
    return JSON.stringify({
      topic: `allLiquidation.${this.symbol}`,
      type: 'snapshot',
      ts: this.now + 5,
      data: [
        {
          T: this.now,
          s: this.symbol,
          S: this.random() < 0.5 ? 'Buy' : 'Sell',
          v: qty(this.size()),
          p: px(this.mid),
        },
      ],
    });
  }
}

/** Bybit's reply to a subscribe/unsubscribe/ping request. */
export function bybitReply(request: { op: string; req_id?: string }, success = true, retMsg = ''): string {
  return JSON.stringify({
    success,
    ret_msg: request.op === 'ping' ? 'pong' : retMsg,
    conn_id: 'cmtbfa9pcm3aqc7pslfg-4cth',
    req_id: request.req_id ?? '',
    op: request.op,
  });
}
