/**
 * One side-pair of a venue's order book, level by level, for the integrity watcher: levels
 * are set to absolute sizes (0 removes), and the best bid and ask are known after every
 * change. Prices are keyed as doubles: venues send them as decimal strings that parse to the
 * same double every time, which is all a map key needs.
 */
export class OrderBook {
  readonly #bids = new Map<number, number>();
  readonly #asks = new Map<number, number>();
  #bestBid = 0;
  #bestAsk = 0;

  clear(): void {
    this.#bids.clear();
    this.#asks.clear();
    this.#bestBid = 0;
    this.#bestAsk = 0;
  }

  /** Sets each level to its absolute size; a size of 0 removes the level. */
  apply(
    bidPrices: readonly number[],
    bidSizes: readonly number[],
    askPrices: readonly number[],
    askSizes: readonly number[],
  ): void {
    this.#bestBid = applySide(this.#bids, bidPrices, bidSizes, this.#bestBid, (a, b) => a > b);
    this.#bestAsk = applySide(this.#asks, askPrices, askSizes, this.#bestAsk, (a, b) => a < b);
  }

  /** Highest bid price, 0 when there are no bids. */
  get bestBid(): number {
    return this.#bestBid;
  }

  /** Lowest ask price, 0 when there are no asks. */
  get bestAsk(): number {
    return this.#bestAsk;
  }

  bidSize(price: number): number {
    return this.#bids.get(price) ?? 0;
  }

  askSize(price: number): number {
    return this.#asks.get(price) ?? 0;
  }

  get levels(): { bids: number; asks: number } {
    return { bids: this.#bids.size, asks: this.#asks.size };
  }
}

/**
 * Applies levels to one side and returns its new best price. The best moves without a scan
 * unless the best level itself is removed, so a diff costs what it changes, not the book size.
 */
function applySide(
  side: Map<number, number>,
  prices: readonly number[],
  sizes: readonly number[],
  best: number,
  better: (a: number, b: number) => boolean,
): number {
  let next = best;
  let bestRemoved = false;
  for (let i = 0; i < prices.length; i++) {
    const price = prices[i] as number;
    const size = sizes[i] as number;
    if (size === 0) {
      side.delete(price);
      if (price === next) bestRemoved = true;
    } else {
      side.set(price, size);
      if (next === 0 || better(price, next)) {
        next = price;
        bestRemoved = false;
      }
    }
  }
  if (!bestRemoved) return next;
  let found = 0;
  for (const price of side.keys()) if (found === 0 || better(price, found)) found = price;
  return found;
}
