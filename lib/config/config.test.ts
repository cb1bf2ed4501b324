import { describe, expect, it } from 'vitest';
import { TradewatchError } from '../errors.js';
import { defaults, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('applies the documented defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.KAFKA_BROKERS).toEqual([defaults.KAFKA_BROKERS]);
    expect(config.FACT_TTL_DAYS).toBe(30);
    expect(config.CLICKHOUSE_DATABASE).toBe('tradewatch');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('parses a broker list and numeric values with units in their names', () => {
    const config = loadConfig({ KAFKA_BROKERS: 'a:9092, b:9093', KAFKA_LINGER_MS: '20' });
    expect(config.KAFKA_BROKERS).toEqual(['a:9092', 'b:9093']);
    expect(config.KAFKA_LINGER_MS).toBe(20);
  });

  it('names every bad key, the value given and what was expected', () => {
    let error: unknown;
    try {
      loadConfig({ KAFKA_BROKERS: 'nohostport', FACT_TTL_DAYS: '-3', CLICKHOUSE_DATABASE: 'drop table' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(TradewatchError);
    const message = (error as Error).message;
    expect(message).toContain('KAFKA_BROKERS="nohostport"');
    expect(message).toContain('host:port');
    expect(message).toContain('FACT_TTL_DAYS="-3"');
    expect(message).toContain('CLICKHOUSE_DATABASE="drop table"');
    expect((error as TradewatchError).code).toBe('CONFIG_INVALID');
  });
});
