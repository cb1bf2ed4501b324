import { Command } from 'commander';
import { loadConfig } from '../../lib/config/config.js';
import { createLogger } from '../../lib/log.js';
import { startTelemetry } from '../../lib/observability/telemetry.js';
import { onShutdown } from '../../lib/service/lifecycle.js';
import { startCollector } from './collector.js';
import { loadCollectorConfig } from './config.js';
import { hashKey, loadKeyRing, newKey } from './keys.js';

/**
 * The user-action and engine HTTP collector: `npm run collector` (serve), or
 * `npm run collector -- new-key server|browser` to mint a key and print the hash to store.
 */
const program = new Command('collector').description(
  'HTTP ingest: POST /v1/events (user actions) and /v1/engine/events (matching engine) into Kafka',
);

program
  .command('serve', { isDefault: true })
  .description('run the collector (configuration from the environment; see docs/collector.md)')
  .action(async () => {
    const config = loadConfig();
    const collector = loadCollectorConfig();
    startTelemetry('collector');
    const log = createLogger('collector', { level: config.LOG_LEVEL });
    const keys = loadKeyRing(collector.COLLECTOR_KEYS_FILE);
    const running = await startCollector({ config, collector, keys, log });
    onShutdown(log, () => running.close(), collector.COLLECTOR_SHUTDOWN_GRACE_MS);
  });

program
  .command('new-key')
  .description('print a new random key and the SHA-256 to put in the keys file')
  .argument('<kind>', 'server or browser')
  .action((kind: string) => {
    if (kind !== 'server' && kind !== 'browser') program.error(`kind must be server or browser, got ${kind}`);
    const key = newKey(kind as 'server' | 'browser');
    process.stdout.write(`${JSON.stringify({ key, sha256: hashKey(key) }, null, 2)}\n`);
  });

program.parseAsync().catch((err: unknown) => {
  process.stderr.write(`collector: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
