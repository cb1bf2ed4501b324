/**
 * `npm run console` / `tradewatch console`: the web console (console/server.ts) on
 * CONSOLE_HOST:CONSOLE_PORT (127.0.0.1:8790 by default), over the platform's ClickHouse.
 * /healthz and /metrics on the same port; SIGTERM closes live streams and stops.
 */
import { createClickHouse } from '../lib/clickhouse/client.js';
import { loadConfig } from '../lib/config/config.js';
import { createLogger } from '../lib/log.js';
import { onShutdown } from '../lib/service/lifecycle.js';
import { loadConsoleConfig } from './config.js';
import { startConsole } from './server.js';

async function main(): Promise<void> {
  const log = createLogger('console');
  const config = loadConfig();
  const consoleConfig = loadConsoleConfig();
  const clickhouse = createClickHouse({ ...config, database: config.CLICKHOUSE_DATABASE });
  const running = await startConsole({ config: consoleConfig, clickhouse, log });
  log.info({ url: running.url }, 'console ready');
  // The one line a person (or a test) waits for, on stdout whatever the log level.
  process.stdout.write(`console listening on ${running.url}\n`);
  onShutdown(log, async () => {
    await running.close();
    await clickhouse.close();
  });
}

main().catch((err: unknown) => {
  createLogger('console', { destination: 2 }).fatal({ err }, 'console failed to start');
  process.exit(1);
});
