import { Command } from 'commander';
import { createLogger } from '../lib/log.js';
import { preparePipeline } from '../stack/pipeline.js';
import { cliConfig, requireBroker, requireClickHouse } from './services.js';

/** `tradewatch migrate`: topics and ClickHouse migrations (stack/pipeline.ts), safe to repeat. */
export function migrateCommand(): Command {
  return new Command('migrate')
    .description(
      'create the Kafka topics and apply the ClickHouse migrations (KAFKA_BROKERS, CLICKHOUSE_URL); safe to re-run, refuses when an applied migration was edited',
    )
    .action(async () => {
      const config = cliConfig();
      await requireClickHouse(config);
      await requireBroker(config);
      const log = createLogger('migrate', { destination: 2, level: process.env.LOG_LEVEL ?? 'warn' });
      const { createdTopics, migrations } = await preparePipeline(config, log);
      process.stdout.write(
        `topics created: ${createdTopics.length}; migrations applied: ${migrations.applied.length}` +
          `${migrations.applied.length ? ` (${migrations.applied.join(', ')})` : ''}; already applied: ${migrations.skipped.length}` +
          ` (database ${config.CLICKHOUSE_DATABASE})\n`,
      );
    });
}
