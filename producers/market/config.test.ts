import { describe, expect, it } from 'vitest';
import { loadMarketConfig } from './config.js';

describe('market connector config', () => {
  it('defaults to both venues at their public endpoints', () => {
    const config = loadMarketConfig({});
    expect(config.MARKET_VENUES).toEqual(['binance', 'bybit']);
    expect(config.endpoints.binance).toEqual({
      wsUrl: 'wss://fstream.binance.com',
      restUrl: 'https://fapi.binance.com',
    });
  });

  it('takes venue endpoints from MARKET_<VENUE>_WS_URL', () => {
    const config = loadMarketConfig({
      MARKET_VENUES: 'bybit',
      MARKET_BYBIT_WS_URL: 'ws://127.0.0.1:9000/v5/public/linear',
    });
    expect(config.endpoints.bybit?.wsUrl).toBe('ws://127.0.0.1:9000/v5/public/linear');
  });

  it('names the key, the value and the venue limit a setting breaks', () => {
    expect(() => loadMarketConfig({ MARKET_VENUES: 'binance,kraken' })).toThrow(
      /MARKET_VENUES="binance,kraken": .*one of: binance, bybit/,
    );
    const symbols = Array.from({ length: 210 }, (_, i) => `S${i}USDT`).join(',');
    expect(() => loadMarketConfig({ MARKET_VENUES: 'binance', MARKET_SYMBOLS: symbols })).toThrow(
      /binance needs 1050 streams, more than the 1024 one connection may carry/,
    );
    expect(() => loadMarketConfig({ MARKET_PLANNED_RECONNECT_MS: String(25 * 3_600_000) })).toThrow(
      /MARKET_PLANNED_RECONNECT_MS=90000000: must be below binance's connection age limit/,
    );
    expect(() => loadMarketConfig({ MARKET_STALE_FEED_MS: 'soon' })).toThrow(/MARKET_STALE_FEED_MS="soon"/);
    const okxSymbols = Array.from({ length: 69 }, (_, i) => `S${i}USDT`).join(',');
    expect(() => loadMarketConfig({ MARKET_VENUES: 'okx', MARKET_SYMBOLS: okxSymbols })).toThrow(
      /okx needs 484 streams, more than the 480 one connection may carry/,
    );
    expect(() => loadMarketConfig({ MARKET_OPEN_INTEREST_INTERVAL_MS: '500' })).toThrow(
      /MARKET_OPEN_INTEREST_INTERVAL_MS.*must be 0 \(off\) or at least 1000 ms/,
    );
    expect(loadMarketConfig({ MARKET_OPEN_INTEREST_INTERVAL_MS: '0' }).MARKET_OPEN_INTEREST_INTERVAL_MS).toBe(
      0,
    );
  });
});
