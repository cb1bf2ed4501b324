import type { Kafka } from 'kafkajs';
import type { Config } from '../../../lib/config/config.js';
import { EventProducer } from '../../../lib/kafka/producer.js';
import type { Logger } from '../../../lib/log.js';
import { createMetricsRegistry } from '../../../lib/service/metrics.js';
import type { RailsSettings } from '../connection.js';
import { VenueFeed } from '../connector.js';
import { MarketMetrics } from '../metrics.js';
import { KafkaSink } from '../sink.js';
import type { VenueDefinition } from '../venue.js';

/** A live venue feed wired to a real broker, for tests: the same parts main.ts wires. */
export interface FeedUnderTest {
  feed: VenueFeed;
  metrics: MarketMetrics;
  sink: KafkaSink;
  stop(): Promise<void>;
}

export const testRails: RailsSettings = {
  staleFeedMs: 60_000,
  reconnectBaseMs: 50,
  reconnectMaxMs: 500,
  plannedReconnectMs: 3_600_000,
  handshakeTimeoutMs: 5_000,
};

export async function startFeedUnderTest(options: {
  kafka: Kafka;
  config: Config;
  log: Logger;
  venue: VenueDefinition;
  symbols: string[];
  wsUrl: string;
  restUrl: string;
  rails?: Partial<RailsSettings>;
  /** The bounded buffer's size in events (default 10,000). */
  capacity?: number;
}): Promise<FeedUnderTest> {
  const producer = await EventProducer.connect(options.kafka, options.config, options.log);
  const metrics = new MarketMetrics(createMetricsRegistry(`market-test-${options.venue.id}`));
  const sink = new KafkaSink({
    producer,
    capacity: options.capacity ?? 10_000,
    batchMax: 2_000,
    metrics,
    log: options.log,
  });
  const feed = new VenueFeed({
    venue: options.venue,
    symbols: options.symbols,
    wsUrl: options.wsUrl,
    restUrl: options.restUrl,
    depthSnapshotLimit: 1000,
    rails: { ...testRails, ...options.rails },
    sink,
    metrics,
    log: options.log,
  });
  feed.start();
  return {
    feed,
    metrics,
    sink,
    stop: async () => {
      await feed.stop();
      await sink.close();
      await producer.close();
    },
  };
}
