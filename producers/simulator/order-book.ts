/**
 * A price-time-priority limit order book for one symbol. Prices are whole ticks and
 * quantities whole lots, so matching never meets floating-point dust; the simulator
 * converts to decimals only when it writes events.
 *
 * There is deliberately no self-trade prevention: an account matching its own order is
 * the wash-trading pattern the risk rules must see, so the book lets it happen.
 */

export type Side = 'buy' | 'sell';

export interface RestingOrder {
  readonly orderId: string;
  readonly accountId: string;
  readonly side: Side;
  /** Limit price in ticks. */
  readonly price: number;
  /** Original quantity in lots. */
  readonly quantity: number;
  filled: number;
  /** Arrival sequence: earlier wins at the same price. */
  readonly seq: number;
}

export interface IncomingOrder {
  orderId: string;
  accountId: string;
  side: Side;
  /** Limit price in ticks; undefined for a market order (takes whatever is there). */
  price: number | undefined;
  quantity: number;
  /** gtc rests what is left; ioc cancels it. Market orders are always ioc. */
  timeInForce: 'gtc' | 'ioc';
}

export interface Fill {
  maker: RestingOrder;
  price: number;
  quantity: number;
}

export interface SubmitResult {
  fills: Fill[];
  /** Lots filled of the incoming order. */
  filled: number;
  /** The incoming order now rests in the book with `quantity - filled` left. */
  rested: boolean;
}

interface Level {
  price: number;
  orders: RestingOrder[];
}

export class OrderBook {
  /** Bids best (highest) first, asks best (lowest) first. */
  readonly #bids: Level[] = [];
  readonly #asks: Level[] = [];
  readonly #byId = new Map<string, RestingOrder>();
  #seq = 0;

  bestBid(): number | undefined {
    return this.#bids[0]?.price;
  }

  bestAsk(): number | undefined {
    return this.#asks[0]?.price;
  }

  get(orderId: string): RestingOrder | undefined {
    return this.#byId.get(orderId);
  }

  /** Orders resting, in no particular order. */
  resting(): IterableIterator<RestingOrder> {
    return this.#byId.values();
  }

  get size(): number {
    return this.#byId.size;
  }

  /** Lots resting at `price` on `side`. */
  volumeAt(side: Side, price: number): number {
    const level = this.#levels(side).find((l) => l.price === price);
    return level ? level.orders.reduce((sum, o) => sum + o.quantity - o.filled, 0) : 0;
  }

  /** Levels from the best inward, as [price, lots] pairs. */
  depth(side: Side, levels = Number.POSITIVE_INFINITY): Array<[number, number]> {
    return this.#levels(side)
      .slice(0, levels)
      .map((l) => [l.price, l.orders.reduce((sum, o) => sum + o.quantity - o.filled, 0)]);
  }

  /** Lots offered on the ask side at or under `price`: what a buy limited there could take. */
  askedUpTo(price: number): number {
    return this.depth('sell')
      .filter(([p]) => p <= price)
      .reduce((sum, [, q]) => sum + q, 0);
  }

  submit(order: IncomingOrder): SubmitResult {
    if (!(Number.isInteger(order.quantity) && order.quantity > 0)) {
      throw new RangeError(`order ${order.orderId}: quantity must be a positive whole number of lots`);
    }
    if (this.#byId.has(order.orderId)) throw new RangeError(`order ${order.orderId} is already in the book`);
    const opposite = order.side === 'buy' ? this.#asks : this.#bids;
    const crosses = (price: number) =>
      order.price === undefined || (order.side === 'buy' ? price <= order.price : price >= order.price);
    const fills: Fill[] = [];
    let left = order.quantity;
    while (left > 0 && opposite.length > 0 && crosses((opposite[0] as Level).price)) {
      const level = opposite[0] as Level;
      const maker = level.orders[0] as RestingOrder;
      const quantity = Math.min(left, maker.quantity - maker.filled);
      maker.filled += quantity;
      left -= quantity;
      // The resting order's price: the maker set it, the taker accepted it.
      fills.push({ maker, price: level.price, quantity });
      if (maker.filled === maker.quantity) {
        level.orders.shift();
        this.#byId.delete(maker.orderId);
        if (level.orders.length === 0) opposite.shift();
      }
    }
    const rested = left > 0 && order.price !== undefined && order.timeInForce === 'gtc';
    if (rested) this.#rest(order, order.quantity - left);
    return { fills, filled: order.quantity - left, rested };
  }

  /** Removes a resting order; returns it (with what had filled), or undefined if it is not resting. */
  cancel(orderId: string): RestingOrder | undefined {
    const order = this.#byId.get(orderId);
    if (!order) return undefined;
    const levels = this.#levels(order.side);
    const index = levels.findIndex((l) => l.price === order.price);
    const level = levels[index] as Level;
    level.orders.splice(level.orders.indexOf(order), 1);
    if (level.orders.length === 0) levels.splice(index, 1);
    this.#byId.delete(orderId);
    return order;
  }

  #levels(side: Side): Level[] {
    return side === 'buy' ? this.#bids : this.#asks;
  }

  #rest(order: IncomingOrder, filled: number): void {
    const price = order.price as number;
    const resting: RestingOrder = {
      orderId: order.orderId,
      accountId: order.accountId,
      side: order.side,
      price,
      quantity: order.quantity,
      filled,
      seq: this.#seq++,
    };
    const levels = this.#levels(order.side);
    // Binary search for the level: bids descend, asks ascend.
    const better = order.side === 'buy' ? (a: number, b: number) => a > b : (a: number, b: number) => a < b;
    let lo = 0;
    let hi = levels.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (better((levels[mid] as Level).price, price)) lo = mid + 1;
      else hi = mid;
    }
    const at = levels[lo];
    if (at && at.price === price) at.orders.push(resting);
    else levels.splice(lo, 0, { price, orders: [resting] });
    this.#byId.set(order.orderId, resting);
  }
}
