import { crc32 } from 'node:zlib';
import { okxInstId } from './venues/okx.js';
import { MarketScript } from './wire-script.js';

/**
 * OKX v5 public frames for one USDT swap, for the loopback venue, the shipped sample and the
 * benchmark. The script keeps the venue's side of the book (price string → size string) and
 * computes each message's checksum from it the way OKX documents it, independently of the
 * connector's incremental book: sort the whole book, take 25 levels a side, interleave.
 */
export class OkxScript extends MarketScript {
  readonly instId: string;
  readonly #bids = new Map<string, string>();
  readonly #asks = new Map<string, string>();
  #seq = 1_200_000_000;
  #trade = 480_000_000;

  constructor(
    symbol = 'BTCUSDT',
    start = Date.UTC(2024, 5, 10, 12),
    seed = 3,
    mid = 67_005,
    /** Base asset per contract (OKX `ctVal`): 0.01 BTC for BTC-USDT-SWAP. */
    readonly contractValue = 0.01,
  ) {
    super(symbol, start, seed, mid);
    this.instId = okxInstId(symbol) ?? symbol;
  }

  get lastSeq(): number {
    return this.#seq;
  }

  #push(channel: string, data: unknown[], extra: Record<string, unknown> = {}, instId = this.instId): string {
    return JSON.stringify({ arg: { channel, instId }, ...extra, data });
  }

  /** OKX's documented checksum of the venue's book as it stands. */
  checksum(): number {
    const bids = [...this.#bids].sort((a, b) => Number(b[0]) - Number(a[0]));
    const asks = [...this.#asks].sort((a, b) => Number(a[0]) - Number(b[0]));
    const parts: string[] = [];
    for (let i = 0; i < 25; i++) {
      if (bids[i]) parts.push(...(bids[i] as [string, string]));
      if (asks[i]) parts.push(...(asks[i] as [string, string]));
    }
    return crc32(parts.join(':')) | 0;
  }

  #levels(side: 'bid' | 'ask', count: number, removeSome: boolean): string[][] {
    const book = side === 'bid' ? this.#bids : this.#asks;
    return this.levels(side, count, removeSome).map(([p, s]) => {
      // A removal is only sent for a level the venue's book has.
      const size = Number(s) === 0 && !book.has(p) ? '1.000' : s;
      if (Number(size) === 0) book.delete(p);
      else book.set(p, size);
      return [p, size, '0', String(1 + Math.floor(this.random() * 9))];
    });
  }

  #books(
    action: 'snapshot' | 'update',
    bids: string[][],
    asks: string[][],
    prevSeqId: number,
    corrupt: boolean,
  ) {
    const checksum = this.checksum() + (corrupt ? 1 : 0);
    const data = [{ asks, bids, ts: String(this.now), checksum, prevSeqId, seqId: this.#seq }];
    return this.#push('books', data, { action });
  }

  booksSnapshot(levels = 50): string {
    this.#bids.clear();
    this.#asks.clear();
    this.#seq += 1;
    return this.#books(
      'snapshot',
      this.#levels('bid', levels, false),
      this.#levels('ask', levels, false),
      -1,
      false,
    );
  }

  /** The next update of the seqId chain; `corrupt` sends a wrong checksum. */
  booksUpdate(corrupt = false): string {
    const prev = this.#seq;
    this.#seq += 1 + Math.floor(this.random() * 5);
    return this.#books('update', this.#levels('bid', 2, true), this.#levels('ask', 2, true), prev, corrupt);
  }

  /** What OKX sends when the book did not change: empty sides, seqId = prevSeqId. */
  booksNoChange(): string {
    return this.#books('update', [], [], this.#seq, false);
  }

  /** Loses `updates` updates on purpose: the next one's prevSeqId no longer chains. */
  skipUpdates(updates = 1): this {
    for (let i = 0; i < updates; i++) this.#seq += 1 + Math.floor(this.random() * 5);
    return this;
  }

  #contracts(): string {
    return String(1 + Math.floor(this.random() * 400));
  }

  trades(count = 1 + Math.floor(this.random() * 3)): string {
    const data = Array.from({ length: count }, () => {
      this.#trade += 1;
      return {
        instId: this.instId,
        tradeId: String(this.#trade),
        px: this.mid.toFixed(1),
        sz: this.#contracts(),
        side: this.random() < 0.5 ? 'buy' : 'sell',
        ts: String(this.now),
        count: '1',
      };
    });
    return this.#push('trades', data);
  }

  tickers(): string {
    const bid = Math.floor(this.mid * 10) / 10;
    const data = {
      instType: 'SWAP',
      instId: this.instId,
      last: this.mid.toFixed(1),
      lastSz: this.#contracts(),
      askPx: (bid + 0.1).toFixed(1),
      askSz: this.#contracts(),
      bidPx: bid.toFixed(1),
      bidSz: this.#contracts(),
      open24h: (this.mid * 0.99).toFixed(1),
      high24h: (this.mid * 1.02).toFixed(1),
      low24h: (this.mid * 0.97).toFixed(1),
      volCcy24h: '81234.56',
      vol24h: '8123456',
      sodUtc0: (this.mid * 0.995).toFixed(1),
      sodUtc8: (this.mid * 0.996).toFixed(1),
      ts: String(this.now),
    };
    return this.#push('tickers', [data]);
  }

  markPrice(): string {
    return this.#push('mark-price', [
      { instType: 'SWAP', instId: this.instId, markPx: (this.mid * 1.0001).toFixed(1), ts: String(this.now) },
    ]);
  }

  indexTickers(): string {
    const index = this.instId.replace(/-SWAP$/, '');
    const idxPx = (this.mid * 0.9999).toFixed(1);
    const data = {
      instId: index,
      idxPx,
      high24h: idxPx,
      low24h: idxPx,
      open24h: idxPx,
      sodUtc0: idxPx,
      sodUtc8: idxPx,
      ts: String(this.now),
    };
    return this.#push('index-tickers', [data], {}, index);
  }

  fundingRate(rate = '0.000125'): string {
    const next = Math.ceil((this.now + 1) / 28_800_000) * 28_800_000;
    const data = {
      instType: 'SWAP',
      instId: this.instId,
      method: 'current_period',
      fundingRate: rate,
      fundingTime: String(next),
      nextFundingTime: String(next + 28_800_000),
      nextFundingRate: '',
      minFundingRate: '-0.0075',
      maxFundingRate: '0.0075',
      settState: 'settled',
      settFundingRate: '0.0001',
      premium: '0.0001',
      impactValue: '20000',
      interestRate: '0.0001',
      sett: '',
      ts: String(this.now),
    };
    return this.#push('funding-rate', [data]);
  }

  openInterest(): string {
    const oi = 2_500_000 + Math.floor(this.random() * 10_000);
    const data = {
      instType: 'SWAP',
      instId: this.instId,
      oi: String(oi),
      oiCcy: (oi * this.contractValue).toFixed(2),
      oiUsd: (oi * this.contractValue * this.mid).toFixed(2),
      ts: String(this.now),
    };
    return this.#push('open-interest', [data]);
  }

  liquidation(): string {
    const side = this.random() < 0.5 ? 'buy' : 'sell';
    const detail = {
      bkLoss: '0',
      bkPx: this.mid.toFixed(1),
      ccy: '',
      posSide: side === 'buy' ? 'short' : 'long',
      side,
      sz: this.#contracts(),
      ts: String(this.now),
    };
    const uly = this.instId.replace(/-SWAP$/, '');
    const data = [{ details: [detail], instFamily: uly, instId: this.instId, instType: 'SWAP', uly }];
    return JSON.stringify({ arg: { channel: 'liquidation-orders', instType: 'SWAP' }, data });
  }
}

/** OKX's reply to a subscribe or unsubscribe of one channel. */
export function okxReply(op: string, arg: Record<string, string>): string {
  return JSON.stringify({ event: op, arg, connId: 'a4d3ae55' });
}

/** `/api/v5/public/instruments?instType=SWAP` for these swaps, plus an inverse one we must ignore. */
export function okxInstruments(scripts: readonly OkxScript[]): string {
  const swap = (instId: string, ctVal: string, ctType: string) => ({
    instType: 'SWAP',
    instId,
    uly: instId.replace(/-SWAP$/, ''),
    instFamily: instId.replace(/-SWAP$/, ''),
    settleCcy: instId.split('-')[1],
    ctVal,
    ctMult: '1',
    ctValCcy: instId.split('-')[0],
    ctType,
    lotSz: '0.01',
    tickSz: '0.1',
    minSz: '0.01',
    state: 'live',
  });
  const data = [
    ...scripts.map((s) => swap(s.instId, String(s.contractValue), 'linear')),
    swap('BTC-USD-SWAP', '100', 'inverse'),
  ];
  return JSON.stringify({ code: '0', msg: '', data });
}
