import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClickHouseClient } from '../lib/clickhouse/client.js';
import { renderMigration } from '../lib/clickhouse/migrations.js';
import { migrationVariables } from '../lib/clickhouse/platform-migrations.js';
import { splitStatements } from '../lib/clickhouse/sql-statements.js';
import type { Config } from '../lib/config/config.js';
import { topicName } from '../lib/contracts/topics.js';
import { createKafka } from '../lib/kafka/client.js';
import { PRODUCER_OPTIONS } from '../lib/kafka/producer.js';
import { sendRaw } from '../lib/kafka/send-raw.js';
import { ensureTopics } from '../lib/kafka/topics.js';
import type { Logger } from '../lib/log.js';
import { PARTNER_FEED } from '../producers/simulator/scenarios/consumer-faults.js';
import type { RawMessage } from '../producers/simulator/scenarios/scenario.js';

const SQL_FILE = join(dirname(fileURLToPath(import.meta.url)), 'partner-feed.sql');
const DAY_MS = 86_400_000;

/**
 * Creates the partner feed's topic and its hand-made Kafka table (./partner-feed.sql, default
 * error mode) in `clickhouse`'s database: what the poison-message scenario needs to happen.
 */
export async function installPartnerFeed(
  clickhouse: ClickHouseClient,
  config: Config,
  log: Logger,
): Promise<void> {
  const topic = topicName(config.KAFKA_TOPIC_PREFIX, PARTNER_FEED.topic);
  await ensureTopics(createKafka(config, log), [{ name: topic, partitions: 1, retentionMs: DAY_MS }]);
  const sql = renderMigration(
    { version: 0, name: 'partner-feed', file: SQL_FILE, sql: readFileSync(SQL_FILE, 'utf8'), checksum: '' },
    { ...migrationVariables(config), PARTNER_FEED_TOPIC: topic },
  );
  for (const query of splitStatements(sql)) await clickhouse.command({ query });
}

/** Sends scenarios' raw messages as they are, past every contract: the runner's `rawSink`. */
export interface RawSink {
  send(messages: RawMessage[]): Promise<void>;
  close(): Promise<void>;
}

export async function connectRawSink(config: Config, log: Logger): Promise<RawSink> {
  const producer = createKafka(config, log).producer(PRODUCER_OPTIONS);
  await producer.connect();
  return {
    send: (messages) =>
      sendRaw(
        producer,
        messages.map((m) => ({ topic: topicName(config.KAFKA_TOPIC_PREFIX, m.topic), value: m.value })),
      ),
    close: () => producer.disconnect(),
  };
}
