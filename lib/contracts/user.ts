import { z } from 'zod';
import { envelopeShape } from './envelope.js';
import { idSchema, positiveAmountSchema } from './ids.js';
import { DAY_MS, type TopicSpec } from './topic-spec.js';

/**
 * What users do on the exchange: logins, deposits and withdrawals, API-key changes and
 * browser actions. Flat fields (ClickHouse's Kafka engine reads them as columns); checks
 * mirrored in clickhouse/migrations/0031..0034 for writers that bypass this library.
 */

export const ipSchema = z.union([z.ipv4(), z.ipv6()], { error: 'an IPv4 or IPv6 address' });
/** ISO 3166-1 alpha-2, e.g. DE. */
export const countrySchema = z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code such as DE');
/** Upper-case asset tickers as the wallet service names them, e.g. BTC, USDT. */
export const assetSchema = z.string().regex(/^[A-Z0-9]{2,20}$/, 'an upper-case asset such as BTC');
const userAgentSchema = z.string().max(512, 'at most 512 characters');
const deviceIdSchema = z.string().min(1).max(128);

export const loginOutcomes = ['success', 'bad_password', 'bad_mfa', 'locked', 'blocked'] as const;

export const userLoginSchema = z.object({
  ...envelopeShape,
  type: z.literal('user.login'),
  schema_version: z.literal(1),
  /** The account the attempt claimed, whether or not it succeeded. */
  account_id: idSchema,
  ip: ipSchema,
  user_agent: userAgentSchema,
  device_id: deviceIdSchema.optional(),
  /** Where the IP resolves, when the caller's geo lookup knows. */
  geo_country: countrySchema.optional(),
  geo_city: z.string().min(1).max(128).optional(),
  outcome: z.enum(loginOutcomes),
});
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

const transferShape = {
  ...envelopeShape,
  schema_version: z.literal(1),
  /** The wallet service's id of the transfer; each status change is a new event with the same id. */
  transfer_id: idSchema,
  account_id: idSchema,
  asset: assetSchema,
  /** The chain or network, e.g. ERC20, TRC20, when the asset lives on several. */
  network: z
    .string()
    .regex(/^[A-Z0-9_]{2,20}$/, 'an upper-case network such as ERC20')
    .optional(),
  amount: positiveAmountSchema,
  /** The destination address of a withdrawal, or the deposit address credited. */
  address: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[\x21-\x7E]+$/, 'printable ASCII without spaces'),
  /** Memo or destination tag, for chains that need one. */
  address_tag: z.string().min(1).max(64).optional(),
  tx_hash: z.string().min(1).max(128).optional(),
  status: z.enum(transferStatuses),
} as const;

export const userDepositSchema = z.object({ ...transferShape, type: z.literal('user.deposit') });
export const userWithdrawalSchema = z.object({ ...transferShape, type: z.literal('user.withdrawal') });
/** Deposits and withdrawals share a topic so one account's money movements stay in order. */
export const userFundsSchema = z.discriminatedUnion('type', [userDepositSchema, userWithdrawalSchema]);
export type UserFunds = z.infer<typeof userFundsSchema>;

export const apiKeyActions = ['created', 'permissions_changed', 'ip_allowlist_changed', 'revoked'] as const;
export const apiKeyPermissions = ['read', 'trade', 'withdraw', 'transfer'] as const;

export const userApiKeySchema = z.object({
  ...envelopeShape,
  type: z.literal('user.api_key'),
  schema_version: z.literal(1),
  account_id: idSchema,
  key_id: idSchema,
  action: z.enum(apiKeyActions),
  /** The key's permissions after the change (empty once revoked). */
  permissions: z.array(z.enum(apiKeyPermissions)).max(apiKeyPermissions.length),
  /** Where the change was made from, when known. */
  ip: ipSchema.optional(),
});
export type UserApiKey = z.infer<typeof userApiKeySchema>;

export const userBrowserActionSchema = z.object({
  ...envelopeShape,
  type: z.literal('user.browser_action'),
  schema_version: z.literal(1),
  /** The browser session; always present, even before login. */
  session_id: idSchema,
  /** Present once the user is logged in. */
  account_id: idSchema.optional(),
  /** Front ends add actions freely, so a bounded name rather than an enum: `page_view`, `copy_address`. */
  action: z.string().regex(/^[a-z][a-z0-9_.]{0,63}$/, 'a lower-case name such as page_view'),
  /** The page path, without origin or query string. */
  page: z.string().min(1).max(512),
  device_id: deviceIdSchema.optional(),
  user_agent: userAgentSchema.optional(),
});
export type UserBrowserAction = z.infer<typeof userBrowserActionSchema>;

/**
 * The user family's topics, keyed by account so one account's events stay in order on
 * one partition. Browser actions before login have no account; they are keyed by session.
 */
export const userTopics = {
  userLogins: {
    name: 'user.logins',
    schema: userLoginSchema,
    key: (login: UserLogin) => login.account_id,
    partitions: 6,
    // A week: replay into ClickHouse after an outage; the facts keep 30 days.
    retentionMs: 7 * DAY_MS,
  } satisfies TopicSpec<UserLogin>,
  userFunds: {
    name: 'user.funds',
    schema: userFundsSchema,
    key: (transfer: UserFunds) => transfer.account_id,
    partitions: 6,
    retentionMs: 7 * DAY_MS,
  } satisfies TopicSpec<UserFunds>,
  userApiKeys: {
    name: 'user.api_keys',
    schema: userApiKeySchema,
    key: (change: UserApiKey) => change.account_id,
    partitions: 6,
    retentionMs: 7 * DAY_MS,
  } satisfies TopicSpec<UserApiKey>,
  userBrowser: {
    name: 'user.browser',
    schema: userBrowserActionSchema,
    key: (action: UserBrowserAction) => action.account_id ?? `session:${action.session_id}`,
    partitions: 6,
    // Browser beacons are high-volume and low-value once stored: three days is replay enough.
    retentionMs: 3 * DAY_MS,
  } satisfies TopicSpec<UserBrowserAction>,
} as const;
