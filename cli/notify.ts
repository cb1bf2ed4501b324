import { Command } from 'commander';
import { loadNotifierEnv, loadRouting } from '../alerting/config.js';
import { envFromFlags, runScript } from './run-script.js';
import { cliConfig, requireClickHouse } from './services.js';

/** `tradewatch notify`: the notifier service (alerting/main.ts) in the foreground. */
export function notifyCommand(): Command {
  return new Command('notify')
    .description('relay alerts to Slack, Telegram and webhooks (the notifier, alerting/main.ts) until Ctrl-C')
    .option('--config <file>', 'routing file (ALERTING_CONFIG_FILE)')
    .option('--dry-run', 'log what would be sent, send nothing (NOTIFIER_DRY_RUN)')
    .action(async (o: { config?: string; dryRun?: boolean }) => {
      const env = envFromFlags(o, { config: 'ALERTING_CONFIG_FILE', dryRun: 'NOTIFIER_DRY_RUN' });
      // Checked here so a bad routing file is a usage error (exit 2) with the field named.
      loadRouting(loadNotifierEnv({ ...process.env, ...env }).ALERTING_CONFIG_FILE);
      await requireClickHouse(cliConfig());
      await runScript({ what: 'notifier', script: 'alerting/main.ts', env });
    });
}
