import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../../lib/config/config.js';
import { createKafka } from '../../lib/kafka/client.js';
import { EventProducer } from '../../lib/kafka/producer.js';
import { createLogger } from '../../lib/log.js';
import { startTelemetry } from '../../lib/observability/telemetry.js';
import { onShutdown } from '../../lib/service/lifecycle.js';
import { createMetricsRegistry } from '../../lib/service/metrics.js';
import { startOpsServer } from '../../lib/service/ops-server.js';
import { loadMarketConfig, type MarketConfig } from './config.js';
import { VenueFeed } from './connector.js';
import { MarketMetrics, metricValue } from './metrics.js';
import { OpenInterestPoller } from './open-interest/poller.js';
import { openInterestSources } from './open-interest/sources.js';
import { Recorder } from './recording.js';
import { replayRecording } from './replay.js';
import { DiscardSink, KafkaSink, type Sink } from './sink.js';
import { venues } from './venues/index.js';

/**
 * The market-data connector service.
 *   run              live venues → Kafka (optionally recording the raw traffic)
 *   record --out F   live venues → a compressed recording only (no Kafka)
 *   replay F         a recording → Kafka, at 1x, Nx or full speed
 * Settings: MARKET_* environment variables (producers/market/config.ts) and the shared ones.
 */

startTelemetry('market-connector');
const log = createLogger('market-connector');

function startFeeds(
  market: MarketConfig,
  sink: Sink,
  metrics: MarketMetrics,
  recorder?: Recorder,
): VenueFeed[] {
  return market.MARKET_VENUES.map((id) => {
    const venue = venues[id];
    const endpoints = market.endpoints[id];
    if (!venue || !endpoints) throw new Error(`venue ${id} has no definition`);
    const feed = new VenueFeed({
      venue,
      symbols: market.MARKET_SYMBOLS,
      wsUrl: endpoints.wsUrl,
      restUrl: endpoints.restUrl,
      depthSnapshotLimit: market.MARKET_DEPTH_SNAPSHOT_LIMIT,
      rails: {
        staleFeedMs: market.MARKET_STALE_FEED_MS,
        reconnectBaseMs: market.MARKET_RECONNECT_BASE_MS,
        reconnectMaxMs: market.MARKET_RECONNECT_MAX_MS,
        plannedReconnectMs: market.MARKET_PLANNED_RECONNECT_MS,
        handshakeTimeoutMs: market.MARKET_HANDSHAKE_TIMEOUT_MS,
      },
      sink,
      metrics,
      log,
      ...(recorder ? { recorder } : {}),
    });
    feed.start();
    return feed;
  });
}

/** An open-interest poller for each configured venue that has an endpoint for it. */
function startOpenInterestPollers(
  market: MarketConfig,
  sink: Sink,
  metrics: MarketMetrics,
): OpenInterestPoller[] {
  if (market.MARKET_OPEN_INTEREST_INTERVAL_MS === 0) return [];
  return market.MARKET_VENUES.flatMap((id) => {
    const source = openInterestSources[id];
    const endpoints = market.endpoints[id];
    if (!source || !endpoints) return [];
    const poller = new OpenInterestPoller({
      source,
      symbols: market.MARKET_SYMBOLS,
      restUrl: endpoints.restUrl,
      intervalMs: market.MARKET_OPEN_INTEREST_INTERVAL_MS,
      sink,
      metrics,
      log,
    });
    poller.start();
    return [poller];
  });
}

async function connectKafkaSink(market: MarketConfig, metrics: MarketMetrics) {
  const config = loadConfig();
  const producer = await EventProducer.connect(createKafka(config, log), config, log);
  const sink = new KafkaSink({
    producer,
    capacity: market.MARKET_BUFFER_MAX_EVENTS,
    batchMax: market.MARKET_BATCH_MAX_EVENTS,
    metrics,
    log,
  });
  return { producer, sink };
}

async function run(options: { record?: string }): Promise<void> {
  const market = loadMarketConfig();
  const registry = createMetricsRegistry('market-connector');
  const metrics = new MarketMetrics(registry);
  const { producer, sink } = await connectKafkaSink(market, metrics);
  const recorder = options.record ? new Recorder(options.record) : undefined;
  const feeds = startFeeds(market, sink, metrics, recorder);
  const pollers = startOpenInterestPollers(market, sink, metrics);
  const ops = await startOpsServer({
    port: market.MARKET_OPS_PORT,
    registry,
    log,
    health: () => {
      const connections = Object.fromEntries(feeds.map((f) => [f.venue.id, f.status()]));
      return { ok: feeds.every((f) => f.status().open), details: { connections, buffered: sink.size } };
    },
  });
  log.info(
    { venues: market.MARKET_VENUES, symbols: market.MARKET_SYMBOLS, ops: ops.url },
    'market connector running',
  );
  onShutdown(log, async () => {
    await Promise.all([...feeds.map((f) => f.stop()), ...pollers.map((p) => p.stop())]);
    await sink.close();
    await producer.close();
    await recorder?.close();
    await ops.close();
  });
}

async function record(options: { out: string; durationS?: number }): Promise<void> {
  const market = loadMarketConfig();
  const metrics = new MarketMetrics(createMetricsRegistry('market-recorder'));
  const recorder = new Recorder(options.out);
  const feeds = startFeeds(market, new DiscardSink(), metrics, recorder);
  const stop = async () => {
    await Promise.all(feeds.map((f) => f.stop()));
    await recorder.close();
    log.info({ file: options.out, lines: recorder.lines }, 'recording closed');
  };
  if (options.durationS !== undefined) {
    setTimeout(() => void stop().then(() => process.exit(0)), options.durationS * 1000);
  }
  onShutdown(log, stop);
}

async function replay(file: string, options: { speed: number | 'max'; rebase: boolean }): Promise<void> {
  const market = loadMarketConfig();
  const metrics = new MarketMetrics(createMetricsRegistry('market-replay'));
  const { producer, sink } = await connectKafkaSink(market, metrics);
  const report = await replayRecording({
    file,
    speed: options.speed,
    rebase: options.rebase,
    venues,
    sink,
    metrics,
    log,
  });
  await sink.close();
  await producer.close();
  const events = await metricValue(metrics.events);
  const malformed = await metricValue(metrics.malformed);
  process.stdout.write(
    `replayed ${report.frames} frames (${report.restReplies} REST replies) from ${report.venues.join(', ')} ` +
      `in ${report.elapsedMs} ms: ${events} events to Kafka, ${malformed} malformed, ${report.skippedLines} lines skipped\n`,
  );
}

const speedOption = (value: string): number | 'max' => {
  if (value === 'max') return 'max';
  const n = Number(value.replace(/x$/, ''));
  if (!(n > 0)) throw new InvalidArgumentError('a positive number (1, 10, 0.5) or "max"');
  return n;
};

const program = new Command('market-connector').description('Market-data connectors: venues → Kafka');
program
  .command('run', { isDefault: true })
  .description('connect to the venues in MARKET_VENUES and publish to Kafka')
  .option('--record <file>', 'also record the raw venue traffic to this .jsonl.gz file')
  .action(run);
program
  .command('record')
  .description('record raw venue traffic to a compressed file (no Kafka)')
  .requiredOption('--out <file>', 'where to write the .jsonl.gz recording')
  .option('--duration-s <seconds>', 'stop after this many seconds', (v) => Number(v))
  .action(record);
program
  .command('replay <file>')
  .description('play a recording into Kafka through the venue adapters')
  .option(
    '--speed <speed>',
    '1 = as recorded, 10 = ten times faster, max = as fast as Kafka takes it',
    speedOption,
    1,
  )
  .option('--no-rebase', 'keep the recorded timestamps instead of shifting them to now')
  .action(replay);

program.parseAsync().catch((err: unknown) => {
  log.fatal({ err }, 'market connector failed');
  process.exit(1);
});
