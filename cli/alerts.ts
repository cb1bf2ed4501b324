import { Command, InvalidArgumentError } from 'commander';
import { alertsCommand } from '../alerting/cli.js';
import { KPI_COLUMNS, ruleKpis } from '../alerting/rule-kpis.js';
import type { ClickHouseClient } from '../lib/clickhouse/client.js';
import { lazyClickHouse } from './services.js';
import { renderTable } from './table.js';

/** `tradewatch alerts …`: the same commands as `npm run alerts`, with the CLI's reachability check. */
export function tradewatchAlerts(onClose: (close: () => Promise<void>) => void): Command {
  const clickhouse = lazyClickHouse(onClose);
  return alertsCommand({ clickhouse }).addCommand(kpisCommand(clickhouse));
}

/** `tradewatch alerts kpis`: alerting/rule-kpis.sql as a table. */
function kpisCommand(clickhouse: () => Promise<ClickHouseClient>): Command {
  return new Command('kpis')
    .description('per rule per day: alerts, time to first response, outcome mix, failed deliveries')
    .option('--days <n>', 'days back from today (UTC)', (v) => Number.parseInt(v, 10), 7)
    .option('--rule <id>', 'only this rule')
    .action(async (o: { days: number; rule?: string }) => {
      if (!Number.isInteger(o.days) || o.days < 0 || o.days > 400)
        throw new InvalidArgumentError('--days: a whole number from 0 to 400');
      const rows = await ruleKpis(await clickhouse(), o);
      process.stdout.write(
        renderTable(
          KPI_COLUMNS,
          rows.map((r) => KPI_COLUMNS.map((c) => r[c.name])),
        ),
      );
    });
}
