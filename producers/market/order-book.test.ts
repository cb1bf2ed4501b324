import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrderBook } from './order-book.js';

describe('order book', () => {
  it('sets levels to absolute sizes, removes zero sizes and tracks the best bid and ask', () => {
    const book = new OrderBook();
    book.apply([100, 99, 98], [1, 2, 3], [101, 102], [1, 1]);
    expect([book.bestBid, book.bestAsk]).toEqual([100, 101]);
    book.apply([100], [0], [101, 100.5], [0, 4]);
    expect([book.bestBid, book.bestAsk]).toEqual([99, 100.5]);
    expect(book.askSize(100.5)).toBe(4);
    // Removing a level the book does not have is normal on Binance.
    book.apply([42], [0], [], []);
    expect(book.levels).toEqual({ bids: 2, asks: 2 });
  });

  it('agrees with a full scan after any sequence of changes', () => {
    const level = fc.tuple(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 3 }));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.array(level), fc.array(level)), { maxLength: 40 }), (diffs) => {
        const book = new OrderBook();
        const bids = new Map<number, number>();
        const asks = new Map<number, number>();
        for (const [b, a] of diffs) {
          book.apply(
            b.map((l) => l[0]),
            b.map((l) => l[1]),
            a.map((l) => l[0] + 30),
            a.map((l) => l[1]),
          );
          for (const [p, q] of b) q === 0 ? bids.delete(p) : bids.set(p, q);
          for (const [p, q] of a) q === 0 ? asks.delete(p + 30) : asks.set(p + 30, q);
        }
        expect(book.bestBid).toBe(bids.size ? Math.max(...bids.keys()) : 0);
        expect(book.bestAsk).toBe(asks.size ? Math.min(...asks.keys()) : 0);
      }),
    );
  });
});
