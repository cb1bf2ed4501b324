import { newEventId } from '../../lib/contracts/envelope.js';
import type { MarketOpenInterest } from '../../lib/contracts/market.js';
import { Recorder } from './recording.js';
import { prng } from './wire-script.js';

/**
 * A crafted perpetuals tape in the venues' own wire formats (Binance USDⓈ-M combined streams,
 * Bybit v5 linear order book), for replay through the real venue adapters: 35 minutes of
 * ordinary traffic on every market, with each derivatives rule's planted case and its
 * negative control (the legitimate behaviour closest to it) in the last minutes. Each
 * market is its own symbol, so a case and its control never share an entity. Used by the
 * derivatives rules test, the detection report and `make demo` (the last two replay it
 * live, with a tail after `end` so the planted conditions and the feeds go on).
 */

export interface TapeCase {
  /** Unique per case: the label the detection report and the demo match alerts against. */
  name: string;
  rule: string;
  entity: string;
  /** false: a negative control, on which the rule must stay silent. */
  planted: boolean;
  what: string;
}

export interface TapeOptions {
  seed?: number;
  /**
   * Traffic after `end` (ms): every market goes on as it ended (the planted conditions hold,
   * no new whale, no new liquidation), so a live replay keeps its feeds fresh while the rules
   * catch up. 0 (the rules test): the tape stops at `end`.
   */
  tailMs?: number;
  /**
   * Only these markets (symbols; default every one) and their cases. `make demo` plays a few:
   * the recorded sample already plays BTCUSDT (two price paths on one market would be a
   * divergence and a price spike of their own), and a smaller history loads sooner.
   */
  symbols?: readonly string[];
}

interface Line {
  t: number;
  venue: 'binance' | 'bybit';
  frame: string;
}

interface MarketPlan {
  venue: 'binance' | 'bybit';
  symbol: string;
  /** Mid price at ms `t` (trades print at the mid). */
  price: (t: number, i: number) => number;
  /** Trade notional (quote asset) at ms `t`. */
  notional?: (t: number, i: number) => number;
  /** Funding rate at ms `t`. */
  funding?: (t: number) => number;
  /** No frames after this moment (a dead feed). */
  until?: number;
  /** Time between trades (and between quotes); TRADE_EVERY_MS by default. */
  everyMs?: number;
  /** Quoted spread (bps) at ms `t`; 1 by default. */
  spreadBps?: (t: number) => number;
  /** Size quoted at each side of the top at ms `t`; varied around 1–10 by default. */
  size?: (t: number) => number | undefined;
  /** Bybit book chain events: a delta skipping an update id, or a venue restart's snapshot (u=1). */
  bookEvent?: { at: number; kind: 'gap' | 'restart' };
}

const TRADE_EVERY_MS = 3_000;
const QUOTE_OFFSET_MS = 1_000;
const MARK_EVERY_MS = 10_000;
const LENGTH_MS = 35 * 60_000;

export function derivativesTape(
  end: number,
  options: TapeOptions = {},
): { lines: Line[]; cases: TapeCase[]; end: number; openInterest: MarketOpenInterest[] } {
  const random = prng(options.seed ?? 16);
  const tail = options.tailMs ?? 0;
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const start = end - LENGTH_MS;
  const last = (ms: number) => (t: number) => t > end - ms;
  /** A random walk of `bps` per second, filled second by second so any caller sees one path. */
  const walk = (base: number, bps: number) => {
    const path = [base];
    return (t: number) => {
      const k = Math.max(0, Math.floor((t - start) / 1000));
      while (path.length <= k) path.push((path.at(-1) as number) * (1 + (normal() * bps) / 10_000));
      return path[k] as number;
    };
  };
  const usual = (median: number, sigma: number) => () => median * Math.exp(normal() * sigma);
  const calmFunding = () => 0.0001;
  const btc = walk(67_000, 1);
  const calmVol = walk(10, 1);
  const div = walk(2_000, 1);
  const stale = walk(500, 1);
  const blip = walk(90, 1);
  // Ordinary markets on both venues: nothing may fire on them.
  const ordinary: MarketPlan[] = [
    { venue: 'binance', symbol: 'BTCUSDT', price: btc, notional: usual(20_000, 0.8), funding: calmFunding },
    { venue: 'bybit', symbol: 'BTCUSDT', price: (t) => btc(t) * 1.00005, notional: usual(20_000, 0.8) },
  ];
  const wanted = (symbol: string) => options.symbols === undefined || options.symbols.includes(symbol);
  const plans: MarketPlan[] = [
    ...ordinary,
    // whale-trade: a 75x trade on a market of small trades; control: a block of a size the market always trades.
    {
      venue: 'binance',
      symbol: 'WHALEUSDT',
      price: walk(30, 1),
      notional: (t) => (t > end - 20_000 && t <= end - 17_000 ? 600_000 : usual(8_000, 0.5)()),
    },
    {
      venue: 'binance',
      symbol: 'BLOCKUSDT',
      price: walk(30, 1),
      notional: (t) => (t > end - 20_000 && t <= end - 17_000 ? 700_000 : usual(500_000, 0.3)()),
    },
    // volatility-spike: a calm market whipsawing in the last minute; control: a market always this choppy.
    {
      venue: 'binance',
      symbol: 'VOLUSDT',
      price: (t, i) => (last(55_000)(t) ? 10 * (1 + (i % 2 ? 0.004 : -0.004)) : calmVol(t)),
    },
    { venue: 'binance', symbol: 'CHOPUSDT', price: () => 10 * (1 + (random() < 0.5 ? 0.004 : -0.004)) },
    // funding-extreme: extreme funding; a flip between clearly positive and clearly negative;
    // control: funding hovering around zero, changing sign without meaning anything.
    {
      venue: 'binance',
      symbol: 'FUNDUSDT',
      price: walk(5, 1),
      funding: (t) => (last(120_000)(t) ? 0.003 : 0.0002),
    },
    {
      venue: 'binance',
      symbol: 'FLIPUSDT',
      price: walk(5, 1),
      funding: (t) => (last(120_000)(t) ? -0.0004 : 0.0005),
    },
    { venue: 'binance', symbol: 'NOISEUSDT', price: walk(5, 1), funding: () => (random() - 0.5) * 0.00004 },
    // cross-venue-divergence: Bybit 60 bps above Binance for the last 90 s; controls: a Bybit feed
    // dead for 3 minutes while Binance moved 80 bps (a frozen quote), and a 60 bps blip of 20 s.
    { venue: 'binance', symbol: 'DIVUSDT', price: div },
    { venue: 'bybit', symbol: 'DIVUSDT', price: (t) => div(t) * (last(90_000)(t) ? 1.006 : 1) },
    // Binance drifts the 80 bps over two minutes: a jump would be a volatility spike of its own.
    {
      venue: 'binance',
      symbol: 'STALEUSDT',
      price: (t) => stale(t) * (1 + 0.008 * Math.min(1, Math.max(0, (t - (end - 180_000)) / 120_000))),
    },
    { venue: 'bybit', symbol: 'STALEUSDT', price: stale, until: end - 180_000 },
    { venue: 'binance', symbol: 'BLIPUSDT', price: blip },
    {
      venue: 'bybit',
      symbol: 'BLIPUSDT',
      price: (t) => blip(t) * (t > end - 40_000 && t <= end - 20_000 ? 1.006 : 1),
    },
  ];
  // liquidation-cascade: eight long liquidations while the price falls 1.2 %; control: the
  // same liquidations at a steady price (absorbed).
  const cascadeAt = end - 90_000;
  const cascade = (t: number) =>
    40 * (t > cascadeAt ? 1 - Math.min(0.012, ((t - cascadeAt) / 80_000) * 0.012) : 1);
  plans.push({ venue: 'binance', symbol: 'LIQUSDT', price: cascade });
  // oi-spike: open interest +8 % while the price climbed 2 % over the last 4 minutes; controls:
  // the same open-interest build-up at a steady price, and the same price move at steady OI.
  // A steady climb, not a jump: a 2 % jump would be a price and volatility spike of its own
  // wherever a live replay puts it in front of the rules.
  const rally = (t: number) => 20 * (1 + 0.02 * Math.min(1, Math.max(0, (t - (end - 240_000)) / 240_000)));
  plans.push({ venue: 'binance', symbol: 'OIUSDT', price: rally });
  plans.push({ venue: 'binance', symbol: 'OIFLATUSDT', price: walk(20, 1) });
  plans.push({ venue: 'binance', symbol: 'OIMOVEUSDT', price: rally });
  plans.push({ venue: 'binance', symbol: 'LIQFLATUSDT', price: () => 40 });
  plans.push(...marketHealthPlans(end, walk));

  const lines: Line[] = [];
  const wire = new Wire();
  for (const plan of plans.filter((p) => wanted(p.symbol))) {
    const stop = Math.min(plan.until ?? end + tail, end + tail);
    const notional = plan.notional ?? usual(10_000, 0.5);
    const funding = plan.funding ?? calmFunding;
    const every = plan.everyMs ?? TRADE_EVERY_MS;
    let bookEvent = plan.bookEvent;
    let i = 0;
    for (let t = start; t <= stop; t += every, i++) {
      const p = plan.price(t, i);
      if (plan.venue === 'binance')
        lines.push({
          t: t + 8,
          venue: 'binance',
          frame: wire.aggTrade(plan.symbol, t, p, notional(t, i) / p, random() < 0.5),
        });
      // Quotes between trades, at the same pace.
      const q = t + QUOTE_OFFSET_MS;
      if (bookEvent && q >= bookEvent.at && plan.venue === 'bybit') {
        lines.push({
          t: q + 4,
          venue: 'bybit',
          frame: wire.bybitBookEvent(plan.symbol, q, plan.price(q, i), bookEvent.kind),
        });
        bookEvent = undefined;
      }
      if (q <= stop)
        lines.push({
          t: q + 8,
          venue: plan.venue,
          frame: wire.quote(
            plan.venue,
            plan.symbol,
            q,
            plan.price(q, i),
            plan.spreadBps?.(q),
            plan.size?.(q),
          ),
        });
      if (plan.venue === 'binance' && (t - start) % MARK_EVERY_MS === 0)
        lines.push({
          t: t + 508,
          venue: 'binance',
          frame: wire.markPrice(plan.symbol, t + 500, p, funding(t + 500)),
        });
    }
  }
  for (const [symbol, price] of [
    ['LIQUSDT', cascade],
    ['LIQFLATUSDT', () => 40],
  ] as const)
    for (let k = 0; k < 8 && wanted(symbol); k++) {
      const t = cascadeAt + 2_000 + k * 9_000;
      lines.push({
        t: t + 9,
        venue: 'binance',
        frame: wire.forceOrder(symbol, t, price(t), 100_000 / price(t)),
      });
    }
  lines.sort((a, b) => a.t - b.t);
  return {
    lines,
    cases: TAPE_CASES.filter((c) => wanted(c.entity.split(':')[1] as string)),
    end,
    openInterest: openInterestOf(end, tail).filter((e) => wanted(e.symbol)),
  };
}

/**
 * The market-health rules' cases, each on a market of its own (both venues' feeds as the
 * adapters read them), due in the tape's last minute: a 3 % jump vs the same 3 % climbed over
 * six minutes; a spread 60× its usual for the last minute vs one wide quote; the top of the
 * book thinned to 5 % vs one quote swept thin and refilled; a Bybit delta skipping an update
 * id vs a venue restart's fresh snapshot (u=1); and a market quoting only every 15 s (alive,
 * not stale).
 */
function marketHealthPlans(
  end: number,
  walk: (base: number, bps: number) => (t: number) => number,
): MarketPlan[] {
  const after = (ms: number) => (t: number) => t > end - ms;
  const once = (t: number) => t > end - 21_000 && t <= end - 18_000;
  const jump = walk(50, 1);
  const climb = walk(50, 1);
  return [
    { venue: 'binance', symbol: 'SPIKEUSDT', price: (t) => jump(t) * (after(40_000)(t) ? 1.03 : 1) },
    {
      venue: 'binance',
      symbol: 'CLIMBUSDT',
      price: (t) => climb(t) * (1 + 0.03 * Math.min(1, Math.max(0, (t - (end - 360_000)) / 360_000))),
    },
    {
      venue: 'binance',
      symbol: 'WIDEUSDT',
      price: walk(8, 1),
      spreadBps: (t) => (after(60_000)(t) ? 60 : 1),
    },
    { venue: 'binance', symbol: 'WIDEBLIPUSDT', price: walk(8, 1), spreadBps: (t) => (once(t) ? 60 : 1) },
    {
      venue: 'binance',
      symbol: 'THINUSDT',
      price: walk(3, 1),
      size: (t) => (after(60_000)(t) ? 0.05 : undefined),
    },
    {
      venue: 'binance',
      symbol: 'THINBLIPUSDT',
      price: walk(3, 1),
      size: (t) => (once(t) ? 0.05 : undefined),
    },
    { venue: 'bybit', symbol: 'GAPUSDT', price: walk(12, 1), bookEvent: { at: end - 30_000, kind: 'gap' } },
    {
      venue: 'bybit',
      symbol: 'RESETUSDT',
      price: walk(12, 1),
      bookEvent: { at: end - 30_000, kind: 'restart' },
    },
    { venue: 'binance', symbol: 'QUIETUSDT', price: walk(70, 1), everyMs: 15_000 },
  ];
}

/** The tape's planted cases and negative controls (each on its own market). */
export const TAPE_CASES: readonly TapeCase[] = [
  {
    name: 'tape-whale-trade',
    rule: 'whale-trade',
    entity: 'binance:WHALEUSDT',
    planted: true,
    what: 'a trade 75x the market’s usual size',
  },
  {
    name: 'tape-usual-block',
    rule: 'whale-trade',
    entity: 'binance:BLOCKUSDT',
    planted: false,
    what: 'a large block on a market of large blocks',
  },
  {
    name: 'tape-whipsaw',
    rule: 'volatility-spike',
    entity: 'binance:VOLUSDT',
    planted: true,
    what: 'a calm market whipsawing 80 bps a trade',
  },
  {
    name: 'tape-always-choppy',
    rule: 'volatility-spike',
    entity: 'binance:CHOPUSDT',
    planted: false,
    what: 'a market always that choppy',
  },
  {
    name: 'tape-liquidation-cascade',
    rule: 'liquidation-cascade',
    entity: 'binance:LIQUSDT',
    planted: true,
    what: '8 long liquidations, price down 1.2 %',
  },
  {
    name: 'tape-absorbed-liquidations',
    rule: 'liquidation-cascade',
    entity: 'binance:LIQFLATUSDT',
    planted: false,
    what: 'the same liquidations, price steady',
  },
  {
    name: 'tape-funding-extreme',
    rule: 'funding-extreme',
    entity: 'binance:FUNDUSDT',
    planted: true,
    what: 'funding 0.3 % per 8 h',
  },
  {
    name: 'tape-funding-flip',
    rule: 'funding-extreme',
    entity: 'binance:FLIPUSDT',
    planted: true,
    what: 'funding +0.05 % to -0.04 %',
  },
  {
    name: 'tape-funding-noise',
    rule: 'funding-extreme',
    entity: 'binance:NOISEUSDT',
    planted: false,
    what: 'funding ±0.002 % around zero',
  },
  {
    name: 'tape-venue-divergence',
    rule: 'cross-venue-divergence',
    entity: 'bybit>binance:DIVUSDT',
    planted: true,
    what: 'Bybit 60 bps above Binance for 90 s',
  },
  {
    name: 'tape-dead-feed-gap',
    rule: 'cross-venue-divergence',
    entity: 'binance>bybit:STALEUSDT',
    planted: false,
    what: 'Bybit feed dead 3 min while Binance moved 80 bps',
  },
  {
    name: 'tape-divergence-blip',
    rule: 'cross-venue-divergence',
    entity: 'bybit>binance:BLIPUSDT',
    planted: false,
    what: 'a 60 bps gap lasting 20 s',
  },
  {
    name: 'tape-oi-spike',
    rule: 'oi-spike',
    entity: 'binance:OIUSDT',
    planted: true,
    what: 'OI +8 % while price +2 %',
  },
  {
    name: 'tape-oi-build-flat',
    rule: 'oi-spike',
    entity: 'binance:OIFLATUSDT',
    planted: false,
    what: 'OI +8 % at a steady price',
  },
  {
    name: 'tape-price-move-flat-oi',
    rule: 'oi-spike',
    entity: 'binance:OIMOVEUSDT',
    planted: false,
    what: 'price +2 % at steady OI',
  },
  // The dead Bybit feed of the divergence control is the stale-feed rule's own case.
  {
    name: 'tape-dead-feed',
    rule: 'stale-feed',
    entity: 'bybit:STALEUSDT',
    planted: true,
    what: 'Bybit feed silent for the last 3 min',
  },
  {
    name: 'tape-quiet-feed',
    rule: 'stale-feed',
    entity: 'binance:QUIETUSDT',
    planted: false,
    what: 'a market quoting only every 15 s: quiet, alive',
  },
  {
    name: 'tape-price-jump',
    rule: 'price-spike',
    entity: 'binance:SPIKEUSDT',
    planted: true,
    what: 'the price jumps 3 % and stays',
  },
  // A 3 % jump on a calm market is also a volatility spike: the same market, that rule's case.
  {
    name: 'tape-price-jump-volatility',
    rule: 'volatility-spike',
    entity: 'binance:SPIKEUSDT',
    planted: true,
    what: 'the same jump, as realised volatility',
  },
  {
    name: 'tape-gradual-climb',
    rule: 'price-spike',
    entity: 'binance:CLIMBUSDT',
    planted: false,
    what: 'the same 3 % climbed over 6 min',
  },
  {
    name: 'tape-spread-blowout',
    rule: 'spread-blowout',
    entity: 'binance:WIDEUSDT',
    planted: true,
    what: 'spread 1 → 60 bps for the last minute',
  },
  {
    name: 'tape-wide-quote',
    rule: 'spread-blowout',
    entity: 'binance:WIDEBLIPUSDT',
    planted: false,
    what: 'one quote 60 bps wide, the next one normal',
  },
  {
    name: 'tape-depth-collapse',
    rule: 'depth-collapse',
    entity: 'binance:THINUSDT',
    planted: true,
    what: 'top-of-book size down to 5 % for the last minute',
  },
  {
    name: 'tape-top-swept',
    rule: 'depth-collapse',
    entity: 'binance:THINBLIPUSDT',
    planted: false,
    what: 'one quote swept to 5 %, refilled at the next',
  },
  {
    name: 'tape-sequence-gap',
    rule: 'book-integrity',
    entity: 'bybit:GAPUSDT',
    planted: true,
    what: 'a Bybit delta skipping an update id',
  },
  {
    name: 'tape-venue-restart',
    rule: 'book-integrity',
    entity: 'bybit:RESETUSDT',
    planted: false,
    what: 'a restarted Bybit service’s fresh snapshot (u=1)',
  },
];

/**
 * Open interest of the tape's markets as the venue's REST endpoint reports it, polled every
 * 15 s: steady, except OIUSDT and OIFLATUSDT, whose open interest rises 8 % in the last 4 minutes.
 */
function openInterestOf(end: number, tail: number): MarketOpenInterest[] {
  const events: MarketOpenInterest[] = [];
  for (const symbol of ['OIUSDT', 'OIFLATUSDT', 'OIMOVEUSDT'])
    for (let t = end - 20 * 60_000; t <= end + tail; t += 15_000) {
      const built = symbol !== 'OIMOVEUSDT' && t > end - 240_000;
      events.push({
        event_id: newEventId(t),
        type: 'market.open_interest',
        source: 'binance-usdm',
        occurred_at: t,
        received_at: t + 40,
        produced_at: t + 45,
        schema_version: 1,
        venue: 'binance',
        symbol,
        open_interest: 1_000_000 * (built ? 1.08 : 1),
        via: 'rest',
      });
    }
  return events;
}

/** Writes the tape as a recording (gzip JSON lines) that `replayRecording` plays. */
export async function writeTape(file: string, lines: readonly Line[]): Promise<void> {
  const recorder = new Recorder(file);
  for (const l of lines) recorder.frame(l.venue, l.t, l.frame);
  await recorder.close();
}

const fmt = (n: number) => n.toPrecision(10);

/** Frames in each venue's documented format, with per-symbol ids that only rise. */
class Wire {
  readonly #ids = new Map<string, number>();

  #next(key: string): number {
    const n = (this.#ids.get(key) ?? 1_000) + 1;
    this.#ids.set(key, n);
    return n;
  }

  #binance(symbol: string, stream: string, data: Record<string, unknown>): string {
    return JSON.stringify({ stream: `${symbol.toLowerCase()}@${stream}`, data });
  }

  aggTrade(symbol: string, t: number, price: number, quantity: number, buyerMaker: boolean): string {
    const a = this.#next(`a:${symbol}`);
    return this.#binance(symbol, 'aggTrade', {
      e: 'aggTrade',
      E: t + 1,
      s: symbol,
      a,
      p: fmt(price),
      q: fmt(quantity),
      f: a,
      l: a,
      T: t,
      m: buyerMaker,
    });
  }

  quote(
    venue: 'binance' | 'bybit',
    symbol: string,
    t: number,
    mid: number,
    spreadBps = 1,
    quotedSize?: number,
  ): string {
    const u = this.#next(`u:${venue}:${symbol}`);
    const bid = fmt(mid * (1 - spreadBps / 20_000));
    const ask = fmt(mid * (1 + spreadBps / 20_000));
    // The size changes every time: Bybit's L1 is published only when the top of the book changes.
    const size = fmt((quotedSize ?? 1) * (1 + (u % 97) / 10));
    if (venue === 'binance')
      return this.#binance(symbol, 'bookTicker', {
        e: 'bookTicker',
        u,
        s: symbol,
        b: bid,
        B: size,
        a: ask,
        A: size,
        T: t,
        E: t + 1,
      });
    return JSON.stringify({
      topic: `orderbook.50.${symbol}`,
      type: 'snapshot',
      ts: t + 2,
      data: { s: symbol, b: [[bid, size]], a: [[ask, size]], u, seq: u * 10 },
      cts: t,
    });
  }

  /**
   * Bybit's order book between two snapshots: `gap`, a delta whose `u` skips one (an update
   * lost on the way: the adapter must discard the book and resubscribe); `restart`, the
   * snapshot a restarted venue service sends with `u`=1 (the documented reset: the adapter
   * rebuilds the book, nothing was lost).
   */
  bybitBookEvent(symbol: string, t: number, mid: number, kind: 'gap' | 'restart'): string {
    const key = `u:bybit:${symbol}`;
    if (kind === 'restart') this.#ids.set(key, 0);
    else this.#next(key);
    const u = this.#next(key);
    const level = [[fmt(mid * 0.9999), fmt(2)]];
    return JSON.stringify({
      topic: `orderbook.50.${symbol}`,
      type: kind === 'gap' ? 'delta' : 'snapshot',
      ts: t + 2,
      data: { s: symbol, b: level, a: [[fmt(mid * 1.0001), fmt(2)]], u, seq: u * 10 },
      cts: t,
    });
  }

  markPrice(symbol: string, t: number, price: number, funding: number): string {
    return this.#binance(symbol, 'markPrice@1s', {
      e: 'markPriceUpdate',
      E: t,
      s: symbol,
      p: fmt(price * 1.0001),
      i: fmt(price),
      P: fmt(price),
      r: funding.toFixed(8),
      T: Math.ceil(t / 28_800_000) * 28_800_000,
    });
  }

  forceOrder(symbol: string, t: number, price: number, quantity: number): string {
    const q = fmt(quantity);
    return this.#binance(symbol, 'forceOrder', {
      e: 'forceOrder',
      E: t + 1,
      o: {
        s: symbol,
        S: 'SELL',
        o: 'LIMIT',
        f: 'IOC',
        q,
        p: fmt(price),
        ap: fmt(price),
        X: 'FILLED',
        l: q,
        z: q,
        T: t,
      },
    });
  }
}
