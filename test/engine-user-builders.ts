import type { EngineExecution, EngineOrder } from '../lib/contracts/engine.js';
import { newEventId } from '../lib/contracts/envelope.js';
import type { UserApiKey, UserBrowserAction, UserFunds, UserLogin } from '../lib/contracts/user.js';

/**
 * Valid engine and user events with partial overrides: a test states only the fields it
 * is about. Each call gets a fresh event_id.
 */
const envelope = (now = Date.now()) => ({
  event_id: newEventId(now),
  source: 'test',
  occurred_at: now - 5,
  produced_at: now,
  schema_version: 1 as const,
});

export const anOrder = (overrides: Partial<EngineOrder> = {}): EngineOrder => ({
  ...envelope(),
  type: 'engine.order',
  event: 'new',
  order_id: 'o-1',
  account_id: 'acc-1',
  symbol: 'BTCUSDT',
  side: 'buy',
  order_type: 'limit',
  time_in_force: 'gtc',
  price: 65_000.5,
  quantity: 0.25,
  filled_quantity: 0,
  ...overrides,
});

export const anExecution = (overrides: Partial<EngineExecution> = {}): EngineExecution => ({
  ...envelope(),
  type: 'engine.execution',
  trade_id: 't-1',
  symbol: 'BTCUSDT',
  price: 65_000.5,
  quantity: 0.1,
  aggressor_side: 'sell',
  maker_account_id: 'acc-1',
  maker_order_id: 'o-1',
  taker_account_id: 'acc-2',
  taker_order_id: 'o-2',
  ...overrides,
});

export const aLogin = (overrides: Partial<UserLogin> = {}): UserLogin => ({
  ...envelope(),
  type: 'user.login',
  account_id: 'acc-1',
  ip: '203.0.113.7',
  user_agent: 'Mozilla/5.0',
  device_id: 'dev-1',
  geo_country: 'DE',
  outcome: 'success',
  ...overrides,
});

export const aWithdrawal = (overrides: Partial<UserFunds> = {}): UserFunds =>
  ({
    ...envelope(),
    type: 'user.withdrawal',
    transfer_id: 'w-1',
    account_id: 'acc-1',
    asset: 'USDT',
    network: 'TRC20',
    amount: 1250.5,
    address: 'TXyz1234567890abcdef',
    status: 'requested',
    ...overrides,
  }) as UserFunds;

export const aDeposit = (overrides: Partial<UserFunds> = {}): UserFunds =>
  aWithdrawal({ type: 'user.deposit', transfer_id: 'd-1', status: 'completed', ...overrides });

export const anApiKeyChange = (overrides: Partial<UserApiKey> = {}): UserApiKey => ({
  ...envelope(),
  type: 'user.api_key',
  account_id: 'acc-1',
  key_id: 'k-1',
  action: 'created',
  permissions: ['read', 'trade'],
  ...overrides,
});

export const aBrowserAction = (overrides: Partial<UserBrowserAction> = {}): UserBrowserAction => ({
  ...envelope(),
  type: 'user.browser_action',
  session_id: 's-1',
  account_id: 'acc-1',
  action: 'page_view',
  page: '/wallet/withdraw',
  ...overrides,
});
