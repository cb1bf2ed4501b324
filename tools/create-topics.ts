/**
 * The topic bootstrap of `make start` (docker-compose.kafka.yml): creates every topic
 * declared in lib/contracts/ with its partitions and retention, and its .dlq twin, on
 * KAFKA_BROKERS. Topics that exist are left as they are, so it is safe to run at every start.
 */
import { loadConfig } from '../lib/config/config.js';
import { brokerTopics } from '../lib/contracts/topics.js';
import { createKafka } from '../lib/kafka/client.js';
import { ensureTopics, topicsFor } from '../lib/kafka/topics.js';
import { createLogger } from '../lib/log.js';

const log = createLogger('create-topics');
try {
  const config = loadConfig();
  const wanted = topicsFor(config.KAFKA_TOPIC_PREFIX, brokerTopics);
  const created = await ensureTopics(createKafka(config, log), wanted);
  log.info({ created, existing: wanted.length - created.length }, 'topics ready');
} catch (err) {
  log.fatal({ err }, err instanceof Error ? err.message : String(err));
  process.exit(1);
}
