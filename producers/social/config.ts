import { z } from 'zod';
import { env, loadEnv, secret } from '../../lib/config/env.js';

/**
 * The sentiment producer's own settings (Kafka and ClickHouse come from lib/config): one
 * schema, one defaults object, units in names, validated once at start-up.
 */
export const sentimentDefaults = {
  SENTIMENT_RSS_URLS: '',
  SENTIMENT_JSON_URLS: '',
  SENTIMENT_REPLAY_FILE: '',
  SENTIMENT_POLL_INTERVAL_MS: 60_000,
  SENTIMENT_FETCH_TIMEOUT_MS: 10_000,
  SENTIMENT_SYNONYMS_FILE: new URL('./synonyms.json', import.meta.url).pathname,
  SENTIMENT_DEDUPE_MAX_ENTRIES: 100_000,
  SENTIMENT_SOURCE: 'sentiment',
  SENTIMENT_LLM_BASE_URL: '',
  SENTIMENT_LLM_MODEL: 'gpt-4o-mini',
  SENTIMENT_LLM_API_KEY: '',
  SENTIMENT_LLM_TIMEOUT_MS: 15_000,
  SENTIMENT_LLM_BATCH_SIZE: 20,
  SENTIMENT_LLM_MAX_RETRIES: 3,
  SENTIMENT_LLM_RETRY_BASE_MS: 500,
  SENTIMENT_LLM_RETRY_MAX_MS: 10_000,
  SENTIMENT_LLM_BUDGET_REQUESTS_PER_HOUR: 600,
  SENTIMENT_LLM_COOLDOWN_MS: 60_000,
  SENTIMENT_OPS_PORT: 9464,
} as const;

const urlList = env.list(z.url({ protocol: /^https?$/ }));
const positiveInt = env.positiveInt();
const nonNegativeInt = env.nonNegativeInt();

export const sentimentConfigSchema = z.object({
  /** RSS 2.0 or Atom feeds, comma-separated. */
  SENTIMENT_RSS_URLS: urlList.default([]),
  /** Generic JSON sources (an array of items, or one under items/data/articles/results/posts). */
  SENTIMENT_JSON_URLS: urlList.default([]),
  /** A JSON-lines file of items, read once at start (replay/demo). */
  SENTIMENT_REPLAY_FILE: z.string().default(sentimentDefaults.SENTIMENT_REPLAY_FILE),
  SENTIMENT_POLL_INTERVAL_MS: positiveInt.default(sentimentDefaults.SENTIMENT_POLL_INTERVAL_MS),
  SENTIMENT_FETCH_TIMEOUT_MS: positiveInt.default(sentimentDefaults.SENTIMENT_FETCH_TIMEOUT_MS),
  SENTIMENT_SYNONYMS_FILE: z.string().min(1).default(sentimentDefaults.SENTIMENT_SYNONYMS_FILE),
  /** URLs and content hashes remembered for de-duplication (two keys per item). */
  SENTIMENT_DEDUPE_MAX_ENTRIES: positiveInt.default(sentimentDefaults.SENTIMENT_DEDUPE_MAX_ENTRIES),
  /** The envelope's `source`: which producer instance emitted the events. */
  SENTIMENT_SOURCE: z.string().min(1).max(64).default(sentimentDefaults.SENTIMENT_SOURCE),
  /** An OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1; empty = lexicon only. */
  SENTIMENT_LLM_BASE_URL: z
    .union([z.literal(''), z.url({ protocol: /^https?$/ })])
    .default(sentimentDefaults.SENTIMENT_LLM_BASE_URL),
  SENTIMENT_LLM_MODEL: z.string().min(1).max(128).default(sentimentDefaults.SENTIMENT_LLM_MODEL),
  /** A secret: or SENTIMENT_LLM_API_KEY_FILE, the path of a file holding it. */
  SENTIMENT_LLM_API_KEY: secret(z.string().default(sentimentDefaults.SENTIMENT_LLM_API_KEY)),
  SENTIMENT_LLM_TIMEOUT_MS: positiveInt.default(sentimentDefaults.SENTIMENT_LLM_TIMEOUT_MS),
  /** Texts per chat-completions request. */
  SENTIMENT_LLM_BATCH_SIZE: positiveInt.max(200).default(sentimentDefaults.SENTIMENT_LLM_BATCH_SIZE),
  SENTIMENT_LLM_MAX_RETRIES: nonNegativeInt.max(10).default(sentimentDefaults.SENTIMENT_LLM_MAX_RETRIES),
  SENTIMENT_LLM_RETRY_BASE_MS: positiveInt.default(sentimentDefaults.SENTIMENT_LLM_RETRY_BASE_MS),
  SENTIMENT_LLM_RETRY_MAX_MS: positiveInt.default(sentimentDefaults.SENTIMENT_LLM_RETRY_MAX_MS),
  /** Requests (retries included) allowed in any rolling hour; beyond it, the lexicon scores. */
  SENTIMENT_LLM_BUDGET_REQUESTS_PER_HOUR: positiveInt.default(
    sentimentDefaults.SENTIMENT_LLM_BUDGET_REQUESTS_PER_HOUR,
  ),
  SENTIMENT_LLM_COOLDOWN_MS: nonNegativeInt.default(sentimentDefaults.SENTIMENT_LLM_COOLDOWN_MS),
  /** /healthz and /metrics; 0 picks a free port. */
  SENTIMENT_OPS_PORT: env.port().default(sentimentDefaults.SENTIMENT_OPS_PORT),
});

export type SentimentConfig = Readonly<z.infer<typeof sentimentConfigSchema>>;

/** Validates the SENTIMENT_* keys of `env`; errors name the key, the value and what was expected. */
export function loadSentimentConfig(
  given: Record<string, string | undefined> = process.env,
): SentimentConfig {
  return loadEnv(sentimentConfigSchema, 'sentiment configuration', given);
}
