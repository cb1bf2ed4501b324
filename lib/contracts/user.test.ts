import { describe, expect, it } from 'vitest';
import {
  aBrowserAction,
  aDeposit,
  aLogin,
  anApiKeyChange,
  aWithdrawal,
} from '../../test/engine-user-builders.js';
import type { TopicSpec } from './topic-spec.js';
import { userTopics } from './user.js';
import { validate } from './validate.js';

const reasonFor = (spec: TopicSpec<unknown>, input: unknown) => {
  const result = validate(spec.schema, input);
  return result.ok ? 'ok' : result.reason;
};
// Widened to TopicSpec<unknown>: the tests feed each contract deliberately wrong input.
const { userLogins, userFunds, userApiKeys, userBrowser } = userTopics as unknown as Record<
  'userLogins' | 'userFunds' | 'userApiKeys' | 'userBrowser',
  TopicSpec<unknown>
>;

describe('user contracts', () => {
  it('accept valid events of every type', () => {
    expect(reasonFor(userLogins, aLogin())).toBe('ok');
    expect(reasonFor(userLogins, aLogin({ ip: '2001:db8::1', device_id: undefined }))).toBe('ok');
    expect(reasonFor(userFunds, aWithdrawal())).toBe('ok');
    expect(reasonFor(userFunds, aDeposit())).toBe('ok');
    expect(reasonFor(userApiKeys, anApiKeyChange({ permissions: [] }))).toBe('ok');
    expect(reasonFor(userBrowser, aBrowserAction({ account_id: undefined }))).toBe('ok');
  });

  it.each([
    ['ip', { ip: '999.1.1.1' }],
    ['outcome', { outcome: 'maybe' }],
    ['geo_country', { geo_country: 'Germany' }],
    ['account_id', { account_id: 42 }],
    ['user_agent', { user_agent: 'x'.repeat(513) }],
    ['event_id', { event_id: 'not-a-ulid' }],
  ])('login: refuses a bad %s, naming it', (field, override) => {
    expect(reasonFor(userLogins, { ...aLogin(), ...override })).toMatch(new RegExp(`^${field}: `));
  });

  it.each([
    ['amount', { amount: 0 }],
    ['amount', { amount: '100' }],
    ['asset', { asset: 'usdt' }],
    ['address', { address: 'has spaces in it' }],
    ['status', { status: 'lost' }],
    ['type', { type: 'user.transfer' }],
  ])('funds: refuses a bad %s, naming it', (field, override) => {
    expect(reasonFor(userFunds, { ...aWithdrawal(), ...override })).toMatch(new RegExp(`^${field}: `));
  });

  it.each([
    ['action', { action: 'stolen' }],
    ['permissions.0', { permissions: ['admin'] }],
    ['key_id', { key_id: '' }],
  ])('api key: refuses a bad %s, naming it', (field, override) => {
    expect(reasonFor(userApiKeys, { ...anApiKeyChange(), ...override })).toMatch(
      new RegExp(`^${field.replace('.', '\\.')}: `),
    );
  });

  it.each([
    ['action', { action: 'Page View' }],
    ['page', { page: '' }],
    ['session_id', { session_id: undefined }],
  ])('browser: refuses a bad %s, naming it', (field, override) => {
    expect(reasonFor(userBrowser, { ...aBrowserAction(), ...override })).toMatch(new RegExp(`^${field}: `));
  });

  it('keys by account, and browser actions before login by session', () => {
    expect(userTopics.userFunds.key(aWithdrawal({ account_id: 'acc-9' }))).toBe('acc-9');
    expect(userTopics.userBrowser.key(aBrowserAction({ account_id: undefined, session_id: 's-5' }))).toBe(
      'session:s-5',
    );
  });
});
