import type { Config } from '../../lib/config/config.js';
import { createKafka } from '../../lib/kafka/client.js';
import { EventProducer } from '../../lib/kafka/producer.js';
import { ensureTopics, topicsFor } from '../../lib/kafka/topics.js';
import type { Logger } from '../../lib/log.js';
import { createMetricsRegistry, type Registry } from '../../lib/service/metrics.js';
import type { CollectorConfig } from './config.js';
import { unroutedTopic } from './intake.js';
import type { KeyRing } from './keys.js';
import { createCollectorMetrics } from './metrics.js';
import { buildCollectorApp } from './server.js';

export interface RunningCollector {
  url: string;
  registry: Registry;
  producer: EventProducer;
  /** Stops taking requests, waits for those in flight (and their Kafka acks), then disconnects. */
  close(): Promise<void>;
}

/**
 * Starts the collector: connects the producer, makes sure the dead-letter topic for
 * unroutable items exists (the event topics themselves are created by `npm run migrate`),
 * and listens. Used by main.ts, the tests and the benchmark alike.
 */
export async function startCollector(options: {
  config: Config;
  collector: CollectorConfig;
  keys: KeyRing;
  log: Logger;
}): Promise<RunningCollector> {
  const { config, collector, keys, log } = options;
  const kafka = createKafka(config, log);
  await ensureTopics(kafka, topicsFor(config.KAFKA_TOPIC_PREFIX, [unroutedTopic]));
  const producer = await EventProducer.connect(kafka, config, log);
  const registry = createMetricsRegistry('collector');
  let closing = false;
  const app = await buildCollectorApp({
    config: collector,
    keys,
    producer,
    log,
    registry,
    metrics: createCollectorMetrics(registry),
    // A producer whose last send failed is replaced on the next send; until one succeeds the
    // collector says so, so an orchestrator can restart it if it stays that way.
    health: () => ({
      ok: !closing && producer.healthy(),
      details: { closing, keys: keys.size, producerHealthy: producer.healthy(), producer: producer.stats() },
    }),
  });
  const url = await app.listen({ host: collector.COLLECTOR_HOST, port: collector.COLLECTOR_PORT });
  log.info({ url, keys: keys.size }, 'collector listening');
  return {
    url,
    registry,
    producer,
    close: async () => {
      closing = true;
      await app.close();
      await producer.close();
    },
  };
}
