/**
 * `npm run alerts -- <command>`: what on-call does from a terminal. Every change is an
 * append to ClickHouse (alert_actions is the audit trail; alert_silences the silences).
 *   list [--status firing|acknowledged|resolved|all] [--rule id]
 *   show <alert>            ack <alert>            assign <alert> <person>
 *   resolve <alert>         silence --rule id --entity x --for 2h --reason "…"
 *   silences                unsilence <silence-id>  install-rules
 * `--as <name>` (default $USER) names who acted.
 */
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { createClickHouse, queryRows } from '../lib/clickhouse/client.js';
import { loadConfig } from '../lib/config/config.js';
import { createLogger } from '../lib/log.js';
import { loadNotifierEnv, loadRouting } from './config.js';
import { installRules } from './rules/loader.js';
import { type AlertAction, AlertStore, type Silence } from './store.js';

const config = loadConfig();
const clickhouse = createClickHouse({ ...config, database: config.CLICKHOUSE_DATABASE });
const store = new AlertStore(clickhouse);
const print = (line: string) => process.stdout.write(`${line}\n`);

const duration = (value: string): number => {
  const m = /^(\d+)(s|m|h|d)$/.exec(value);
  if (!m) throw new InvalidArgumentError('a duration like 90s, 30m, 2h or 1d');
  return Number(m[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
};

const actor = (cmd: Command): string =>
  (cmd.optsWithGlobals().as as string | undefined) ?? userInfo().username;

const chTime = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

async function act(
  idOrFp: string,
  action: AlertAction,
  cmd: Command,
  extra: { assignee?: string; note?: string } = {},
) {
  const alert = await store.alert(idOrFp);
  if (!alert) {
    process.stderr.write(`no alert "${idOrFp}" (use the alert id from "list", or the fingerprint)\n`);
    process.exitCode = 2;
    return;
  }
  await store.recordAction({
    fingerprint: alert.fingerprint,
    alert_id: alert.alert_id,
    action,
    actor: actor(cmd),
    ...extra,
  });
  print(`${alert.alert_id}: ${action}${extra.assignee ? ` → ${extra.assignee}` : ''} (by ${actor(cmd)})`);
}

const program = new Command('alerts').description(
  'Tradewatch alerts: list, acknowledge, assign, resolve, silence',
);
program.option('--as <name>', 'who is acting (audit trail)');

program
  .command('list')
  .option('--status <status>', 'firing, acknowledged, resolved or all', 'all')
  .option('--rule <id>', 'only this rule')
  .option('--limit <n>', 'newest n', '50')
  .action(async (o: { status: string; rule?: string; limit: string }) => {
    const rows = await queryRows<Record<string, string>>(
      clickhouse,
      `SELECT alert_id, toString(severity) AS severity, effective_status, entity, assignee, detected_at, summary
       FROM alerts_current
       WHERE ({status:String} = 'all' OR effective_status = {status:String}) AND ({rule:String} = '' OR rule_id = {rule:String})
       ORDER BY detected_at DESC LIMIT {limit:UInt32}`,
      { status: o.status, rule: o.rule ?? '', limit: Number(o.limit) },
    );
    for (const r of rows)
      print(
        `${r.detected_at}  ${r.alert_id}  ${r.severity}  ${r.effective_status}  ${r.entity}  ${r.assignee || '-'}  ${r.summary}`,
      );
    if (rows.length === 0) print('no alerts');
  });

program.command('show <alert>').action(async (id: string) => {
  const a = await store.alert(id);
  if (!a) {
    process.stderr.write(`no alert "${id}"\n`);
    process.exitCode = 2;
    return;
  }
  print(JSON.stringify({ ...a, evidence: JSON.parse(a.evidence || 'null') }, null, 2));
  const trail = await queryRows<Record<string, string>>(
    clickhouse,
    'SELECT at, action, actor, assignee, note FROM alert_actions WHERE fingerprint = {fp:String} ORDER BY at',
    { fp: a.fingerprint },
  );
  for (const t of trail)
    print(`${t.at}  ${t.action}  by ${t.actor}${t.assignee ? ` → ${t.assignee}` : ''}  ${t.note}`);
});

program
  .command('ack <alert>')
  .option('--note <text>')
  .action((id: string, o: { note?: string }, cmd: Command) =>
    act(id, 'acknowledge', cmd, o.note ? { note: o.note } : {}),
  );
program
  .command('assign <alert> <person>')
  .action((id: string, person: string, _o: unknown, cmd: Command) =>
    act(id, 'assign', cmd, { assignee: person }),
  );
program
  .command('resolve <alert>')
  .option('--note <text>')
  .action((id: string, o: { note?: string }, cmd: Command) =>
    act(id, 'resolve', cmd, o.note ? { note: o.note } : {}),
  );
program.command('reopen <alert>').action((id: string, _o: unknown, cmd: Command) => act(id, 'reopen', cmd));

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
    await store.addSilence(silence);
    print(`silence ${silence.silence_id} until ${silence.ends_at} UTC`);
  });

program.command('silences').action(async () => {
  const list = await store.activeSilences();
  for (const s of list)
    print(
      `${s.silence_id}  rule=${s.rule_id || '*'}  entity=${s.entity || '*'}  until ${s.ends_at}  by ${s.created_by}: ${s.reason}`,
    );
  if (list.length === 0) print('no active silences');
});

program.command('unsilence <id>').action(async (id: string, _o: unknown, cmd: Command) => {
  const [s] = await queryRows<Silence>(
    clickhouse,
    'SELECT silence_id, rule_id, entity, starts_at, ends_at, created_by, reason FROM alert_silences FINAL WHERE silence_id = {id:String}',
    { id },
  );
  if (!s) {
    process.stderr.write(`no silence "${id}"\n`);
    process.exitCode = 2;
    return;
  }
  // A newer version of the same silence that ends now.
  await store.addSilence({
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
    const report = await installRules(clickhouse, createLogger('alerts', { destination: 2 }), {
      settings: routing.rules,
    });
    print(JSON.stringify(report));
  });

program
  .parseAsync()
  .catch((err: unknown) => {
    process.stderr.write(`alerts: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => clickhouse.close());
