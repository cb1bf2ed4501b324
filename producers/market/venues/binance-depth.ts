import { messageOf } from '../../../lib/errors.js';
import { OrderBook } from '../order-book.js';
import type { VenueContext } from '../venue.js';
import { intOf, isObject, marketFields, parseLevels } from '../venue-kit.js';

/**
 * Binance USDⓈ-M order-book sync, per symbol, by the venue's documented rules:
 *  1. buffer `depthUpdate` diffs; 2. fetch a REST snapshot (`lastUpdateId`);
 *  3. drop buffered diffs with `u` < lastUpdateId; 4. the first applied diff must span it
 *     (`U` <= lastUpdateId <= `u`); 5. every later diff's `pu` must equal the previous `u`.
 * A break raises `market.integrity` (expected vs got), discards the book and starts again at 2.
 * Only diffs applied to an in-sync book are published, each after a `snapshot` event, so a
 * book rebuilt downstream is never built across a gap.
 */

export interface DepthDiff {
  symbol: string;
  stream: string;
  first: number;
  final: number;
  prevFinal: number;
  eventTime: number;
  bids: { prices: number[]; sizes: number[] };
  asks: { prices: number[]; sizes: number[] };
  frame: string;
  receivedAt: number;
}

/** Diffs kept while a snapshot is on its way: ~100 s of 100 ms diffs; older ones are useless. */
const MAX_BUFFERED_DIFFS = 1000;
const RETRY_BASE_MS = 250;
const RETRY_MAX_MS = 30_000;

interface SymbolState {
  phase: 'idle' | 'buffering' | 'synced';
  buffer: DepthDiff[];
  snapshot:
    | { lastUpdateId: number; bids: DepthDiff['bids']; asks: DepthDiff['asks']; time: number }
    | undefined;
  fetching: boolean;
  failures: number;
  retry: NodeJS.Timeout | undefined;
  lastFinal: number;
  /** Whether a sync follows a break (counted as a resync) or is the first one. */
  afterBreak: boolean;
  book: OrderBook;
}

export class BinanceDepthSync {
  readonly #states = new Map<string, SymbolState>();
  readonly #ctx: VenueContext;
  readonly #snapshotUrl: (symbol: string) => string;
  readonly #venue: string;
  readonly #source: string;
  #closed = false;

  constructor(options: {
    ctx: VenueContext;
    venue: string;
    source: string;
    snapshotUrl: (symbol: string) => string;
  }) {
    this.#ctx = options.ctx;
    this.#venue = options.venue;
    this.#source = options.source;
    this.#snapshotUrl = options.snapshotUrl;
  }

  /** A diff arrived (already parsed). */
  onDiff(diff: DepthDiff): void {
    const state = this.#state(diff.symbol);
    if (state.phase === 'synced') {
      if (diff.final <= state.lastFinal) {
        this.#ctx.duplicate();
        return;
      }
      if (diff.prevFinal !== state.lastFinal) {
        this.#break(
          state,
          diff,
          `pu=${state.lastFinal}`,
          `pu=${diff.prevFinal} (U=${diff.first}, u=${diff.final})`,
        );
        return;
      }
      this.#applyAndPublish(state, diff);
      return;
    }
    state.buffer.push(diff);
    if (state.buffer.length > MAX_BUFFERED_DIFFS) state.buffer.shift();
    if (state.phase === 'idle') state.phase = 'buffering';
    if (state.snapshot) this.#trySync(diff.symbol, state);
    else if (!state.fetching && state.retry === undefined) this.#fetchSnapshot(diff.symbol, state);
  }

  /** A diff for `symbol` could not be read: the chain is broken as surely as by a gap. */
  onUnreadableDiff(symbol: string, stream: string, reason: string, receivedAt: number): void {
    const state = this.#state(symbol);
    if (state.phase !== 'synced') return;
    this.#ctx.integrity(
      {
        symbol,
        kind: 'sequence_gap',
        stream,
        expected: `a readable diff after u=${state.lastFinal}`,
        got: reason.slice(0, 256),
        detail: 'unreadable depth diff; book discarded and resynchronised from a fresh snapshot',
      },
      receivedAt,
    );
    this.#restart(state);
  }

  close(): void {
    this.#closed = true;
    for (const state of this.#states.values()) clearTimeout(state.retry);
  }

  #state(symbol: string): SymbolState {
    let state = this.#states.get(symbol);
    if (!state) {
      state = {
        phase: 'idle',
        buffer: [],
        snapshot: undefined,
        fetching: false,
        failures: 0,
        retry: undefined,
        lastFinal: -1,
        afterBreak: false,
        book: new OrderBook(),
      };
      this.#states.set(symbol, state);
    }
    return state;
  }

  #break(state: SymbolState, diff: DepthDiff, expected: string, got: string): void {
    this.#ctx.integrity(
      {
        symbol: diff.symbol,
        kind: 'sequence_gap',
        stream: diff.stream,
        expected,
        got,
        detail:
          'depth diff does not continue the book; discarded and resynchronising from a fresh REST snapshot',
      },
      diff.receivedAt,
    );
    this.#restart(state);
    // The breaking diff is the first of the new chain: keep it for the next snapshot.
    this.onDiff(diff);
  }

  #restart(state: SymbolState): void {
    state.phase = 'idle';
    state.buffer = [];
    state.snapshot = undefined;
    state.afterBreak = true;
    state.book.clear();
    state.lastFinal = -1;
  }

  #fetchSnapshot(symbol: string, state: SymbolState): void {
    if (this.#closed) return;
    state.fetching = true;
    this.#ctx.fetchJson(this.#snapshotUrl(symbol)).then(
      (body) => {
        state.fetching = false;
        const snapshot = parseSnapshot(body);
        if (typeof snapshot === 'string') {
          this.#ctx.reject(JSON.stringify(body) ?? '', `depth snapshot: ${snapshot}`, 'marketDepth');
          this.#retryLater(symbol, state);
          return;
        }
        // A break while the request was in flight leaves a buffer this snapshot may not fit; trySync decides.
        if (state.phase === 'idle') return;
        state.snapshot = snapshot;
        this.#trySync(symbol, state);
      },
      (err: unknown) => {
        state.fetching = false;
        this.#ctx.log.warn({ err: messageOf(err), symbol }, 'depth snapshot request failed; retrying');
        this.#retryLater(symbol, state);
      },
    );
  }

  #retryLater(symbol: string, state: SymbolState): void {
    if (this.#closed) return;
    const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** state.failures);
    state.failures += 1;
    state.retry = setTimeout(() => {
      state.retry = undefined;
      if (state.phase !== 'synced') this.#fetchSnapshot(symbol, state);
    }, delay);
  }

  /** Applies the snapshot and the buffered diffs that continue it, if they do (rules 3–5). */
  #trySync(symbol: string, state: SymbolState): void {
    const snapshot = state.snapshot;
    if (!snapshot) return;
    state.buffer = state.buffer.filter((diff) => diff.final >= snapshot.lastUpdateId);
    const first = state.buffer[0];
    if (!first) return; // The snapshot is ahead of the stream: wait for the diff that spans it.
    if (first.first > snapshot.lastUpdateId) {
      // Diffs already went past the snapshot: it is too old to start from. Ask again.
      state.snapshot = undefined;
      this.#retryLater(symbol, state);
      return;
    }
    const buffered = state.buffer;
    state.buffer = [];
    state.snapshot = undefined;
    state.book.clear();
    state.book.apply(snapshot.bids.prices, snapshot.bids.sizes, snapshot.asks.prices, snapshot.asks.sizes);
    state.phase = 'synced';
    state.lastFinal = snapshot.lastUpdateId;
    state.failures = 0;
    if (state.afterBreak) this.#ctx.resynced(symbol);
    state.afterBreak = false;
    this.#publishSnapshot(symbol, state, snapshot, first);
    buffered.forEach((diff, i) => {
      if (state.phase !== 'synced') {
        this.onDiff(diff);
        return;
      }
      if (i > 0 && diff.prevFinal !== state.lastFinal) {
        this.#break(
          state,
          diff,
          `pu=${state.lastFinal}`,
          `pu=${diff.prevFinal} (U=${diff.first}, u=${diff.final})`,
        );
        return;
      }
      this.#applyAndPublish(state, diff);
    });
  }

  #publishSnapshot(
    symbol: string,
    state: SymbolState,
    snapshot: NonNullable<SymbolState['snapshot']>,
    next: DepthDiff,
  ): void {
    const ok = this.#ctx.emit(
      {
        topic: 'marketDepth',
        event: {
          ...marketFields(
            'market.depth',
            this.#venue,
            this.#source,
            symbol,
            this.#ctx.venueTime(snapshot.time),
            next.receivedAt,
          ),
          kind: 'snapshot',
          first_update_id: snapshot.lastUpdateId,
          final_update_id: snapshot.lastUpdateId,
          prev_update_id: snapshot.lastUpdateId,
          bid_prices: snapshot.bids.prices,
          bid_quantities: snapshot.bids.sizes,
          ask_prices: snapshot.asks.prices,
          ask_quantities: snapshot.asks.sizes,
          best_bid_price: state.book.bestBid,
          best_ask_price: state.book.bestAsk,
        },
      },
      JSON.stringify({ lastUpdateId: snapshot.lastUpdateId }),
    );
    if (!ok) this.#restart(state);
  }

  #applyAndPublish(state: SymbolState, diff: DepthDiff): void {
    state.book.apply(diff.bids.prices, diff.bids.sizes, diff.asks.prices, diff.asks.sizes);
    state.lastFinal = diff.final;
    const ok = this.#ctx.emit(
      {
        topic: 'marketDepth',
        event: {
          ...marketFields(
            'market.depth',
            this.#venue,
            this.#source,
            diff.symbol,
            this.#ctx.venueTime(diff.eventTime),
            diff.receivedAt,
          ),
          kind: 'diff',
          first_update_id: diff.first,
          final_update_id: diff.final,
          prev_update_id: diff.prevFinal,
          bid_prices: diff.bids.prices,
          bid_quantities: diff.bids.sizes,
          ask_prices: diff.asks.prices,
          ask_quantities: diff.asks.sizes,
          best_bid_price: state.book.bestBid,
          best_ask_price: state.book.bestAsk,
        },
      },
      diff.frame,
    );
    // A diff that did not reach Kafka leaves a hole downstream: start a new chain with a snapshot.
    if (!ok) this.#restart(state);
  }
}

/** A `GET /fapi/v1/depth` body, or why it is not one. */
function parseSnapshot(body: unknown): NonNullable<SymbolState['snapshot']> | string {
  if (!isObject(body)) return 'not a JSON object';
  const lastUpdateId = intOf(body.lastUpdateId);
  if (Number.isNaN(lastUpdateId)) return 'lastUpdateId: a whole number is required';
  const bids = parseLevels(body.bids);
  const asks = parseLevels(body.asks);
  if (!bids || !asks) return 'bids, asks: arrays of [price, quantity] decimal strings are required';
  const time = intOf(body.T) || intOf(body.E);
  return { lastUpdateId, bids, asks, time: Number.isNaN(time) ? Date.now() : time };
}
