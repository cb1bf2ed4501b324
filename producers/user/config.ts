import { z } from 'zod';
import { env, loadEnv } from '../../lib/config/env.js';

/**
 * The collector's own settings, beside the platform's (lib/config/config.ts): one schema,
 * one defaults object, validated once at start-up and frozen; units in the names.
 */
export const collectorDefaults = {
  COLLECTOR_HOST: '127.0.0.1',
  COLLECTOR_PORT: 8710,
  COLLECTOR_BODY_LIMIT_BYTES: 1_048_576,
  COLLECTOR_BATCH_MAX_EVENTS: 1000,
  COLLECTOR_RATE_LIMIT_MAX_REQUESTS: 200,
  COLLECTOR_RATE_LIMIT_WINDOW_MS: 1000,
  COLLECTOR_SHUTDOWN_GRACE_MS: 15_000,
  COLLECTOR_SIGNATURE_WINDOW_S: 300,
  COLLECTOR_REQUEST_TIMEOUT_MS: 10_000,
  COLLECTOR_HEADERS_TIMEOUT_MS: 5_000,
  COLLECTOR_CONNECTION_TIMEOUT_MS: 30_000,
  COLLECTOR_MAX_CONNECTIONS: 1024,
} as const;

const positiveInt = env.positiveInt();

export const collectorConfigSchema = z.object({
  /** Where the HTTP server listens; loopback unless a proxy in front needs otherwise. */
  COLLECTOR_HOST: z.string().min(1).default(collectorDefaults.COLLECTOR_HOST),
  /** 0 picks a free port (tests, benchmarks). */
  COLLECTOR_PORT: env.port().default(collectorDefaults.COLLECTOR_PORT),
  /** JSON file with the API keys (hashed) and their scopes; see docs/collector.md. */
  COLLECTOR_KEYS_FILE: z.string().min(1, 'a path to the keys file'),
  /** A larger request body is refused with 413 before it is read in full. */
  COLLECTOR_BODY_LIMIT_BYTES: positiveInt.default(collectorDefaults.COLLECTOR_BODY_LIMIT_BYTES),
  /** At most this many events per request. */
  COLLECTOR_BATCH_MAX_EVENTS: positiveInt.default(collectorDefaults.COLLECTOR_BATCH_MAX_EVENTS),
  /** Requests one key may make per window (a key may set its own); beyond it, 429 + Retry-After. */
  COLLECTOR_RATE_LIMIT_MAX_REQUESTS: positiveInt.default(collectorDefaults.COLLECTOR_RATE_LIMIT_MAX_REQUESTS),
  COLLECTOR_RATE_LIMIT_WINDOW_MS: positiveInt.default(collectorDefaults.COLLECTOR_RATE_LIMIT_WINDOW_MS),
  /** How long SIGTERM waits for requests in flight and Kafka acknowledgements. */
  COLLECTOR_SHUTDOWN_GRACE_MS: positiveInt.default(collectorDefaults.COLLECTOR_SHUTDOWN_GRACE_MS),
  /** Signed requests: how far X-Tradewatch-Timestamp may be from now, either way (replay window). */
  COLLECTOR_SIGNATURE_WINDOW_S: positiveInt.max(3600).default(collectorDefaults.COLLECTOR_SIGNATURE_WINDOW_S),
  /** A request's headers and body must both arrive within this; else 408 and the socket closes. */
  COLLECTOR_REQUEST_TIMEOUT_MS: positiveInt.default(collectorDefaults.COLLECTOR_REQUEST_TIMEOUT_MS),
  /** The headers alone must arrive within this. */
  COLLECTOR_HEADERS_TIMEOUT_MS: positiveInt.default(collectorDefaults.COLLECTOR_HEADERS_TIMEOUT_MS),
  /** A socket with no traffic at all is closed after this. */
  COLLECTOR_CONNECTION_TIMEOUT_MS: positiveInt.default(collectorDefaults.COLLECTOR_CONNECTION_TIMEOUT_MS),
  /** Connections beyond this are closed on arrival (a proxy in front should cap lower). */
  COLLECTOR_MAX_CONNECTIONS: positiveInt.default(collectorDefaults.COLLECTOR_MAX_CONNECTIONS),
});

export type CollectorConfig = Readonly<z.infer<typeof collectorConfigSchema>>;

/** Reads the collector's keys from `env`; a bad value fails naming the key, value and expectation. */
export function loadCollectorConfig(
  given: Record<string, string | undefined> = process.env,
): CollectorConfig {
  return loadEnv(collectorConfigSchema, 'collector configuration', given);
}
