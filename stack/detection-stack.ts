import type { Routing } from '../alerting/config.js';
import { Notifier } from '../alerting/notifier.js';
import { installRules } from '../alerting/rules/loader.js';
import { AlertStore } from '../alerting/store.js';
import { type ClickHouseClient, createClickHouse } from '../lib/clickhouse/client.js';
import { type Config, loadConfig } from '../lib/config/config.js';
import { brokerTopics } from '../lib/contracts/topics.js';
import { createKafka } from '../lib/kafka/client.js';
import { EventProducer } from '../lib/kafka/producer.js';
import { ensureTopics, topicsFor } from '../lib/kafka/topics.js';
import type { Logger } from '../lib/log.js';
import { createMetricsRegistry } from '../lib/service/metrics.js';
import { type LocalStack, startLocalStack } from './local-stack.js';
import { connectRawSink, installPartnerFeed, type RawSink } from './partner-feed.js';
import { preparePipeline } from './pipeline.js';

/** How long one step of `stop()` may take before the next goes ahead (a broker already gone makes clients retry). */
export const STOP_STEP_TIMEOUT_MS = 20_000;

/**
 * Waits for `work` at most `ms`; past that, returns and leaves it running. For shutdown
 * steps only: a client still retrying against a broker that a terminal's Ctrl-C already
 * stopped must not hold the rest of the shutdown (the processes are stopped after it).
 */
export async function settleWithin(
  what: string,
  ms: number,
  work: Promise<unknown>,
  log: Logger,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  const outcome = await Promise.race([work.then(() => 'done' as const), late]).finally(() =>
    clearTimeout(timer),
  );
  if (outcome === 'late') {
    work.catch(() => {});
    log.warn({ what, ms }, 'shutdown step did not finish in time; going on');
  }
}

/** The whole path from a producer to a channel, running in one process over an embedded stack. */
export interface DetectionStack {
  stack: LocalStack;
  config: Config;
  clickhouse: ClickHouseClient;
  producer: EventProducer;
  notifier: Notifier;
  /**
   * Sends scenarios' raw messages past every contract (the simulator runner's `rawSink`): the
   * poison-message scenario's CSV lines reach the hand-made partner-feed table installed here.
   */
  sendRaw: RawSink['send'];
  /** Producer, notifier, client, ClickHouse host, broker: in that order, each even if one before failed. */
  stop(): Promise<void>;
}

/**
 * Starts the embedded stack in `dir`, creates the topics, migrates `database`, adds the
 * hand-made partner-feed table (./partner-feed.sql), installs the rule views with
 * `routing.rules`, starts the notifier on `routing`'s channels and connects a producer and a
 * raw sink. Used by the detection report and `make demo`. A failure part-way stops what
 * had started before it is rethrown.
 */
export async function startDetectionStack(options: {
  dir: string;
  database: string;
  routing: Routing;
  log: Logger;
  /** Metrics registry prefix and notifier name. */
  service: string;
  kafkaPort?: number;
  clickhousePort?: number;
  notifierPollIntervalMs?: number;
  /**
   * Called once the topics exist and the producer is connected, while ClickHouse is still
   * being migrated and the rules installed: producers may start then (a new Kafka engine
   * table reads its topic from the beginning), which saves the migration time. Returns how
   * to stop them; `stop()` (and a failed start) calls it before closing the producer.
   */
  onTopicsReady?: (producer: EventProducer, config: Config) => () => Promise<void>;
  /**
   * Awaited once ClickHouse is migrated, before the rules are installed: for loading history
   * no rule should watch arrive piecemeal (a live replay's backlog). Returns how to stop
   * what it started, like `onTopicsReady`.
   */
  beforeRules?: (producer: EventProducer, clickhouse: ClickHouseClient) => Promise<() => Promise<void>>;
}): Promise<DetectionStack> {
  const { log } = options;
  const stack = await startLocalStack({
    dir: options.dir,
    log,
    ...(options.kafkaPort === undefined ? {} : { kafkaPort: options.kafkaPort }),
    ...(options.clickhousePort === undefined ? {} : { clickhousePort: options.clickhousePort }),
  });
  // Clients and producers, stopped last-started first; then the processes, always and unbounded
  // (they end with SIGKILL after their own grace period, so none is left behind).
  const stops: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    let first: unknown;
    for (const step of stops.splice(0).reverse())
      await settleWithin('stop step', STOP_STEP_TIMEOUT_MS, step(), log).catch(
        (err: unknown) => (first ??= err),
      );
    await stack.stop().catch((err: unknown) => (first ??= err));
    if (first !== undefined) throw first;
  };
  let connecting: Promise<unknown> = Promise.resolve();
  try {
    const config = loadConfig({
      ...process.env,
      ...stack.env,
      CLICKHOUSE_DATABASE: options.database,
      // Half a second: the Kafka engine's flush is most of the time from event to rule input.
      KAFKA_ENGINE_FLUSH_INTERVAL_MS: '500',
    });
    // The producer's first handshake (a producer id from the broker's coordinator) can take
    // seconds on a fresh broker: it runs while ClickHouse is migrated.
    const connected = EventProducer.connect(createKafka(config, log), config, log).then((producer) => {
      stops.push(() => producer.close());
      return producer;
    });
    connecting = connected.catch(() => {});
    const { onTopicsReady } = options;
    if (onTopicsReady) {
      // preparePipeline creates them too (again a no-op): the topics, then the migrations.
      await ensureTopics(createKafka(config, log), topicsFor(config.KAFKA_TOPIC_PREFIX, brokerTopics));
      stops.push(onTopicsReady(await connected, config));
    }
    await preparePipeline(config, log);
    const clickhouse = createClickHouse({ ...config, database: config.CLICKHOUSE_DATABASE });
    stops.push(() => clickhouse.close());
    // A hand-made Kafka table beside the generated chains, for consumer-exceptions' scenario.
    await installPartnerFeed(clickhouse, config, log);
    const raw = await connectRawSink(config, log);
    stops.push(() => raw.close());
    if (options.beforeRules) stops.push(await options.beforeRules(await connected, clickhouse));
    await installRules(clickhouse, log, { settings: options.routing.rules });
    const notifier = new Notifier({
      store: new AlertStore(clickhouse),
      routing: options.routing,
      log,
      registry: createMetricsRegistry(options.service),
      pollIntervalMs: options.notifierPollIntervalMs ?? 250,
      lookbackHours: 24,
      dryRun: false,
    });
    await notifier.start();
    stops.push(() => notifier.stop());
    const producer = await connected;
    return { stack, config, clickhouse, producer, notifier, sendRaw: raw.send, stop };
  } catch (err) {
    await connecting.catch(() => {});
    await stop().catch((stopErr: unknown) => log.error({ err: stopErr }, 'stopping after a failed start'));
    throw err;
  }
}
