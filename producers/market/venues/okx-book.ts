import { crc32 } from 'node:zlib';

/**
 * One OKX order book as the venue's checksum sees it. OKX's checksum is computed over the
 * price and size strings exactly as sent (`"8476.98"`, never a re-printed double), so each
 * level keeps its strings beside the parsed price; sides are kept sorted best first, so the
 * top 25 levels the checksum reads are the first 25 entries.
 */

/** A level as OKX sends it: `[price, size, "0" (deprecated), orders]`; size "0" removes it. */
export interface OkxLevel {
  readonly price: number;
  readonly px: string;
  readonly sz: string;
}

const CHECKSUM_LEVELS = 25;

export class OkxBook {
  /** Best first: bids descending, asks ascending. */
  readonly #bids: OkxLevel[] = [];
  readonly #asks: OkxLevel[] = [];

  clear(): void {
    this.#bids.length = 0;
    this.#asks.length = 0;
  }

  apply(bids: readonly OkxLevel[], asks: readonly OkxLevel[]): void {
    for (const level of bids) setLevel(this.#bids, level, (a, b) => a > b);
    for (const level of asks) setLevel(this.#asks, level, (a, b) => a < b);
  }

  get bestBid(): OkxLevel | undefined {
    return this.#bids[0];
  }

  get bestAsk(): OkxLevel | undefined {
    return this.#asks[0];
  }

  /**
   * OKX's checksum: `bid1px:bid1sz:ask1px:ask1sz:bid2px:…` over the first 25 levels of each
   * side (a side with fewer levels just contributes fewer), CRC32 as a signed 32-bit integer.
   */
  checksum(): number {
    const parts: string[] = [];
    for (let i = 0; i < CHECKSUM_LEVELS; i++) {
      const bid = this.#bids[i];
      const ask = this.#asks[i];
      if (!bid && !ask) break;
      if (bid) parts.push(bid.px, bid.sz);
      if (ask) parts.push(ask.px, ask.sz);
    }
    return crc32(parts.join(':')) | 0;
  }
}

/** Sets (or with size 0, removes) one level, keeping the side sorted best first. */
function setLevel(side: OkxLevel[], level: OkxLevel, better: (a: number, b: number) => boolean): void {
  let lo = 0;
  let hi = side.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (better((side[mid] as OkxLevel).price, level.price)) lo = mid + 1;
    else hi = mid;
  }
  const found = side[lo]?.price === level.price;
  if (Number(level.sz) === 0) {
    if (found) side.splice(lo, 1);
  } else if (found) side[lo] = level;
  else side.splice(lo, 0, level);
}

/** `[[px, sz, …], …]` as levels, or undefined when a level is not a positive price and a size ≥ 0. */
export function parseOkxLevels(value: unknown): OkxLevel[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const levels: OkxLevel[] = new Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const level = value[i];
    if (!Array.isArray(level) || typeof level[0] !== 'string' || typeof level[1] !== 'string')
      return undefined;
    const price = Number(level[0]);
    const size = Number(level[1]);
    if (!(price > 0) || !(size >= 0) || !Number.isFinite(price) || !Number.isFinite(size)) return undefined;
    levels[i] = { price, px: level[0], sz: level[1] };
  }
  return levels;
}
