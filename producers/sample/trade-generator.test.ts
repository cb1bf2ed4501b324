import { describe, expect, it } from 'vitest';
import { marketTradeSchema } from '../../lib/contracts/market.js';
import { createTradeGenerator } from './trade-generator.js';

describe('createTradeGenerator', () => {
  it('produces trades that satisfy the market-trade contract', () => {
    const next = createTradeGenerator({ seed: 7 });
    for (let i = 0; i < 500; i += 1) {
      const parsed = marketTradeSchema.safeParse(next());
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    }
  });

  it('gives every trade a distinct, time-ordered event id', () => {
    const next = createTradeGenerator();
    const ids = Array.from({ length: 1000 }, () => next().event_id);
    expect(new Set(ids).size).toBe(1000);
    expect([...ids].sort()).toEqual(ids);
  });

  it('replays the same prices for the same seed', () => {
    const a = createTradeGenerator({ seed: 3 });
    const b = createTradeGenerator({ seed: 3 });
    const pricesA = Array.from({ length: 50 }, () => a(1_800_000_000_000).price);
    const pricesB = Array.from({ length: 50 }, () => b(1_800_000_000_000).price);
    expect(pricesA).toEqual(pricesB);
  });
});
