import { Command } from 'commander';
import { loadConfig } from '../../lib/config/config.js';
import { createKafka } from '../../lib/kafka/client.js';
import { EventProducer } from '../../lib/kafka/producer.js';
import { createLogger } from '../../lib/log.js';
import { startTelemetry } from '../../lib/observability/telemetry.js';
import { onShutdown } from '../../lib/service/lifecycle.js';
import { Counter, createMetricsRegistry, Gauge } from '../../lib/service/metrics.js';
import { startOpsServer } from '../../lib/service/ops-server.js';
import { loadSentimentConfig } from './config.js';
import { SentimentService } from './sentiment-service.js';

/**
 * The sentiment producer: polls RSS/Atom and JSON sources (and replays a file once),
 * finds token mentions, scores them and produces social.mentions. Settings come from the
 * environment (SENTIMENT_*, KAFKA_*); flags override the common ones.
 */
const program = new Command('sentiment')
  .description('News and social sentiment → social.mentions')
  .option('--rss <urls>', 'RSS/Atom feeds, comma-separated (SENTIMENT_RSS_URLS)')
  .option('--json <urls>', 'generic JSON sources, comma-separated (SENTIMENT_JSON_URLS)')
  .option('--replay <file>', 'JSON-lines file of items to replay once (SENTIMENT_REPLAY_FILE)')
  .option('--poll-interval-ms <ms>', 'time between polls (SENTIMENT_POLL_INTERVAL_MS)')
  .option('--once', 'poll every source once, then exit')
  .parse();

const flags = program.opts<{
  rss?: string;
  json?: string;
  replay?: string;
  pollIntervalMs?: string;
  once?: boolean;
}>();
const env = {
  ...process.env,
  ...(flags.rss === undefined ? {} : { SENTIMENT_RSS_URLS: flags.rss }),
  ...(flags.json === undefined ? {} : { SENTIMENT_JSON_URLS: flags.json }),
  ...(flags.replay === undefined ? {} : { SENTIMENT_REPLAY_FILE: flags.replay }),
  ...(flags.pollIntervalMs === undefined ? {} : { SENTIMENT_POLL_INTERVAL_MS: flags.pollIntervalMs }),
};
const config = loadConfig(env);
const settings = loadSentimentConfig(env);
startTelemetry('sentiment');
const log = createLogger('sentiment', { level: config.LOG_LEVEL });

const producer = await EventProducer.connect(createKafka(config, log), config, log);
const service = new SentimentService(settings, producer, log);
log.info(
  {
    rss: settings.SENTIMENT_RSS_URLS.length,
    json: settings.SENTIMENT_JSON_URLS.length,
    replay: settings.SENTIMENT_REPLAY_FILE || undefined,
    scorer: settings.SENTIMENT_LLM_BASE_URL ? `llm ${settings.SENTIMENT_LLM_MODEL} + lexicon` : 'lexicon',
  },
  'sentiment producer started',
);

if (flags.once) {
  const report = await service.pollOnce();
  log.info({ ...report, problems: report.problems.length }, 'poll done');
  await producer.close();
  process.exit(0);
}

const registry = createMetricsRegistry('sentiment');
const produced = new Counter({
  name: 'tradewatch_sentiment_mentions_total',
  help: 'mentions produced',
  registers: [registry],
});
const duplicates = new Counter({
  name: 'tradewatch_sentiment_duplicates_total',
  help: 'items skipped as seen',
  registers: [registry],
});
new Gauge({
  name: 'tradewatch_sentiment_scored_items',
  help: 'items scored since start, by scorer',
  labelNames: ['scorer'],
  registers: [registry],
  collect() {
    const stats = service.scorer.stats;
    this.set({ scorer: 'llm' }, stats?.llmItems ?? 0);
    this.set({ scorer: 'lexicon' }, stats?.lexiconItems ?? service.totals.produced);
  },
});
const ops = await startOpsServer({
  port: settings.SENTIMENT_OPS_PORT,
  registry,
  log,
  // Healthy while polls keep happening: a wedged loop shows up as a stale last poll.
  health: () => {
    const staleMs = Date.now() - service.totals.lastPollAt;
    return {
      ok: staleMs < settings.SENTIMENT_POLL_INTERVAL_MS * 3 + 60_000,
      details: { ...service.totals, staleMs },
    };
  },
});
log.info({ ops: ops.url }, 'health and metrics');

let running = true;
let wake: (() => void) | undefined;
const loop = (async () => {
  while (running) {
    try {
      const report = await service.pollOnce();
      produced.inc(report.produced);
      duplicates.inc(report.duplicates);
      log.info({ ...report, problems: report.problems.length }, 'poll done');
    } catch (err) {
      // Kafka not acknowledging is the only throw here; the next poll tries again.
      log.error({ err }, 'poll failed');
    }
    await new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, settings.SENTIMENT_POLL_INTERVAL_MS);
    });
  }
})();

onShutdown(log, async () => {
  running = false;
  wake?.();
  await loop;
  await producer.close();
  await ops.close();
});
