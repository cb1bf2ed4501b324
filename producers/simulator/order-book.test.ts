import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type IncomingOrder, OrderBook } from './order-book.js';

let n = 0;
const order = (over: Partial<IncomingOrder>): IncomingOrder => ({
  orderId: `o${++n}`,
  accountId: 'a',
  side: 'buy',
  price: 100,
  quantity: 1,
  timeInForce: 'gtc',
  ...over,
});

describe('order book matching', () => {
  it('fills at the best price first, at the resting price', () => {
    const book = new OrderBook();
    book.submit(order({ orderId: 'ask101', side: 'sell', price: 101, quantity: 5 }));
    book.submit(order({ orderId: 'ask100', side: 'sell', price: 100, quantity: 5 }));
    const result = book.submit(order({ side: 'buy', price: 102, quantity: 7 }));
    expect(result.fills.map((f) => [f.maker.orderId, f.price, f.quantity])).toEqual([
      ['ask100', 100, 5],
      ['ask101', 101, 2],
    ]);
    expect(result).toMatchObject({ filled: 7, rested: false });
    expect(book.depth('sell')).toEqual([[101, 3]]);
  });

  it('fills earlier orders first at the same price', () => {
    const book = new OrderBook();
    book.submit(order({ orderId: 'first', side: 'buy', price: 99, quantity: 2, accountId: 'x' }));
    book.submit(order({ orderId: 'second', side: 'buy', price: 99, quantity: 2, accountId: 'y' }));
    const result = book.submit(order({ side: 'sell', price: 99, quantity: 3 }));
    expect(result.fills.map((f) => [f.maker.orderId, f.quantity])).toEqual([
      ['first', 2],
      ['second', 1],
    ]);
    expect(book.get('second')?.filled).toBe(1);
    expect(book.get('first')).toBeUndefined();
  });

  it('rests the unfilled part of a gtc limit order, and drops it for ioc and market orders', () => {
    const book = new OrderBook();
    book.submit(order({ side: 'sell', price: 100, quantity: 2 }));
    const gtc = book.submit(order({ orderId: 'gtc', side: 'buy', price: 100, quantity: 5 }));
    expect(gtc).toMatchObject({ filled: 2, rested: true });
    expect(book.depth('buy')).toEqual([[100, 3]]);
    const ioc = book.submit(order({ side: 'sell', price: 100, quantity: 4, timeInForce: 'ioc' }));
    expect(ioc).toMatchObject({ filled: 3, rested: false });
    const market = book.submit(order({ side: 'sell', price: undefined, quantity: 1, timeInForce: 'ioc' }));
    expect(market).toMatchObject({ filled: 0, rested: false });
    expect(book.size).toBe(0);
  });

  it('does not fill a limit order that does not cross', () => {
    const book = new OrderBook();
    book.submit(order({ side: 'sell', price: 101 }));
    expect(book.submit(order({ side: 'buy', price: 100 })).fills).toEqual([]);
    expect([book.bestBid(), book.bestAsk()]).toEqual([100, 101]);
  });

  it('cancels resting orders, removing empty levels, and ignores unknown ids', () => {
    const book = new OrderBook();
    book.submit(order({ orderId: 'c1', side: 'sell', price: 105, quantity: 3 }));
    book.submit(order({ orderId: 'c2', side: 'sell', price: 106, quantity: 3 }));
    book.submit(order({ side: 'buy', price: 105, quantity: 1 }));
    expect(book.cancel('c1')).toMatchObject({ orderId: 'c1', filled: 1, quantity: 3 });
    expect(book.cancel('c1')).toBeUndefined();
    expect(book.bestAsk()).toBe(106);
    expect(book.submit(order({ side: 'buy', price: 105, quantity: 1 })).rested).toBe(true);
  });

  it('lets an account match its own order (no self-trade prevention: wash trades must be visible)', () => {
    const book = new OrderBook();
    book.submit(order({ orderId: 's', accountId: 'w', side: 'sell', price: 100 }));
    const result = book.submit(order({ orderId: 'b', accountId: 'w', side: 'buy', price: 100 }));
    expect(result.fills[0]?.maker.accountId).toBe('w');
  });

  const orderArb = fc.record({
    side: fc.constantFrom<'buy' | 'sell'>('buy', 'sell'),
    price: fc.option(fc.integer({ min: 90, max: 110 }), { freq: 8 }),
    quantity: fc.integer({ min: 1, max: 20 }),
    timeInForce: fc.constantFrom<'gtc' | 'ioc'>('gtc', 'ioc'),
    cancel: fc.option(fc.nat(), { freq: 4 }),
  });

  it('property: never crossed after matching, quantities conserved, fills respect limits and priority', () => {
    fc.assert(
      fc.property(fc.array(orderArb, { maxLength: 200 }), (actions) => {
        const book = new OrderBook();
        const ids: string[] = [];
        let submitted = 0;
        let filledTwice = 0; // each fill counts for maker and taker
        let cancelled = 0;
        let droppedIoc = 0;
        actions.forEach((a, i) => {
          if (a.cancel !== null && ids.length > 0) {
            const gone = book.cancel(ids[a.cancel % ids.length] as string);
            if (gone) cancelled += gone.quantity - gone.filled;
            return;
          }
          const id = `p${i}`;
          const before = { bid: book.bestBid(), ask: book.bestAsk() };
          const result = book.submit({ orderId: id, accountId: 'a', ...a, price: a.price ?? undefined });
          submitted += a.quantity;
          ids.push(id);
          for (const fill of result.fills) {
            filledTwice += 2 * fill.quantity;
            if (a.price !== null)
              expect(a.side === 'buy' ? fill.price <= a.price : fill.price >= a.price).toBe(true);
          }
          // The first fill is at the touch that was best before the order arrived.
          if (result.fills[0]) expect(result.fills[0].price).toBe(a.side === 'buy' ? before.ask : before.bid);
          // Fill prices only get worse for the taker as it walks the book.
          const prices = result.fills.map((f) => f.price);
          expect(prices).toEqual([...prices].sort((x, y) => (a.side === 'buy' ? x - y : y - x)));
          if (!result.rested) droppedIoc += a.quantity - result.filled;
          const bid = book.bestBid();
          const ask = book.bestAsk();
          if (bid !== undefined && ask !== undefined) expect(bid).toBeLessThan(ask);
        });
        const restingLots = [...book.resting()].reduce((s, o) => s + o.quantity - o.filled, 0);
        expect(restingLots + filledTwice + cancelled + droppedIoc).toBe(submitted);
      }),
      { numRuns: 300 },
    );
  });
});
