import { Command, InvalidArgumentError } from 'commander';
import { type BacktestResult, backtestRule } from '../alerting/backtest/backtest.js';
import { terminalSafe } from '../lib/terminal-text.js';
import { lazyClickHouse } from './services.js';
import { renderTable } from './table.js';

const print = (line: string) => process.stdout.write(`${terminalSafe(line)}\n`);

/** `2026-12-01T10:00:00Z`, `2026-12-01 10:00:00` (UTC), or a time ago: `90s`, `30m`, `6h`, `2d`. */
export function parseInstant(value: string, nowMs = Date.now()): number {
  const ago = /^(\d+)(s|m|h|d)$/.exec(value);
  if (ago)
    return nowMs - Number(ago[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[ago[2] as 's'];
  const iso = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(value)
    ? Date.parse(/Z$|[+-]\d{2}:?\d{2}$/.test(value) ? value.replace(' ', 'T') : `${value.replace(' ', 'T')}Z`)
    : Number.NaN;
  if (!Number.isFinite(iso))
    throw new InvalidArgumentError('a UTC time like 2026-12-01T10:00:00Z, or a time ago like 30m, 6h, 2d');
  return iso;
}

const stepOf = (value: string): number => {
  const m = /^(\d+)(ms|s|m)?$/.exec(value);
  if (!m) throw new InvalidArgumentError('a step like 2s, 30s, 5m or 500ms');
  return Number(m[1]) * { ms: 1, s: 1_000, m: 60_000 }[(m[2] ?? 's') as 's'];
};

const setting = (value: string, previous: Record<string, number>): Record<string, number> => {
  const m = /^([a-z][a-z0-9_]*)=(-?\d+(?:\.\d+)?)$/.exec(value);
  if (!m) throw new InvalidArgumentError(`"${value}": expected threshold=number, e.g. min_trades=5`);
  return { ...previous, [m[1] as string]: Number(m[2]) };
};

const ALERT_COLUMNS = ['detected_at', 'entity', 'first_seen', 'last_seen', 'resolved_at', 'summary'].map(
  (name) => ({ name, type: 'String' }),
);

function printRun(r: BacktestResult): void {
  const t = Object.entries(r.thresholds)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  print(
    `${r.rule} at ${t}: ${r.alerts.length} alert(s) from ${r.evaluations} evaluations (${r.elapsed_ms} ms)`,
  );
  process.stdout.write(
    renderTable(
      ALERT_COLUMNS,
      r.alerts.map((a) => [
        a.detected_at,
        a.entity,
        a.first_seen,
        a.last_seen,
        a.resolved_at || '-',
        a.summary,
      ]),
    ),
  );
  if (r.scenarios.length)
    print(
      `planted scenarios: ${r.scenarios.filter((s) => s.caught).length} of ${r.scenarios.length} caught${r.scenarios
        .map((s) => `\n  ${s.caught ? 'caught' : 'MISSED'}  ${s.scenario} on ${s.entity}`)
        .join('')}`,
    );
}

/** `tradewatch rules …`: the rule files, offline from the live views. */
export function rulesCommand(onClose: (close: () => Promise<void>) => void): Command {
  const clickhouse = lazyClickHouse(onClose);
  const rules = new Command('rules').description('alert rules: backtest over stored facts');
  rules
    .command('backtest')
    .description(
      'evaluate a rule at past moments over stored facts (each seeing only facts up to it) and list the alerts it would have raised; writes nothing',
    )
    .argument('[rule]', 'rule id (alerting/rules/<id>.sql); or --rule')
    .option('--rule <id>', 'rule id, as an option')
    .option('--from <time>', 'first evaluation: UTC time or time ago (30m, 6h, 2d)', '1h')
    .option('--to <time>', 'last evaluation: UTC time or time ago; default now')
    .option('--step <step>', "between evaluations (2s, 1m); default the rule's refresh_s", stepOf)
    .option(
      '--set <threshold=value>',
      'a second threshold set, run beside the rule’s own (repeatable)',
      setting,
      {} as Record<string, number>,
    )
    .option('--json', 'print the result(s) as JSON')
    .action(
      async (
        positional: string | undefined,
        o: {
          rule?: string;
          from: string;
          to?: string;
          step?: number;
          set: Record<string, number>;
          json?: boolean;
        },
      ) => {
        if (positional !== undefined && o.rule !== undefined && positional !== o.rule)
          throw new InvalidArgumentError(`two rules given: ${positional} and --rule ${o.rule}; name one`);
        const ruleId = positional ?? o.rule;
        if (ruleId === undefined)
          throw new InvalidArgumentError('which rule? `tradewatch rules backtest <rule>` or `--rule <id>`');
        const now = Date.now();
        const fromMs = parseInstant(o.from, now);
        const toMs = o.to === undefined ? now : parseInstant(o.to, now);
        const ch = await clickhouse();
        const base = { ruleId, fromMs, toMs, ...(o.step === undefined ? {} : { stepMs: o.step }) };
        const runs = [await backtestRule(ch, base)];
        if (Object.keys(o.set).length) runs.push(await backtestRule(ch, { ...base, thresholds: o.set }));
        if (o.json) {
          process.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
          return;
        }
        const [first] = runs as [BacktestResult];
        const whole = first.tables.filter((t) => t.timeColumn === undefined).map((t) => t.name);
        print(
          `as of each moment from ${first.from} to ${first.to} every ${first.step_ms} ms; cut at the moment: ${first.tables
            .filter((t) => t.timeColumn)
            .map((t) => `${t.name}.${t.timeColumn}`)
            .join(', ')}${whole.length ? `; read whole (no time column): ${whole.join(', ')}` : ''}`,
        );
        for (const r of runs) printRun(r);
        if (runs.length === 2)
          print(
            `compared: ${runs.map((r) => r.alerts.length).join(' → ')} alert(s) with ${Object.entries(o.set)
              .map(([k, v]) => `${k}=${v}`)
              .join(' ')}`,
          );
      },
    );
  return rules;
}
