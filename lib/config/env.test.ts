import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadNotifierEnv } from '../../alerting/config.js';
import { loadConsoleConfig } from '../../console/config.js';
import { loadMarketConfig } from '../../producers/market/config.js';
import { loadSentimentConfig } from '../../producers/social/config.js';
import { loadCollectorConfig } from '../../producers/user/config.js';
import { loadConfig } from './config.js';

const fileWith = (text: string): string => {
  const path = join(mkdtempSync(join(tmpdir(), 'tw-env-')), 'secret');
  writeFileSync(path, text, { mode: 0o600 });
  return path;
};

/** Every service's secret variables, each with a value its schema accepts. */
const secrets: Array<[string, (env: Record<string, string>) => object, string]> = [
  ['CLICKHOUSE_PASSWORD', loadConfig, 'pa$$ word'],
  ['SENTIMENT_LLM_API_KEY', loadSentimentConfig, 'sk-live-0123456789'],
  ['CONSOLE_SLACK_SIGNING_SECRET', loadConsoleConfig, '8f742231b10e8888abcd99yyyzzz85a5'],
  ['CONSOLE_TELEGRAM_BOT_TOKEN', loadConsoleConfig, '123456:ABCdefGHIjklMNOpqrSTUvwxYZ'],
  ['CONSOLE_TELEGRAM_WEBHOOK_SECRET', loadConsoleConfig, 'webhook_secret_0123456789'],
];

describe('one environment loader for every service', () => {
  it.each(secrets)('%s can come from <NAME>_FILE, and not from both', (name, load, value) => {
    const read = load({ [`${name}_FILE`]: fileWith(`${value}\n`) }) as Record<string, unknown>;
    expect(read[name]).toBe(value);
    expect(() => load({ [name]: value, [`${name}_FILE`]: fileWith(value) })).toThrow(
      `${name} and ${name}_FILE are both set`,
    );
  });

  it('never echoes a secret that fails its check, and names every bad key of any service', () => {
    const bad = () =>
      loadConsoleConfig({ CONSOLE_TELEGRAM_BOT_TOKEN_FILE: fileWith('not-a-token-123'), CONSOLE_PORT: 'x' });
    expect(bad).toThrow(/CONSOLE_TELEGRAM_BOT_TOKEN=\(secret, not shown\): a bot token/);
    expect(bad).toThrow(/CONSOLE_PORT="x"/);
    expect(bad).not.toThrow(/not-a-token-123/);
    expect(() => loadCollectorConfig({ COLLECTOR_KEYS_FILE: 'k.json', COLLECTOR_PORT: '70000' })).toThrow(
      /invalid collector configuration: COLLECTOR_PORT="70000": /,
    );
    expect(() => loadNotifierEnv({ NOTIFIER_DRY_RUN: 'yes' })).toThrow(/NOTIFIER_DRY_RUN="yes"/);
    expect(() => loadMarketConfig({ MARKET_SYMBOLS: 'btc' })).toThrow(
      /invalid market connector configuration: MARKET_SYMBOLS="btc": an upper-case symbol/,
    );
  });

  it('frozen, defaults for unset and empty variables, lists trimmed', () => {
    const sentiment = loadSentimentConfig({
      SENTIMENT_RSS_URLS: ' http://a.test/x , ,http://b.test/y',
      SENTIMENT_SOURCE: '',
    });
    expect(sentiment.SENTIMENT_RSS_URLS).toEqual(['http://a.test/x', 'http://b.test/y']);
    expect(sentiment.SENTIMENT_SOURCE).toBe('sentiment');
    expect(Object.isFrozen(sentiment)).toBe(true);
  });
});
