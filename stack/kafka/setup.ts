/** `npm run setup:kafka`: resolve the Apache Kafka broker jars from Maven Central (once). */
import { createLogger } from '../../lib/log.js';
import { ensureKafkaJars } from './broker.js';

const log = createLogger('setup-kafka');
try {
  log.info({ dir: ensureKafkaJars(log) }, 'Kafka broker jars ready');
} catch (err) {
  log.fatal({ err }, err instanceof Error ? err.message : String(err));
  process.exit(1);
}
