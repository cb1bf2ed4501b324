/**
 * `npm run notifier`: installs the rule views (idempotent), then relays alerts to the
 * channels of the routing file. /healthz and /metrics on NOTIFIER_OPS_HOST:NOTIFIER_OPS_PORT; SIGTERM stops
 * polling, lets sends in flight finish and log their outcome, and exits.
 */
import { createClickHouse } from '../lib/clickhouse/client.js';
import { loadConfig } from '../lib/config/config.js';
import { createLogger } from '../lib/log.js';
import { startTelemetry } from '../lib/observability/telemetry.js';
import { onShutdown } from '../lib/service/lifecycle.js';
import { createMetricsRegistry } from '../lib/service/metrics.js';
import { startOpsServer } from '../lib/service/ops-server.js';
import { loadNotifierEnv, loadRouting } from './config.js';
import { Notifier } from './notifier.js';
import { installRules } from './rules/loader.js';
import { AlertStore } from './store.js';

async function main(): Promise<void> {
  startTelemetry('notifier');
  const log = createLogger('notifier');
  const config = loadConfig();
  const env = loadNotifierEnv();
  const routing = loadRouting(env.ALERTING_CONFIG_FILE);
  const clickhouse = createClickHouse({ ...config, database: config.CLICKHOUSE_DATABASE });
  if (env.NOTIFIER_INSTALL_RULES) await installRules(clickhouse, log, { settings: routing.rules });
  const registry = createMetricsRegistry('notifier');
  const notifier = new Notifier({
    store: new AlertStore(clickhouse),
    routing,
    log,
    registry,
    pollIntervalMs: env.NOTIFIER_POLL_INTERVAL_MS,
    lookbackHours: env.NOTIFIER_LOOKBACK_HOURS,
    dryRun: env.NOTIFIER_DRY_RUN,
  });
  await notifier.start();
  const ops = await startOpsServer({
    port: env.NOTIFIER_OPS_PORT,
    host: env.NOTIFIER_OPS_HOST,
    registry,
    log,
    health: () => {
      const sinceOkMs = Date.now() - notifier.lastPollOkAt;
      return {
        ok: sinceOkMs < Math.max(10_000, env.NOTIFIER_POLL_INTERVAL_MS * 10),
        details: {
          last_poll_ok_ms_ago: sinceOkMs,
          pending_deliveries: notifier.pendingDeliveries,
          dry_run: env.NOTIFIER_DRY_RUN,
        },
      };
    },
  });
  log.info({ ops: ops.url, dryRun: env.NOTIFIER_DRY_RUN }, 'notifier ready');
  onShutdown(log, async () => {
    await notifier.stop();
    await ops.close();
    await clickhouse.close();
  });
}

main().catch((err: unknown) => {
  createLogger('notifier', { destination: 2 }).fatal({ err }, 'notifier failed to start');
  process.exit(1);
});
