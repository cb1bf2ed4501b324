import { z } from 'zod';
import { contract, shapeOf } from './contract.js';
import { envelopeFields } from './envelope.js';
import { id, ip, list, oneOf, optional, orEmpty, pattern, positive, text } from './fields.js';
import { DAY_MS, storedTopic } from './topic-spec.js';

/**
 * What users do on the exchange: logins, deposits and withdrawals, API-key changes and
 * browser actions. Flat fields (ClickHouse's Kafka engine reads them as columns); the
 * warehouse derives its checks from the same fields for writers that bypass this library.
 */

export const ipSchema = ip().zod;
/** ISO 3166-1 alpha-2, e.g. DE. */
const country = () => pattern(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code such as DE is required');
export const countrySchema = country().zod;
/** Upper-case asset tickers as the wallet service names them, e.g. BTC, USDT. */
export const asset = () => pattern(/^[A-Z0-9]{2,20}$/, 'an upper-case asset such as BTC is required');
export const assetSchema = asset().zod;
const userAgent = () => text(0, 512);
const deviceId = () => text(1, 128);

export const loginOutcomes = ['success', 'bad_password', 'bad_mfa', 'locked', 'blocked'] as const;

export const userLoginContract = contract({
  ...envelopeFields('user.login'),
  /** The account the attempt claimed, whether or not it succeeded. */
  account_id: id(),
  ip: ip(),
  user_agent: userAgent(),
  device_id: orEmpty(deviceId()),
  /** Where the IP resolves, when the caller's geo lookup knows. */
  geo_country: orEmpty(country()),
  geo_city: orEmpty(text(1, 128)),
  outcome: oneOf(loginOutcomes),
});
export const userLoginSchema = userLoginContract.schema;
export type UserLogin = z.infer<typeof userLoginSchema>;

/** One status list for both directions: a deposit goes pending → completed (or failed). */
export const transferStatuses = [
  'requested',
  'pending',
  'approved',
  'sent',
  'completed',
  'failed',
  'cancelled',
  'rejected',
] as const;

const transferFields = {
  ...envelopeFields('user.deposit'),
  /** The wallet service's id of the transfer; each status change is a new event with the same id. */
  transfer_id: id(),
  account_id: id(),
  asset: asset(),
  /** The chain or network, e.g. ERC20, TRC20, when the asset lives on several. */
  network: orEmpty(pattern(/^[A-Z0-9_]{2,20}$/, 'an upper-case network such as ERC20 is required')),
  amount: positive(),
  /** The destination address of a withdrawal, or the deposit address credited. */
  address: id(128),
  /** Memo or destination tag, for chains that need one. */
  address_tag: orEmpty(text(1, 64)),
  tx_hash: orEmpty(text(1, 128)),
  status: oneOf(transferStatuses),
};

/** Deposits and withdrawals share a topic so one account's money movements stay in order. */
export const transferTypes = ['user.deposit', 'user.withdrawal'] as const;
const { type: _deposit, ...transferBody } = transferFields;
export const userDepositSchema = z.object({ ...shapeOf(transferBody), type: z.literal('user.deposit') });
export const userWithdrawalSchema = z.object({
  ...shapeOf(transferBody),
  type: z.literal('user.withdrawal'),
});
export const userFundsSchema = z.discriminatedUnion('type', [userDepositSchema, userWithdrawalSchema]);
/** The warehouse reads both types through one queue: `type` is one of the two. */
export const userFundsContract = {
  fields: { ...transferFields, type: oneOf(transferTypes) },
  rules: [],
  schema: userFundsSchema,
};
export type UserFunds = z.infer<typeof userFundsSchema>;

export const apiKeyActions = ['created', 'permissions_changed', 'ip_allowlist_changed', 'revoked'] as const;
export const apiKeyPermissions = ['read', 'trade', 'withdraw', 'transfer'] as const;

export const userApiKeyContract = contract({
  ...envelopeFields('user.api_key'),
  account_id: id(),
  key_id: id(),
  action: oneOf(apiKeyActions),
  /** The key's permissions after the change (empty once revoked). */
  permissions: list(oneOf(apiKeyPermissions), 0, apiKeyPermissions.length),
  /** Where the change was made from, when known. */
  ip: optional(ip()),
});
export const userApiKeySchema = userApiKeyContract.schema;
export type UserApiKey = z.infer<typeof userApiKeySchema>;

export const userBrowserActionContract = contract({
  ...envelopeFields('user.browser_action'),
  /** The browser session; always present, even before login. */
  session_id: id(),
  /** Present once the user is logged in. */
  account_id: orEmpty(id()),
  /** Front ends add actions freely, so a bounded name rather than an enum: `page_view`, `copy_address`. */
  action: pattern(/^[a-z][a-z0-9_.]{0,63}$/, 'a lower-case name such as page_view is required'),
  /** The page path, without origin or query string. */
  page: text(1, 512),
  device_id: orEmpty(deviceId()),
  user_agent: orEmpty(userAgent()),
});
export const userBrowserActionSchema = userBrowserActionContract.schema;
export type UserBrowserAction = z.infer<typeof userBrowserActionSchema>;

/**
 * The user family's topics, keyed by account so one account's events stay in order on
 * one partition. Browser actions before login have no account; they are keyed by session.
 */
export const userTopics = {
  // A week: replay into ClickHouse after an outage; the facts keep 30 days.
  userLogins: storedTopic('user.logins', userLoginContract, (login) => login.account_id, 6, 7 * DAY_MS),
  userFunds: storedTopic('user.funds', userFundsContract, (transfer) => transfer.account_id, 6, 7 * DAY_MS),
  userApiKeys: storedTopic('user.api_keys', userApiKeyContract, (change) => change.account_id, 6, 7 * DAY_MS),
  // Browser beacons are high-volume and low-value once stored: three days is replay enough.
  userBrowser: storedTopic(
    'user.browser',
    userBrowserActionContract,
    (action) => action.account_id ?? `session:${action.session_id}`,
    6,
    3 * DAY_MS,
  ),
} as const;
