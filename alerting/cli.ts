/**
 * `npm run alerts -- <command>` (and `tradewatch alerts …`, which mounts the same commands):
 * what on-call does from a terminal. Every change is an append to ClickHouse (alert_actions
 * is the audit trail; alert_silences the silences).
 *   list [--status firing|acknowledged|resolved|all] [--rule id]
 *   tail [--rule id] [--since 10m]    follows new alerts until Ctrl-C
 *   show <alert>            ack <alert>            assign <alert> <person>
 *   resolve <alert>         silence --rule id --entity x --for 2h --reason "…"
 *   silences                unsilence <silence-id>  install-rules
 * `--as <name>` (default $USER) names who acted.
 */
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { type ClickHouseClient, createClickHouse, queryRows } from '../lib/clickhouse/client.js';
import { loadConfig } from '../lib/config/config.js';
import { createLogger } from '../lib/log.js';
import { terminalSafe } from '../lib/terminal-text.js';
import { sleep } from '../lib/time.js';
import { loadNotifierEnv, loadRouting } from './config.js';
import { installRules } from './rules/loader.js';
import {
  type AlertAction,
  AlertStore,
  chTime,
  chTimeMs,
  OUTCOMES,
  type Outcome,
  type Silence,
} from './store.js';

/** Where the commands get their ClickHouse client: opened on first use, so --help needs none. */
export interface AlertsContext {
  clickhouse(): Promise<ClickHouseClient>;
}

// Alert fields come from events and rules: escape sequences and bidi controls are printed visibly.
const print = (line: string) => process.stdout.write(`${terminalSafe(line)}\n`);

const duration = (value: string): number => {
  const m = /^(\d+)(s|m|h|d)$/.exec(value);
  if (!m) throw new InvalidArgumentError('a duration like 90s, 30m, 2h or 1d');
  return Number(m[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
};

const outcome = (value: string): Outcome => {
  if (!(OUTCOMES as readonly string[]).includes(value))
    throw new InvalidArgumentError(`one of ${OUTCOMES.join(', ')}`);
  return value as Outcome;
};

const version = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError('a whole number ≥ 0 (the version "show" prints)');
  return n;
};

const whole = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number ≥ 1');
  return n;
};

const actor = (cmd: Command): string =>
  (cmd.optsWithGlobals().as as string | undefined) ?? userInfo().username;

const ALERT_COLUMNS = `alert_id, toString(severity) AS severity, effective_status, entity, assignee, detected_at, summary`;

/** One alert per line, the same for `list` and `tail`. */
const alertLine = (r: Record<string, string>): string =>
  `${r.detected_at}  ${r.alert_id}  ${r.severity}  ${r.effective_status}  ${r.entity}  ${r.assignee || '-'}  ${r.summary}`;

/** Alerts whose detection time may still be written late are looked at again for this long. */
const TAIL_OVERLAP_MS = 60_000;

/** Prints alerts detected from `sinceMs` on, then each new one, until SIGINT/SIGTERM. */
async function tailAlerts(
  clickhouse: ClickHouseClient,
  o: { rule?: string; since: number; intervalMs: number },
): Promise<void> {
  const stop = new AbortController();
  const end = () => stop.abort();
  process.once('SIGINT', end);
  process.once('SIGTERM', end);
  // The server's clock, not this machine's: detected_at is written by ClickHouse.
  const [clock] = await queryRows<{ now: string }>(clickhouse, 'SELECT toString(now64(3)) AS now');
  const startMs = chTimeMs(clock?.now ?? chTime(Date.now())) - o.since;
  const seen = new Map<string, number>();
  let newestMs = startMs;
  try {
    while (!stop.signal.aborted) {
      const from = Math.max(startMs, newestMs - TAIL_OVERLAP_MS);
      const rows = await queryRows<Record<string, string>>(
        clickhouse,
        `SELECT ${ALERT_COLUMNS} FROM alerts_current
         WHERE detected_at >= {from:DateTime64(3)} AND ({rule:String} = '' OR rule_id = {rule:String})
         ORDER BY detected_at, alert_id`,
        { from: chTime(from), rule: o.rule ?? '' },
      );
      for (const r of rows) {
        const id = r.alert_id as string;
        if (seen.has(id)) continue;
        const at = chTimeMs(r.detected_at as string);
        seen.set(id, at);
        newestMs = Math.max(newestMs, at);
        print(alertLine(r));
      }
      for (const [id, at] of seen) if (at < newestMs - 2 * TAIL_OVERLAP_MS) seen.delete(id);
      await Promise.race([
        sleep(o.intervalMs),
        new Promise((done) => stop.signal.addEventListener('abort', done)),
      ]);
    }
  } finally {
    process.off('SIGINT', end);
    process.off('SIGTERM', end);
  }
}

/** The alerts commands, for `npm run alerts` and `tradewatch alerts` alike. */
export function alertsCommand(ctx: AlertsContext, name = 'alerts'): Command {
  const store = async () => new AlertStore(await ctx.clickhouse());

  async function act(
    idOrFp: string,
    action: AlertAction,
    cmd: Command,
    extra: { assignee?: string; note?: string; outcome?: Outcome } = {},
  ) {
    const alerts = await store();
    const alert = await alerts.alert(idOrFp);
    if (!alert) {
      process.stderr.write(`no alert "${idOrFp}" (use the alert id from "list", or the fingerprint)\n`);
      process.exitCode = 2;
      return;
    }
    // The console's optimistic check (alerting/actions.ts), from a terminal: act only if
    // nobody has acted since the version you saw (`show` prints it).
    const expected = cmd.opts().ifVersion as number | undefined;
    if (expected !== undefined) {
      const version = await alerts.actionVersion(alert.fingerprint);
      if (version !== expected) {
        process.stderr.write(
          `${alert.alert_id} changed since you looked (version ${expected}, now ${version}): nothing written; run "alerts show ${alert.alert_id}" and try again\n`,
        );
        process.exitCode = 1;
        return;
      }
    }
    await alerts.recordAction({
      fingerprint: alert.fingerprint,
      alert_id: alert.alert_id,
      action,
      actor: actor(cmd),
      via: 'cli',
      ...extra,
    });
    print(`${alert.alert_id}: ${action}${extra.assignee ? ` → ${extra.assignee}` : ''} (by ${actor(cmd)})`);
  }

  const program = new Command(name).description(
    'Tradewatch alerts: list, tail, acknowledge, assign, resolve, silence',
  );
  program.option('--as <name>', 'who is acting (audit trail)');

  program
    .command('list')
    .description('alerts, newest first, with their current status')
    .option('--status <status>', 'firing, acknowledged, resolved or all', 'all')
    .option('--rule <id>', 'only this rule')
    .option('--limit <n>', 'newest n', whole, 50)
    .action(async (o: { status: string; rule?: string; limit: number }) => {
      const rows = await queryRows<Record<string, string>>(
        await ctx.clickhouse(),
        `SELECT ${ALERT_COLUMNS}
       FROM alerts_current
       WHERE ({status:String} = 'all' OR effective_status = {status:String}) AND ({rule:String} = '' OR rule_id = {rule:String})
       ORDER BY detected_at DESC LIMIT {limit:UInt32}`,
        { status: o.status, rule: o.rule ?? '', limit: o.limit },
      );
      for (const r of rows) print(alertLine(r));
      if (rows.length === 0) print('no alerts');
    });

  program
    .command('tail')
    .description('follow new alerts as rules detect them, one line each, until Ctrl-C')
    .option('--rule <id>', 'only this rule')
    .option('--since <duration>', 'also print alerts detected this long ago (90s, 10m, 1h)', duration, 0)
    .option('--interval-ms <ms>', 'how often to look for new alerts', whole, 1000)
    .action(async (o: { rule?: string; since: number; intervalMs: number }) =>
      tailAlerts(await ctx.clickhouse(), o),
    );

  program
    .command('show <alert>')
    .description('one alert with its evidence and audit trail')
    .action(async (id: string) => {
      const a = await (await store()).alert(id);
      if (!a) {
        process.stderr.write(`no alert "${id}"\n`);
        process.exitCode = 2;
        return;
      }
      print(JSON.stringify({ ...a, evidence: JSON.parse(a.evidence || 'null') }, null, 2));
      print(
        `version: ${await (await store()).actionVersion(a.fingerprint)}  (act with --if-version to refuse if it changed)`,
      );
      const trail = await queryRows<Record<string, string>>(
        await ctx.clickhouse(),
        'SELECT at, action, actor, assignee, note FROM alert_actions WHERE fingerprint = {fp:String} ORDER BY at',
        { fp: a.fingerprint },
      );
      for (const t of trail)
        print(`${t.at}  ${t.action}  by ${t.actor}${t.assignee ? ` → ${t.assignee}` : ''}  ${t.note}`);
    });

  program
    .command('ack <alert>')
    .option('--if-version <n>', 'act only if the alert is still at this version (see show)', version)
    .description('acknowledge: stops reminders')
    .option('--note <text>')
    .action((id: string, o: { note?: string }, cmd: Command) =>
      act(id, 'acknowledge', cmd, o.note ? { note: o.note } : {}),
    );
  program
    .command('assign <alert> <person>')
    .option('--if-version <n>', 'act only if the alert is still at this version (see show)', version)
    .description('give an alert to someone')
    .action((id: string, person: string, _o: unknown, cmd: Command) =>
      act(id, 'assign', cmd, { assignee: person }),
    );
  program
    .command('resolve <alert>')
    .option('--if-version <n>', 'act only if the alert is still at this version (see show)', version)
    .description('close an alert (a resolved notice goes out)')
    .option('--note <text>')
    .option('--outcome <outcome>', `how it turned out: ${OUTCOMES.join(', ')}`, outcome)
    .action((id: string, o: { note?: string; outcome?: Outcome }, cmd: Command) =>
      act(id, 'resolve', cmd, {
        ...(o.note ? { note: o.note } : {}),
        ...(o.outcome ? { outcome: o.outcome } : {}),
      }),
    );
  program
    .command('reopen <alert>')
    .option('--if-version <n>', 'act only if the alert is still at this version (see show)', version)
    .description('open a resolved alert again')
    .action((id: string, _o: unknown, cmd: Command) => act(id, 'reopen', cmd));

  program
    .command('silence')
    .description('mute a rule, an entity, or both, for a time')
    .option('--rule <id>', 'rule id (omit: any rule)', '')
    .option('--entity <entity>', 'entity (omit: any entity)', '')
    .requiredOption('--for <duration>', 'how long: 30m, 2h, 1d', duration)
    .requiredOption('--reason <text>', 'why (kept with the silence)')
    .action(async (o: { rule: string; entity: string; for: number; reason: string }, cmd: Command) => {
      if (!o.rule && !o.entity) throw new InvalidArgumentError('give --rule, --entity or both');
      const now = Date.now();
      const silence = {
        silence_id: randomUUID(),
        rule_id: o.rule,
        entity: o.entity,
        starts_at: chTime(now),
        ends_at: chTime(now + o.for),
        created_by: actor(cmd),
        reason: o.reason,
      };
      await (await store()).addSilence(silence);
      print(`silence ${silence.silence_id} until ${silence.ends_at} UTC`);
    });

  program
    .command('silences')
    .description('the silences in force now')
    .action(async () => {
      const list = await (await store()).activeSilences();
      for (const s of list)
        print(
          `${s.silence_id}  rule=${s.rule_id || '*'}  entity=${s.entity || '*'}  until ${s.ends_at}  by ${s.created_by}: ${s.reason}`,
        );
      if (list.length === 0) print('no active silences');
    });

  program
    .command('unsilence <id>')
    .description('end a silence now')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const [s] = await queryRows<Silence>(
        await ctx.clickhouse(),
        'SELECT silence_id, rule_id, entity, starts_at, ends_at, created_by, reason FROM alert_silences FINAL WHERE silence_id = {id:String}',
        { id },
      );
      if (!s) {
        process.stderr.write(`no silence "${id}"\n`);
        process.exitCode = 2;
        return;
      }
      // A newer version of the same silence that ends now.
      await (await store()).addSilence({
        ...s,
        ends_at: chTime(Date.now()),
        reason: `${s.reason} (ended by ${actor(cmd)})`,
      });
      print(`silence ${id} ended`);
    });

  program
    .command('install-rules')
    .description('install or update the rule views from alerting/rules with the routing file’s settings')
    .action(async () => {
      const routing = loadRouting(loadNotifierEnv().ALERTING_CONFIG_FILE);
      const report = await installRules(await ctx.clickhouse(), createLogger('alerts', { destination: 2 }), {
        settings: routing.rules,
      });
      print(JSON.stringify(report));
    });

  return program;
}

const runAsScript = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (runAsScript) {
  let client: ClickHouseClient | undefined;
  const ctx: AlertsContext = {
    clickhouse: async () => {
      if (!client) {
        const config = loadConfig();
        client = createClickHouse({ ...config, database: config.CLICKHOUSE_DATABASE });
      }
      return client;
    },
  };
  alertsCommand(ctx)
    .parseAsync()
    .catch((err: unknown) => {
      process.stderr.write(`alerts: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    })
    .finally(() => client?.close());
}
