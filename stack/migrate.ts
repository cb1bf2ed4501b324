/**
 * `npm run migrate`: creates the topics and applies the ClickHouse migrations against the
 * configured KAFKA_BROKERS and CLICKHOUSE_URL (a server, or the embedded stack). Safe to
 * re-run; refuses to run when an applied migration was edited.
 */
import { loadConfig } from '../lib/config/config.js';
import { createLogger } from '../lib/log.js';
import { preparePipeline } from './pipeline.js';

const log = createLogger('migrate');
try {
  const config = loadConfig();
  const { createdTopics, migrations } = await preparePipeline(config, log);
  log.info({ createdTopics, ...migrations, database: config.CLICKHOUSE_DATABASE }, 'migrations done');
} catch (err) {
  log.fatal({ err }, err instanceof Error ? err.message : String(err));
  process.exit(1);
}
