import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryNumber, queryRows } from '../../lib/clickhouse/client.js';
import { EventProducer } from '../../lib/kafka/producer.js';
import {
  type ChatBehaviour,
  type LoopbackServer,
  startChatCompletionsServer,
  startDocumentServer,
} from '../../test/loopback-servers.js';
import { type Pipeline, startPipeline, testLog } from '../../test/pipeline-fixture.js';
import { loadSentimentConfig } from './config.js';
import type { FallbackScorer } from './scorers/fallback.js';
import { LEXICON_MODEL } from './scorers/lexicon.js';
import { SentimentService } from './sentiment-service.js';

/** An RSS document with one item per [title, link, description]. */
function rss(items: Array<[string, string, string]>): string {
  const entries = items
    .map(
      ([title, link, description]) =>
        `<item><title>${title}</title><link>${link}</link><description><![CDATA[${description}]]></description>` +
        `<pubDate>${new Date(Date.now() - 60_000).toUTCString()}</pubDate></item>`,
    )
    .join('');
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>${entries}</channel></rss>`;
}

const FIRST_FEED: Array<[string, string, string]> = [
  ['Bitcoin surges to record', 'https://news.test/1', 'BTC bulls cheer a <b>breakout</b>'],
  ['Exchange hacked', 'https://news.test/2', 'Funds drained; $ETH and Solana holders fear losses'],
  ['Weather is nice', 'https://news.test/3', 'No tokens here'],
];

/** The loopback model: positive for texts with "surge", negative for "hack", else 0.1. */
const modelScore = (text: string) => (/surge/i.test(text) ? 0.9 : /hack/i.test(text) ? -0.8 : 0.1);

describe('sentiment producer on loopback peers', () => {
  let pipeline: Pipeline;
  let producer: EventProducer;
  let feed: LoopbackServer;
  const documents = { '/feed.xml': { type: 'application/rss+xml', body: rss(FIRST_FEED) } };

  beforeAll(async () => {
    pipeline = await startPipeline();
    producer = await EventProducer.connect(pipeline.kafka, pipeline.config, testLog);
    feed = await startDocumentServer(documents);
  });

  afterAll(async () => {
    await feed?.close();
    await producer?.close();
    await pipeline?.close();
  });

  const settings = (llmUrl: string | undefined, extra: Record<string, string> = {}) =>
    loadSentimentConfig({
      SENTIMENT_RSS_URLS: `${feed.url}/feed.xml`,
      SENTIMENT_SOURCE: 'sentiment-test',
      ...(llmUrl
        ? {
            SENTIMENT_LLM_BASE_URL: llmUrl,
            SENTIMENT_LLM_MODEL: 'loopback-model',
            SENTIMENT_LLM_TIMEOUT_MS: '300',
            SENTIMENT_LLM_MAX_RETRIES: '2',
            SENTIMENT_LLM_RETRY_BASE_MS: '10',
            SENTIMENT_LLM_RETRY_MAX_MS: '50',
            SENTIMENT_LLM_COOLDOWN_MS: '0',
          }
        : {}),
      ...extra,
    });

  it('turns an RSS feed into scored mentions in ClickHouse (lexicon), once per item', async () => {
    const service = new SentimentService(settings(undefined), producer, testLog);
    const first = await service.pollOnce();
    expect(first).toMatchObject({ items: 3, duplicates: 0, withoutTokens: 1, produced: 3, rejected: 0 });

    // The same feed again, plus the first story under another link: nothing new is produced.
    documents['/feed.xml'].body = rss([
      ...FIRST_FEED,
      ['Bitcoin surges to record', 'https://mirror.test/x', FIRST_FEED[0]?.[2] ?? ''],
    ]);
    const second = await service.pollOnce();
    expect(second).toMatchObject({ items: 4, duplicates: 4, produced: 0 });

    await pipeline.waitForCount("SELECT count() FROM social_mentions WHERE source = 'sentiment-test'", 3);
    const rows = await queryRows<{
      token: string;
      sentiment: number;
      scorer: string;
      model: string;
      url: string;
      matched_term: string;
    }>(
      pipeline.clickhouse,
      "SELECT token, sentiment, scorer, model, url, matched_term FROM social_mentions WHERE source = 'sentiment-test' ORDER BY token",
    );
    expect(rows.map((r) => [r.token, r.url, r.matched_term])).toEqual([
      ['BTC', 'https://news.test/1', 'Bitcoin'],
      ['ETH', 'https://news.test/2', '$ETH'],
      ['SOL', 'https://news.test/2', 'Solana'],
    ]);
    expect(rows.every((r) => r.scorer === 'lexicon' && r.model === LEXICON_MODEL)).toBe(true);
    expect(rows[0]?.sentiment).toBeGreaterThan(0.3);
    expect(rows[1]?.sentiment).toBeLessThan(-0.3);
    expect(await queryNumber(pipeline.clickhouse, 'SELECT count() FROM dead_letters')).toBe(0);
    documents['/feed.xml'].body = rss(FIRST_FEED);
  });

  it('scores through an OpenAI-compatible endpoint with the API key from SENTIMENT_LLM_API_KEY_FILE, retrying 5xx, 429 and a timeout', async () => {
    const script: ChatBehaviour[] = [
      { kind: 'status', status: 503 },
      { kind: 'status', status: 429, retryAfterS: 0 },
    ];
    const llm = await startChatCompletionsServer(modelScore, script);
    try {
      // The key as a mounted secret file (Docker/Kubernetes), with the newline editors add.
      const keyFile = join(mkdtempSync(join(tmpdir(), 'tw-llm-key-')), 'api-key');
      writeFileSync(keyFile, 'sk-from-a-file-0123\n', { mode: 0o600 });
      const service = new SentimentService(
        settings(llm.url, { SENTIMENT_SOURCE: 'sentiment-llm', SENTIMENT_LLM_API_KEY_FILE: keyFile }),
        producer,
        testLog,
      );
      const report = await service.pollOnce();
      expect(report.produced).toBe(3);
      // One batch: 503, 429, then success; every attempt carries the key read from the file.
      expect(llm.requests).toHaveLength(3);
      expect(llm.requests.map((r) => r.authorization)).toEqual(Array(3).fill('Bearer sk-from-a-file-0123'));
      const stats = (service.scorer as FallbackScorer).stats;
      expect(stats).toMatchObject({ llmItems: 2, lexiconItems: 0, llmRequests: 3, llmFailures: 0 });
      await pipeline.waitForCount("SELECT count() FROM social_mentions WHERE source = 'sentiment-llm'", 3);
      const rows = await queryRows<{ token: string; sentiment: number; scorer: string; model: string }>(
        pipeline.clickhouse,
        "SELECT token, sentiment, scorer, model FROM social_mentions WHERE source = 'sentiment-llm' ORDER BY token",
      );
      expect(rows.map((r) => [r.token, r.scorer, r.model, Number(r.sentiment.toFixed(2))])).toEqual([
        ['BTC', 'llm', 'loopback-model', 0.9],
        ['ETH', 'llm', 'loopback-model', -0.8],
        ['SOL', 'llm', 'loopback-model', -0.8],
      ]);
    } finally {
      await llm.close();
    }
  });

  it('falls back to the lexicon after retries are spent (timeouts and 5xx), and records it', async () => {
    const script: ChatBehaviour[] = [{ kind: 'hang' }, { kind: 'status', status: 500 }, { kind: 'hang' }];
    const llm = await startChatCompletionsServer(modelScore, script);
    try {
      const service = new SentimentService(
        settings(llm.url, { SENTIMENT_SOURCE: 'sentiment-fallback' }),
        producer,
        testLog,
      );
      const started = Date.now();
      const report = await service.pollOnce();
      expect(report.produced).toBe(3);
      expect(llm.requests).toHaveLength(3); // first attempt + 2 retries
      expect(Date.now() - started).toBeGreaterThanOrEqual(600); // two 300 ms timeouts were waited out
      expect((service.scorer as FallbackScorer).stats).toMatchObject({
        llmItems: 0,
        lexiconItems: 2,
        llmFailures: 1,
      });
      await pipeline.waitForCount(
        "SELECT count() FROM social_mentions WHERE source = 'sentiment-fallback'",
        3,
      );
      expect(
        await queryNumber(
          pipeline.clickhouse,
          "SELECT count() FROM social_mentions WHERE source = 'sentiment-fallback' AND scorer = 'lexicon' AND model = {m:String}",
          { m: LEXICON_MODEL },
        ),
      ).toBe(3);
    } finally {
      await llm.close();
    }
  });

  it('uses the lexicon without calling the endpoint once the hourly budget is spent', async () => {
    const llm = await startChatCompletionsServer(modelScore, [{ kind: 'garbage' }]);
    try {
      const service = new SentimentService(
        settings(llm.url, {
          SENTIMENT_SOURCE: 'sentiment-budget',
          SENTIMENT_LLM_BUDGET_REQUESTS_PER_HOUR: '1',
        }),
        producer,
        testLog,
      );
      // The one request allowed gets a reply that is not scores: lexicon, no retry.
      expect((await service.pollOnce()).produced).toBe(3);
      documents['/feed.xml'].body = rss([['Dogecoin to the moon', 'https://news.test/4', 'DOGE rally']]);
      expect((await service.pollOnce()).produced).toBe(1);
      expect(llm.requests).toHaveLength(1);
      expect((service.scorer as FallbackScorer).stats).toMatchObject({
        llmItems: 0,
        lexiconItems: 3,
        budgetRefusals: 1,
      });
    } finally {
      documents['/feed.xml'].body = rss(FIRST_FEED);
      await llm.close();
    }
  });
});
