import type { Command } from 'commander';
import { alertsCommand } from '../alerting/cli.js';
import type { ClickHouseClient } from '../lib/clickhouse/client.js';
import { openClickHouse } from './services.js';

/** `tradewatch alerts …`: the same commands as `npm run alerts`, with the CLI's reachability check. */
export function tradewatchAlerts(onClose: (close: () => Promise<void>) => void): Command {
  let client: Promise<ClickHouseClient> | undefined;
  return alertsCommand({
    clickhouse: () => {
      if (!client) {
        client = openClickHouse();
        onClose(async () => (await client)?.close());
      }
      return client;
    },
  });
}
