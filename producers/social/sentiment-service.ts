import { topics } from '../../lib/contracts/topics.js';
import type { EventProducer } from '../../lib/kafka/producer.js';
import type { Logger } from '../../lib/log.js';
import type { SentimentConfig } from './config.js';
import { RecentKeys } from './dedupe.js';
import type { SourceBatch } from './item.js';
import { buildMentions } from './mention-builder.js';
import { createMentionExtractor, loadSynonyms } from './mentions.js';
import { FallbackScorer } from './scorers/fallback.js';
import { LexiconScorer } from './scorers/lexicon.js';
import type { Scorer } from './scorers/scorer.js';
import { parseFeed } from './sources/feed.js';
import { fetchText } from './sources/http.js';
import { parseJsonItems } from './sources/json-items.js';
import { readReplayFile } from './sources/replay.js';

export interface PollReport {
  items: number;
  duplicates: number;
  withoutTokens: number;
  produced: number;
  rejected: number;
  problems: string[];
}

export interface SentimentTotals extends Omit<PollReport, 'problems'> {
  polls: number;
  lastPollAt: number;
}

/** The lexicon alone, or the LLM endpoint with the lexicon behind it. */
export function createScorer(
  config: SentimentConfig,
  log: Logger,
): Scorer & { stats?: FallbackScorer['stats'] } {
  const lexicon = new LexiconScorer();
  if (config.SENTIMENT_LLM_BASE_URL === '') return lexicon;
  return new FallbackScorer(
    {
      baseUrl: config.SENTIMENT_LLM_BASE_URL,
      model: config.SENTIMENT_LLM_MODEL,
      apiKey: config.SENTIMENT_LLM_API_KEY || undefined,
      timeoutMs: config.SENTIMENT_LLM_TIMEOUT_MS,
      maxRetries: config.SENTIMENT_LLM_MAX_RETRIES,
      retryBaseMs: config.SENTIMENT_LLM_RETRY_BASE_MS,
      retryMaxMs: config.SENTIMENT_LLM_RETRY_MAX_MS,
      batchSize: config.SENTIMENT_LLM_BATCH_SIZE,
      budgetRequestsPerHour: config.SENTIMENT_LLM_BUDGET_REQUESTS_PER_HOUR,
      cooldownMs: config.SENTIMENT_LLM_COOLDOWN_MS,
    },
    lexicon,
    log.child({ module: 'scorer' }),
  );
}

/**
 * Sources → mentions → social.mentions. `pollOnce` reads every configured source once
 * (the replay file only on the first poll), so the entry point owns the schedule and a
 * test can drive one poll at a time.
 */
export class SentimentService {
  readonly #config: SentimentConfig;
  readonly #producer: EventProducer;
  readonly #log: Logger;
  readonly #extract;
  readonly #recent;
  readonly scorer: ReturnType<typeof createScorer>;
  #replayed = false;
  readonly totals: SentimentTotals = {
    polls: 0,
    lastPollAt: 0,
    items: 0,
    duplicates: 0,
    withoutTokens: 0,
    produced: 0,
    rejected: 0,
  };

  constructor(config: SentimentConfig, producer: EventProducer, log: Logger) {
    this.#config = config;
    this.#producer = producer;
    this.#log = log;
    this.#extract = createMentionExtractor(loadSynonyms(config.SENTIMENT_SYNONYMS_FILE));
    this.#recent = new RecentKeys(config.SENTIMENT_DEDUPE_MAX_ENTRIES);
    this.scorer = createScorer(config, log);
  }

  async pollOnce(): Promise<PollReport> {
    const batches = await this.#readSources();
    const items = batches.flatMap((b) => b.items);
    const problems = batches.flatMap((b) => b.problems);
    const built = await buildMentions(items, {
      extract: this.#extract,
      scorer: this.scorer,
      recent: this.#recent,
      source: this.#config.SENTIMENT_SOURCE,
    });
    const outcome =
      built.mentions.length > 0
        ? await this.#producer.produce(topics.socialMentions, built.mentions)
        : { accepted: 0, rejected: [] };
    const report: PollReport = {
      items: items.length,
      duplicates: built.duplicates,
      withoutTokens: built.withoutTokens,
      produced: outcome.accepted,
      rejected: outcome.rejected.length,
      problems,
    };
    for (const problem of problems) this.#log.warn({ problem }, 'source item skipped');
    for (const r of outcome.rejected) this.#log.warn({ reason: r.reason }, 'mention refused by the contract');
    this.totals.polls += 1;
    this.totals.lastPollAt = Date.now();
    for (const key of ['items', 'duplicates', 'withoutTokens', 'produced', 'rejected'] as const) {
      this.totals[key] += report[key];
    }
    return report;
  }

  async #readSources(): Promise<SourceBatch[]> {
    const c = this.#config;
    const fetchedAt = Date.now();
    const reads: Array<Promise<SourceBatch>> = [
      ...c.SENTIMENT_RSS_URLS.map(async (url) => {
        const got = await fetchText(
          url,
          c.SENTIMENT_FETCH_TIMEOUT_MS,
          'application/rss+xml, application/atom+xml, */*',
        );
        return got.ok
          ? parseFeed(got.body, sourceNameOf(url), fetchedAt)
          : { items: [], problems: [got.reason] };
      }),
      ...c.SENTIMENT_JSON_URLS.map(async (url) => {
        const got = await fetchText(url, c.SENTIMENT_FETCH_TIMEOUT_MS, 'application/json');
        return got.ok
          ? parseJsonItems(got.body, sourceNameOf(url), fetchedAt)
          : { items: [], problems: [got.reason] };
      }),
    ];
    if (c.SENTIMENT_REPLAY_FILE !== '' && !this.#replayed) {
      this.#replayed = true;
      reads.push(
        readReplayFile(c.SENTIMENT_REPLAY_FILE, 'replay', fetchedAt).catch((err: unknown) => ({
          items: [],
          problems: [`${c.SENTIMENT_REPLAY_FILE}: ${String(err)}`],
        })),
      );
    }
    return Promise.all(reads);
  }
}

/** A feed's host names the outlet well enough (`www.coindesk.com` → `coindesk.com`). */
export function sourceNameOf(url: string): string {
  return new URL(url).host.replace(/^www\./, '').slice(0, 64);
}
