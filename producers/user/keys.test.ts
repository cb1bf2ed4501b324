import { describe, expect, it } from 'vitest';
import { loadCollectorConfig } from './config.js';
import { hashKey, newKey, parseKeys } from './keys.js';

const serverKey = (overrides: Record<string, unknown> = {}) => ({
  id: 'wallet',
  kind: 'server',
  sha256: hashKey('secret'),
  endpoint: 'user',
  types: ['user.withdrawal'],
  ...overrides,
});

describe('collector keys', () => {
  it('finds a key by its plaintext, and nothing for any other string', () => {
    const ring = parseKeys({ keys: [serverKey()] }, 'test');
    expect(ring.find('secret')?.id).toBe('wallet');
    expect(ring.find('secret ')).toBeUndefined();
    expect(ring.find('')).toBeUndefined();
    expect(ring.find(undefined)).toBeUndefined();
  });

  it('mints keys that say what they are', () => {
    expect(newKey('server')).toMatch(/^tw_sk_[A-Za-z0-9_-]{32}$/);
    expect(newKey('browser')).toMatch(/^tw_pk_/);
  });

  it.each([
    [{ sha256: 'abc' }, 'keys.0.sha256: a SHA-256 hash'],
    [{ types: ['engine.order'] }, 'keys.0.types.0: "engine.order" is not sent to /v1/events'],
    [{ kind: 'browser', origins: ['https://app.example.com'] }, 'keys.0.types: browser keys may only send'],
    [{ kind: 'browser', types: ['user.browser_action'] }, 'keys.0.origins: required for browser keys'],
    [
      { kind: 'browser', types: ['user.browser_action'], origins: ['https://app.example.com/path'] },
      'keys.0.origins.0: an origin',
    ],
  ])('refuses a bad key entry, naming where: %j', (overrides, message) => {
    expect(() => parseKeys({ keys: [serverKey(overrides)] }, 'keys.json')).toThrow(message);
  });

  it('refuses the same key twice', () => {
    expect(() => parseKeys({ keys: [serverKey(), serverKey({ id: 'other' })] }, 'k')).toThrow(
      'duplicate key',
    );
  });
});

describe('collector config', () => {
  it('has defaults for everything but the keys file, and names bad values', () => {
    expect(loadCollectorConfig({ COLLECTOR_KEYS_FILE: 'keys.json' }).COLLECTOR_PORT).toBe(8710);
    expect(() => loadCollectorConfig({})).toThrow('COLLECTOR_KEYS_FILE=""');
    expect(() => loadCollectorConfig({ COLLECTOR_KEYS_FILE: 'k', COLLECTOR_BODY_LIMIT_BYTES: '-1' })).toThrow(
      'COLLECTOR_BODY_LIMIT_BYTES="-1"',
    );
  });
});
