import type { MarketLiquidation, MarketTrade } from '../../../lib/contracts/market.js';
import { messageOf } from '../../../lib/errors.js';
import type { VenueAdapter, VenueContext, VenueDefinition, VenueOptions } from '../venue.js';
import { isObject, MonotonicIds, marketFields, num, RecentKeys, readObject } from '../venue-kit.js';
import { OkxBook, parseOkxLevels } from './okx-book.js';

/**
 * OKX public WebSocket v5 (`/ws/v5/public`), USDT- and USDC-margined perpetual swaps. Our
 * symbol BTCUSDT is OKX's `BTC-USDT-SWAP`; its index is `BTC-USDT`.
 *   trades → market.trades                books → market.depth (checksum + seqId verified)
 *   tickers → market.book_l1              mark-price + index-tickers + funding-rate → market.mark
 *   open-interest → market.open_interest  liquidation-orders (instType SWAP) → market.liquidations
 * Subscriptions are `{"op":"subscribe","args":[{"channel","instId"}…]}`; OKX closes a
 * connection silent for 30 s, so we send the text `ping` every 20 s and it answers `pong`.
 *
 * Sizes on the wire are contracts; one contract is `ctVal` of the base asset (0.01 BTC for
 * BTC-USDT-SWAP), read once from `/api/v5/public/instruments`. Frames that arrive before that
 * reply are held (bounded) and read when it comes, so every quantity we publish is in the
 * base asset, comparable with Binance and Bybit.
 *
 * Book rules (OKX's own): a `snapshot` replaces the book; each `update` carries `prevSeqId`
 * equal to the previous message's `seqId` (a reset after maintenance makes `seqId` smaller,
 * still chained by `prevSeqId`; a message with `seqId` = `prevSeqId` says "no change"). After
 * every message the CRC32 of the top 25 levels must equal `checksum`. A broken chain
 * (`sequence_gap`) or a checksum mismatch (`checksum_mismatch`) raises `market.integrity`, discards the book and resubscribes the
 * channel, which makes OKX send a fresh snapshot; updates until then are not published.
 */

export const okx: VenueDefinition = {
  id: 'okx',
  source: 'okx-swap',
  defaultWsUrl: 'wss://ws.okx.com:8443/ws/v5/public',
  defaultRestUrl: 'https://www.okx.com',
  limits: {
    // The args of one request may not exceed 64 KB; 480 channels of ≤ 60 bytes stay well below.
    maxStreamsPerConnection: 480,
    // Connection requests: 3 per second per IP.
    connectionAttempts: { max: 3, windowMs: 1_000 },
    // No documented age limit on public connections; a daily handover keeps one code path.
    maxConnectionAgeMs: 24 * 3_600_000,
  },
  // Seven channels per symbol and one liquidation channel for all swaps.
  streamCount: (symbols) => symbols.length * 7 + 1,
  create: (options) => new OkxAdapter(options),
};

const SUBSCRIBE_ARGS_PER_REQUEST = 20;
const HEARTBEAT_MS = 20_000;
const INSTRUMENTS_RETRY_MS = 5_000;
/** Frames held while the contract sizes are not known yet; beyond it they are dead-lettered. */
const MAX_HELD_FRAMES = 20_000;
const QUOTES = /^([A-Z0-9]{1,24}?)(USDT|USDC)$/;

/** BTCUSDT → BTC-USDT-SWAP (undefined when the symbol has no USDT/USDC quote). */
export function okxInstId(symbol: string): string | undefined {
  const m = QUOTES.exec(symbol);
  return m ? `${m[1]}-${m[2]}-SWAP` : undefined;
}
/** BTC-USDT-SWAP → BTCUSDT. */
export const okxSymbol = (instId: string): string => instId.replace(/-SWAP$/, '').replaceAll('-', '');
/** BTC-USDT-SWAP → BTC-USDT, the index it is marked against. */
const indexOf = (instId: string): string => instId.replace(/-SWAP$/, '');

interface Arg {
  channel: string;
  instId?: string;
  instType?: string;
}

interface BookState {
  synced: boolean;
  afterBreak: boolean;
  lastSeq: number;
  book: OkxBook;
}

interface MarkState {
  markPrice?: number;
  fundingRate?: number;
  fundingTime?: number;
}

class OkxAdapter implements VenueAdapter {
  readonly #options: VenueOptions;
  readonly #ctx: VenueContext;
  readonly #instIds: string[];
  /** Base asset per contract, by instId; undefined until the instruments reply. */
  #contractValues: Map<string, number> | undefined;
  #held: Array<[string, number]> = [];
  #retry: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #books = new Map<string, BookState>();
  readonly #marks = new Map<string, MarkState>();
  readonly #indexes = new Map<string, number>();
  readonly #seen = new RecentKeys();
  readonly #sequences = new MonotonicIds();
  readonly heartbeat = { intervalMs: HEARTBEAT_MS, frame: () => 'ping' };

  constructor(options: VenueOptions) {
    this.#options = options;
    this.#ctx = options.ctx;
    this.#instIds = options.symbols.map((s) => okxInstId(s) ?? s);
    this.#loadInstruments();
  }

  url(): string {
    return this.#options.wsUrl;
  }

  openingFrames(): string[] {
    const args: Arg[] = this.#instIds.flatMap((instId) => [
      { channel: 'trades', instId },
      { channel: 'books', instId },
      { channel: 'tickers', instId },
      { channel: 'mark-price', instId },
      { channel: 'index-tickers', instId: indexOf(instId) },
      { channel: 'funding-rate', instId },
      { channel: 'open-interest', instId },
    ]);
    args.push({ channel: 'liquidation-orders', instType: 'SWAP' });
    const frames: string[] = [];
    for (let i = 0; i < args.length; i += SUBSCRIBE_ARGS_PER_REQUEST) {
      frames.push(JSON.stringify({ op: 'subscribe', args: args.slice(i, i + SUBSCRIBE_ARGS_PER_REQUEST) }));
    }
    return frames;
  }

  watchedStreams(): string[] {
    // Books tick (OKX sends a "no change" message when idle) and mark prices update every few seconds.
    return this.#instIds.flatMap((instId) => [`books:${instId}`, `mark-price:${instId}`]);
  }

  onConnected(): void {
    // Each new subscription starts with a snapshot, which resets the book.
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#retry);
  }

  onFrame(frame: string, receivedAt: number): string | undefined {
    if (frame === 'pong') return undefined;
    const message = readObject(frame, this.#ctx);
    if (!message) return undefined;
    if (typeof message.event === 'string') {
      // Replies to subscribe/unsubscribe; an error is a feed we will never get.
      if (message.event === 'error')
        this.#ctx.reject(frame, `venue refused a request: ${String(message.code)} ${String(message.msg)}`);
      return undefined;
    }
    const arg = isObject(message.arg) ? message.arg : undefined;
    if (!arg || typeof arg.channel !== 'string' || !Array.isArray(message.data)) {
      this.#ctx.reject(frame, 'not a push: {"arg": {"channel", …}, "data": [...]} expected');
      return undefined;
    }
    if (!this.#contractValues) {
      this.#hold(frame, receivedAt);
      return `${arg.channel}:${String(arg.instId ?? arg.instType)}`;
    }
    return this.#read(arg.channel, arg, message, frame, receivedAt);
  }

  #read(
    channel: string,
    arg: Record<string, unknown>,
    message: Record<string, unknown>,
    frame: string,
    receivedAt: number,
  ): string | undefined {
    const data = message.data as unknown[];
    const instId = typeof arg.instId === 'string' ? arg.instId : '';
    switch (channel) {
      case 'trades':
        for (const item of data) this.#trade(item, frame, receivedAt);
        break;
      case 'books':
        this.#orderbook(instId, message, frame, receivedAt);
        break;
      case 'tickers':
        for (const item of data) this.#ticker(item, frame, receivedAt);
        break;
      case 'mark-price':
      case 'index-tickers':
      case 'funding-rate':
        for (const item of data) this.#mark(channel, instId, item, frame, receivedAt);
        break;
      case 'open-interest':
        for (const item of data) this.#openInterest(item, frame, receivedAt);
        break;
      case 'liquidation-orders':
        for (const item of data) this.#liquidation(item, frame, receivedAt);
        return `${channel}:SWAP`;
      default:
        this.#ctx.reject(frame, `unknown channel ${JSON.stringify(channel)}`);
        return undefined;
    }
    return `${channel}:${instId}`;
  }

  #loadInstruments(): void {
    const url = `${this.#options.restUrl}/api/v5/public/instruments?instType=SWAP`;
    const retry = (reason: string) => {
      this.#ctx.log.warn({ url, reason }, 'okx instrument contract sizes not loaded; retrying');
      if (!this.#closed) this.#retry = setTimeout(() => this.#loadInstruments(), INSTRUMENTS_RETRY_MS);
    };
    this.#ctx.fetchJson(url).then(
      (body) => {
        const values = parseInstruments(body);
        if (typeof values === 'string') {
          this.#ctx.reject(JSON.stringify(body) ?? '', `instruments: ${values}`);
          retry(values);
          return;
        }
        this.#contractValues = values;
        const held = this.#held;
        this.#held = [];
        for (const [frame, receivedAt] of held) this.onFrame(frame, receivedAt);
      },
      (err: unknown) => retry(messageOf(err)),
    );
  }

  #hold(frame: string, receivedAt: number): void {
    if (this.#held.length < MAX_HELD_FRAMES) this.#held.push([frame, receivedAt]);
    else this.#ctx.reject(frame, 'instrument contract sizes not loaded yet and the holding queue is full');
  }

  /** Contracts → base asset; NaN (refused by the contract) for an instrument OKX did not list. */
  #base(instId: unknown, contracts: unknown): number {
    const value = typeof instId === 'string' ? this.#contractValues?.get(instId) : undefined;
    return value === undefined ? Number.NaN : num(contracts) * value;
  }

  #fields<T extends string>(type: T, instId: unknown, venueTime: unknown, receivedAt: number) {
    const symbol = typeof instId === 'string' ? okxSymbol(instId) : '';
    return marketFields(type, okx.id, okx.source, symbol, this.#ctx.venueTime(num(venueTime)), receivedAt);
  }

  #trade(item: unknown, frame: string, receivedAt: number): void {
    const t = isObject(item) ? item : {};
    if (!this.#seen.firstTime(`trade:${String(t.instId)}:${String(t.tradeId)}`)) {
      this.#ctx.duplicate();
      return;
    }
    this.#ctx.emit(
      {
        topic: 'marketTrades',
        event: {
          ...this.#fields('market.trade', t.instId, t.ts, receivedAt),
          trade_id: typeof t.tradeId === 'string' ? t.tradeId : '',
          // `side` is the taker's side.
          side: t.side as MarketTrade['side'],
          price: num(t.px),
          quantity: this.#base(t.instId, t.sz),
        },
      },
      frame,
    );
  }

  #orderbook(instId: string, message: Record<string, unknown>, frame: string, receivedAt: number): void {
    const data = isObject((message.data as unknown[])[0])
      ? ((message.data as unknown[])[0] as Record<string, unknown>)
      : {};
    const seq = typeof data.seqId === 'number' ? data.seqId : Number.NaN;
    const prev = typeof data.prevSeqId === 'number' ? data.prevSeqId : Number.NaN;
    const checksum = typeof data.checksum === 'number' ? data.checksum : Number.NaN;
    const bids = parseOkxLevels(data.bids);
    const asks = parseOkxLevels(data.asks);
    const state = this.#book(instId);
    const action = message.action;
    if (
      Number.isNaN(seq + prev + checksum + num(data.ts)) ||
      !bids ||
      !asks ||
      (action !== 'snapshot' && action !== 'update')
    ) {
      this.#ctx.reject(
        frame,
        'books: action, data[0].ts, seqId, prevSeqId, checksum, bids and asks are required',
        'marketDepth',
      );
      // An unreadable message breaks the chain as surely as a missing one.
      if (state.synced)
        this.#break(instId, state, {
          kind: 'sequence_gap',
          expected: 'a readable update',
          got: 'an unreadable frame',
          receivedAt,
        });
      return;
    }
    if (action === 'snapshot') {
      state.book.clear();
      if (state.afterBreak) this.#ctx.resynced(okxSymbol(instId));
      state.afterBreak = false;
      state.synced = true;
    } else {
      if (!state.synced) return; // Waiting for the snapshot a resubscription brings.
      if (!this.#seen.firstTime(`book:${instId}:${prev}:${seq}`)) {
        this.#ctx.duplicate();
        return;
      }
      if (prev !== state.lastSeq) {
        this.#break(instId, state, {
          kind: 'sequence_gap',
          expected: `prevSeqId=${state.lastSeq}`,
          got: `prevSeqId=${prev} (seqId=${seq})`,
          receivedAt,
        });
        return;
      }
    }
    state.book.apply(bids, asks);
    const ours = state.book.checksum();
    if (ours !== checksum) {
      // The chain was intact but the book is not what the venue has: its own kind, not a gap.
      this.#break(instId, state, {
        kind: 'checksum_mismatch',
        expected: `checksum=${checksum}`,
        got: `checksum=${ours} at seqId=${seq}`,
        receivedAt,
      });
      return;
    }
    const chainedFrom = action === 'snapshot' ? seq : state.lastSeq;
    state.lastSeq = seq;
    // "No change" messages only prove the chain is alive: nothing to publish.
    if (action === 'update' && bids.length === 0 && asks.length === 0) return;
    const sizes = (levels: typeof bids) => levels.map((l) => this.#base(instId, l.sz));
    const published = this.#ctx.emit(
      {
        topic: 'marketDepth',
        event: {
          ...this.#fields('market.depth', instId, data.ts, receivedAt),
          kind: action === 'snapshot' ? 'snapshot' : 'diff',
          first_update_id: seq,
          final_update_id: seq,
          prev_update_id: chainedFrom,
          bid_prices: bids.map((l) => l.price),
          bid_quantities: sizes(bids),
          ask_prices: asks.map((l) => l.price),
          ask_quantities: sizes(asks),
          best_bid_price: state.book.bestBid?.price ?? 0,
          best_ask_price: state.book.bestAsk?.price ?? 0,
        },
      },
      frame,
    );
    // Downstream would miss this change: start a new chain with a fresh snapshot.
    if (!published) this.#resubscribe(instId, state);
  }

  #break(
    instId: string,
    state: BookState,
    found: { kind: 'sequence_gap' | 'checksum_mismatch'; expected: string; got: string; receivedAt: number },
  ): void {
    this.#ctx.integrity(
      {
        symbol: okxSymbol(instId),
        kind: found.kind,
        stream: `books:${instId}`,
        expected: found.expected,
        got: found.got,
        detail:
          found.kind === 'sequence_gap'
            ? 'books message does not continue the seqId chain (missing or unreadable); discarded and resubscribed for a fresh snapshot'
            : 'book after this message does not match the venue checksum; discarded and resubscribed for a fresh snapshot',
      },
      found.receivedAt,
    );
    this.#resubscribe(instId, state);
  }

  #resubscribe(instId: string, state: BookState): void {
    state.synced = false;
    state.afterBreak = true;
    state.book.clear();
    const args = [{ channel: 'books', instId }];
    this.#ctx.send(JSON.stringify({ op: 'unsubscribe', args }));
    this.#ctx.send(JSON.stringify({ op: 'subscribe', args }));
  }

  #book(instId: string): BookState {
    let state = this.#books.get(instId);
    if (!state) {
      state = { synced: false, afterBreak: false, lastSeq: 0, book: new OkxBook() };
      this.#books.set(instId, state);
    }
    return state;
  }

  /** OKX tickers carry no update id; their timestamp, which only rises per instrument, orders them. */
  #ticker(item: unknown, frame: string, receivedAt: number): void {
    const t = isObject(item) ? item : {};
    const ts = num(t.ts);
    if (!Number.isNaN(ts) && !this.#sequences.advance(`tickers:${String(t.instId)}`, ts)) {
      this.#ctx.duplicate();
      return;
    }
    this.#ctx.emit(
      {
        topic: 'marketBookL1',
        event: {
          ...this.#fields('market.book_l1', t.instId, t.ts, receivedAt),
          bid_price: num(t.bidPx),
          bid_quantity: this.#base(t.instId, t.bidSz),
          ask_price: num(t.askPx),
          ask_quantity: this.#base(t.instId, t.askSz),
          update_id: ts,
        },
      },
      frame,
    );
  }

  /** Mark, index and funding come on three channels: merged per swap, published on each mark or funding change. */
  #mark(channel: string, argInstId: string, item: unknown, frame: string, receivedAt: number): void {
    const d = isObject(item) ? item : {};
    if (channel === 'index-tickers') {
      // Kept by index (BTC-USDT), which the swaps marked against it read; published with the next mark.
      this.#indexes.set(typeof d.instId === 'string' ? d.instId : argInstId, num(d.idxPx));
      return;
    }
    const instId = typeof d.instId === 'string' ? d.instId : argInstId;
    if (!this.#sequences.advance(`${channel}:${instId}`, num(d.ts))) {
      this.#ctx.duplicate();
      return;
    }
    const state = this.#markState(instId);
    if (channel === 'mark-price') state.markPrice = num(d.markPx);
    else {
      state.fundingRate = num(d.fundingRate);
      // `fundingTime` is the next settlement; `nextFundingTime` the one after it.
      state.fundingTime = num(d.fundingTime);
    }
    const indexPrice = this.#indexes.get(indexOf(instId));
    if (state.markPrice === undefined || indexPrice === undefined || state.fundingRate === undefined) return;
    this.#ctx.emit(
      {
        topic: 'marketMark',
        event: {
          ...this.#fields('market.mark', instId, d.ts, receivedAt),
          mark_price: state.markPrice,
          index_price: indexPrice,
          funding_rate: state.fundingRate,
          next_funding_at: state.fundingTime ?? Number.NaN,
        },
      },
      frame,
    );
  }

  #markState(instId: string): MarkState {
    let state = this.#marks.get(instId);
    if (!state) {
      state = {};
      this.#marks.set(instId, state);
    }
    return state;
  }

  #openInterest(item: unknown, frame: string, receivedAt: number): void {
    const d = isObject(item) ? item : {};
    if (!this.#sequences.advance(`open-interest:${String(d.instId)}`, num(d.ts))) {
      this.#ctx.duplicate();
      return;
    }
    this.#ctx.emit(
      {
        topic: 'marketOpenInterest',
        event: {
          ...this.#fields('market.open_interest', d.instId, d.ts, receivedAt),
          // `oiCcy` is the base-asset amount; `oi` the same in contracts.
          open_interest: d.oiCcy === undefined ? this.#base(d.instId, d.oi) : num(d.oiCcy),
          ...(d.oiUsd === undefined || d.oiUsd === '' ? {} : { open_interest_value: num(d.oiUsd) }),
          via: 'stream',
        },
      },
      frame,
    );
  }

  /** OKX pushes liquidations of every swap on one channel: only our instruments are kept. */
  #liquidation(item: unknown, frame: string, receivedAt: number): void {
    const l = isObject(item) ? item : {};
    const instId = typeof l.instId === 'string' ? l.instId : '';
    if (!this.#wanted(instId)) return;
    if (!Array.isArray(l.details)) {
      this.#ctx.reject(frame, 'liquidation-orders: data[].details must be an array', 'marketLiquidations');
      return;
    }
    for (const detail of l.details as unknown[]) {
      const d = isObject(detail) ? detail : {};
      if (
        !this.#seen.firstTime(
          `liq:${instId}:${String(d.ts)}:${String(d.side)}:${String(d.sz)}:${String(d.bkPx)}`,
        )
      ) {
        this.#ctx.duplicate();
        continue;
      }
      this.#ctx.emit(
        {
          topic: 'marketLiquidations',
          event: {
            ...this.#fields('market.liquidation', instId, d.ts, receivedAt),
            // `side` is the liquidation order's: `sell` closes a long.
            side: d.side as MarketLiquidation['side'],
            price: num(d.bkPx),
            quantity: this.#base(instId, d.sz),
          },
        },
        frame,
      );
    }
  }

  /** Live: the configured swaps. Replay (no symbol list): every USDT/USDC swap OKX listed. */
  #wanted(instId: string): boolean {
    if (this.#instIds.length > 0) return this.#instIds.includes(instId);
    return this.#contractValues?.has(instId) === true && okxInstId(okxSymbol(instId)) === instId;
  }
}

/** `{code:"0", data:[{instId, ctVal, ctType}…]}` → base asset per contract of each linear swap. */
function parseInstruments(body: unknown): Map<string, number> | string {
  if (!isObject(body) || body.code !== '0' || !Array.isArray(body.data))
    return `expected {"code":"0","data":[…]}, got ${JSON.stringify(body)?.slice(0, 200)}`;
  const values = new Map<string, number>();
  for (const item of body.data as unknown[]) {
    if (!isObject(item) || typeof item.instId !== 'string') continue;
    const ctVal = num(item.ctVal);
    // Inverse swaps count contracts in USD, not in the base asset: not ours.
    if (item.ctType === 'linear' && ctVal > 0) values.set(item.instId, ctVal);
  }
  return values;
}
