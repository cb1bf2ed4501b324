/** The simulated exchange's markets: ticks and lots fix the grid the order book works on. */
export interface Market {
  symbol: string;
  /** The base token, as social mentions name it. */
  token: string;
  tickSize: number;
  lotSize: number;
  startPrice: number;
  /** A typical order, in lots. */
  typicalLots: number;
}

export const MARKETS: readonly Market[] = [
  { symbol: 'BTCUSDT', token: 'BTC', tickSize: 0.1, lotSize: 0.0001, startPrice: 97_000, typicalLots: 200 },
  { symbol: 'ETHUSDT', token: 'ETH', tickSize: 0.01, lotSize: 0.001, startPrice: 3_400, typicalLots: 300 },
  { symbol: 'SOLUSDT', token: 'SOL', tickSize: 0.01, lotSize: 0.01, startPrice: 180, typicalLots: 200 },
  { symbol: 'DOGEUSDT', token: 'DOGE', tickSize: 0.00001, lotSize: 1, startPrice: 0.32, typicalLots: 2_000 },
  {
    symbol: 'PEPEUSDT',
    token: 'PEPE',
    tickSize: 0.000000001,
    lotSize: 1_000,
    startPrice: 0.00002,
    typicalLots: 5_000,
  },
];

const decimalsOf = (step: number): number => Math.max(0, -Math.floor(Math.log10(step) + 1e-9));

/** Ticks → a decimal price, rounded to the tick's decimals so 0.1 * 3 prints as 0.3. */
export function priceOf(market: Market, ticks: number): number {
  return Number((ticks * market.tickSize).toFixed(decimalsOf(market.tickSize)));
}

export function quantityOf(market: Market, lots: number): number {
  return Number((lots * market.lotSize).toFixed(decimalsOf(market.lotSize)));
}

export function ticksOf(market: Market, price: number): number {
  return Math.max(1, Math.round(price / market.tickSize));
}

/** `bps` basis points of a price in ticks, as whole ticks (at least one): offsets scale with price. */
export function bpsOf(ticks: number, bps: number): number {
  return Math.max(1, Math.round((ticks * bps) / 10_000));
}
