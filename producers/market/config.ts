import { z } from 'zod';
import { configError, describeIssues, env, pickEnv } from '../../lib/config/env.js';
import type { VenueDefinition } from './venue.js';
import { venues } from './venues/index.js';

/**
 * The market connector's settings (environment variables; the shared ones are in
 * lib/config/config.ts). One schema, one defaults object, validated once and frozen.
 * Venue endpoints are `MARKET_<VENUE>_WS_URL` / `MARKET_<VENUE>_REST_URL`, defaulting to the
 * venue's public production endpoints, so a new venue needs no change here.
 */
export const marketDefaults = {
  MARKET_VENUES: 'binance,bybit',
  MARKET_SYMBOLS: 'BTCUSDT,ETHUSDT',
  MARKET_STALE_FEED_MS: 15_000,
  MARKET_RECONNECT_BASE_MS: 1_000,
  MARKET_RECONNECT_MAX_MS: 60_000,
  // An hour inside the venues' 24-hour limit: the handover has time to retry.
  MARKET_PLANNED_RECONNECT_MS: 23 * 3_600_000,
  MARKET_HANDSHAKE_TIMEOUT_MS: 10_000,
  MARKET_BUFFER_MAX_EVENTS: 100_000,
  MARKET_BATCH_MAX_EVENTS: 5_000,
  MARKET_DEPTH_SNAPSHOT_LIMIT: 1000,
  // Venues update open interest every few seconds; 10 s is 2 symbols × 3 venues well inside every REST limit.
  MARKET_OPEN_INTEREST_INTERVAL_MS: 10_000,
  MARKET_OPS_PORT: 9464,
} as const;

const list = (what: string, pattern: RegExp) =>
  env.list(z.string().regex(pattern, what)).pipe(z.array(z.string()).min(1, `at least one ${what}`));

const positiveInt = env.positiveInt();

export const marketConfigSchema = z
  .object({
    MARKET_VENUES: list(`a venue id (one of: ${Object.keys(venues).join(', ')})`, /^[a-z0-9-]+$/)
      .refine(
        (ids) => ids.every((id) => id in venues),
        `each venue must be one of: ${Object.keys(venues).join(', ')}`,
      )
      .default(marketDefaults.MARKET_VENUES.split(',')),
    MARKET_SYMBOLS: list('an upper-case symbol such as BTCUSDT', /^[A-Z0-9]{2,30}$/).default(
      marketDefaults.MARKET_SYMBOLS.split(','),
    ),
    /** A watched stream silent this long is reported and its connection replaced. */
    MARKET_STALE_FEED_MS: positiveInt.default(marketDefaults.MARKET_STALE_FEED_MS),
    MARKET_RECONNECT_BASE_MS: positiveInt.default(marketDefaults.MARKET_RECONNECT_BASE_MS),
    MARKET_RECONNECT_MAX_MS: positiveInt.default(marketDefaults.MARKET_RECONNECT_MAX_MS),
    /** Age at which a connection hands over to a fresh one, before the venue cuts it. */
    MARKET_PLANNED_RECONNECT_MS: positiveInt.default(marketDefaults.MARKET_PLANNED_RECONNECT_MS),
    MARKET_HANDSHAKE_TIMEOUT_MS: positiveInt.default(marketDefaults.MARKET_HANDSHAKE_TIMEOUT_MS),
    /** Events held for Kafka at most; beyond it new events are dropped, counted and reported. */
    MARKET_BUFFER_MAX_EVENTS: z.coerce
      .number()
      .int()
      .min(2000)
      .default(marketDefaults.MARKET_BUFFER_MAX_EVENTS),
    MARKET_BATCH_MAX_EVENTS: positiveInt.default(marketDefaults.MARKET_BATCH_MAX_EVENTS),
    /** Levels per side asked of a REST book snapshot (Binance allows 5…1000). */
    MARKET_DEPTH_SNAPSHOT_LIMIT: z.coerce
      .number()
      .int()
      .min(5)
      .max(1000)
      .default(marketDefaults.MARKET_DEPTH_SNAPSHOT_LIMIT),
    /** How often each venue's open-interest endpoint is polled per symbol; 0 turns polling off. */
    MARKET_OPEN_INTEREST_INTERVAL_MS: z.coerce
      .number()
      .int()
      .refine((ms) => ms === 0 || ms >= 1_000, 'must be 0 (off) or at least 1000 ms')
      .default(marketDefaults.MARKET_OPEN_INTEREST_INTERVAL_MS),
    /** /healthz and /metrics; 0 picks a free port. */
    MARKET_OPS_PORT: env.port().default(marketDefaults.MARKET_OPS_PORT),
  })
  .refine((c) => c.MARKET_RECONNECT_BASE_MS <= c.MARKET_RECONNECT_MAX_MS, {
    path: ['MARKET_RECONNECT_BASE_MS'],
    message: 'must not exceed MARKET_RECONNECT_MAX_MS',
  });

export type MarketConfig = Readonly<z.infer<typeof marketConfigSchema>> & {
  readonly endpoints: Readonly<Record<string, { wsUrl: string; restUrl: string }>>;
};

const urlSchema = z.url({ protocol: /^(wss?|https?)$/ });

/**
 * Reads and validates the connector settings; a bad value fails with every offending key,
 * the value given and what was expected, including venue limits (streams per connection,
 * connection age) that the symbol list or timings would break.
 */
export function loadMarketConfig(given: Record<string, string | undefined> = process.env): MarketConfig {
  // Not loadEnv alone: the venue endpoints' names depend on MARKET_VENUES, and the venue
  // limits are checked against the parsed values; the reading and the errors are the same.
  const known = pickEnv(marketConfigSchema, given);
  const parsed = marketConfigSchema.safeParse(known);
  const problems: string[] = [];
  if (!parsed.success) fail(describeIssues(marketConfigSchema, parsed.error, known));
  const config = parsed.data as z.infer<typeof marketConfigSchema>;
  const endpoints: Record<string, { wsUrl: string; restUrl: string }> = {};
  for (const id of config.MARKET_VENUES) {
    const venue = venues[id] as VenueDefinition;
    const prefix = `MARKET_${id.toUpperCase().replaceAll('-', '_')}`;
    const wsUrl = given[`${prefix}_WS_URL`] || venue.defaultWsUrl;
    const restUrl = given[`${prefix}_REST_URL`] || venue.defaultRestUrl;
    for (const [key, value] of [
      [`${prefix}_WS_URL`, wsUrl],
      [`${prefix}_REST_URL`, restUrl],
    ] as const) {
      if (!urlSchema.safeParse(value).success)
        problems.push(`${key}=${JSON.stringify(value)}: a ws(s):// or http(s):// URL`);
    }
    endpoints[id] = { wsUrl: wsUrl.replace(/\/$/, ''), restUrl: restUrl.replace(/\/$/, '') };
    const streams = venue.streamCount(config.MARKET_SYMBOLS);
    if (streams > venue.limits.maxStreamsPerConnection) {
      problems.push(
        `MARKET_SYMBOLS=${JSON.stringify(config.MARKET_SYMBOLS.join(','))}: ${id} needs ${streams} streams, ` +
          `more than the ${venue.limits.maxStreamsPerConnection} one connection may carry`,
      );
    }
    if (config.MARKET_PLANNED_RECONNECT_MS >= venue.limits.maxConnectionAgeMs) {
      problems.push(
        `MARKET_PLANNED_RECONNECT_MS=${config.MARKET_PLANNED_RECONNECT_MS}: must be below ${id}'s connection age limit of ${venue.limits.maxConnectionAgeMs} ms`,
      );
    }
  }
  if (problems.length > 0) fail(problems);
  return Object.freeze({ ...config, endpoints: Object.freeze(endpoints) });
}

function fail(problems: string[]): never {
  throw configError('market connector configuration', problems);
}
