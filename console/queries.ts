import { z } from 'zod';
import type { AlertView } from '../alerting/channels/types.js';
import { type ClickHouseClient, queryRows } from '../lib/clickhouse/client.js';

/** The queue's filters, from the query string: every one optional, each checked. */
export const queueFilterSchema = z.object({
  rule: z.string().max(100).default(''),
  severity: z.enum(['', 'info', 'warning', 'high', 'critical']).default(''),
  status: z.enum(['open', 'firing', 'acknowledged', 'resolved', 'all']).default('open'),
  assignee: z.string().max(100).default(''),
  entity: z.string().max(200).default(''),
  /** datetime-local values ('2026-12-01T10:00'), UTC. */
  from: z
    .string()
    .regex(/^(\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?)?$/, 'a time like 2026-12-01T10:00 (UTC)')
    .default(''),
  to: z
    .string()
    .regex(/^(\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?)?$/, 'a time like 2026-12-01T10:00 (UTC)')
    .default(''),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});
export type QueueFilter = z.infer<typeof queueFilterSchema>;

export interface QueueRow {
  alert_id: string;
  fingerprint: string;
  rule_id: string;
  severity: string;
  entity_type: string;
  entity: string;
  title: string;
  summary: string;
  detected_at: string;
  effective_status: string;
  assignee: string;
}

const chTimeParam = (local: string, fallback: string) => (local ? local.replace('T', ' ') : fallback);

const FILTER_SQL = `({rule:String} = '' OR rule_id = {rule:String})
  AND ({severity:String} = '' OR toString(severity) = {severity:String})
  AND ({status:String} = 'all' OR effective_status = {status:String}
       OR ({status:String} = 'open' AND effective_status != 'resolved'))
  AND ({assignee:String} = '' OR assignee = {assignee:String})
  AND ({entity:String} = '' OR entity = {entity:String} OR has(related, {entity:String}))
  AND detected_at >= parseDateTime64BestEffort({from:String}, 3, 'UTC')
  AND detected_at <= parseDateTime64BestEffort({to:String}, 3, 'UTC')`;

const filterParams = (f: QueueFilter) => ({
  rule: f.rule,
  severity: f.severity,
  status: f.status,
  assignee: f.assignee,
  entity: f.entity,
  from: chTimeParam(f.from, '1970-01-02 00:00:00'),
  to: chTimeParam(f.to, '2200-01-01 00:00:00'),
});

/** What the console reads beside alerting/store.ts: the queue, an alert's history, entities. */
export class ConsoleQueries {
  constructor(private readonly clickhouse: ClickHouseClient) {}

  queue(f: QueueFilter): Promise<QueueRow[]> {
    return queryRows<QueueRow>(
      this.clickhouse,
      `SELECT alert_id, fingerprint, rule_id, toString(severity) AS severity, entity_type, entity, title, summary,
              detected_at, effective_status, assignee
       FROM alerts_current WHERE ${FILTER_SQL}
       ORDER BY detected_at DESC, alert_id LIMIT {limit:UInt32}`,
      { ...filterParams(f), limit: f.limit },
    );
  }

  /** Alerts per effective status under the same filters (the status filter aside). */
  async counts(f: QueueFilter): Promise<Record<string, number>> {
    const rows = await queryRows<{ s: string; n: string }>(
      this.clickhouse,
      `SELECT effective_status AS s, count() AS n FROM alerts_current WHERE ${FILTER_SQL} GROUP BY s`,
      filterParams({ ...f, status: 'all' }),
    );
    const out: Record<string, number> = { firing: 0, acknowledged: 0, resolved: 0 };
    for (const r of rows) out[r.s] = Number(r.n);
    return out;
  }

  /** Choices for the filter drop-downs. */
  async facets(): Promise<{ rules: string[]; assignees: string[] }> {
    const [rules, assignees] = await Promise.all([
      queryRows<{ v: string }>(this.clickhouse, 'SELECT DISTINCT rule_id AS v FROM alerts ORDER BY v'),
      queryRows<{ v: string }>(
        this.clickhouse,
        "SELECT DISTINCT assignee AS v FROM alert_actions WHERE action = 'assign' AND assignee != '' ORDER BY v",
      ),
    ]);
    return { rules: rules.map((r) => r.v), assignees: assignees.map((r) => r.v) };
  }

  /** Changes whenever an alert is written or acted on: what the live queue watches. */
  async changeMark(): Promise<string> {
    const [row] = await queryRows<{ a: string; b: string }>(
      this.clickhouse,
      `SELECT (SELECT toString(max(updated_at)) || '/' || toString(count()) FROM alerts) AS a,
              (SELECT toString(max(at)) || '/' || toString(count()) FROM alert_actions) AS b`,
    );
    return `${row?.a}|${row?.b}`;
  }

  trail(fingerprint: string) {
    return queryRows<{
      at: string;
      action: string;
      actor: string;
      assignee: string;
      note: string;
      outcome: string;
      via: string;
    }>(
      this.clickhouse,
      `SELECT toString(at) AS at, toString(action) AS action, actor, assignee, note, toString(outcome) AS outcome, via
       FROM alert_actions WHERE fingerprint = {fp:String} ORDER BY at, action`,
      { fp: fingerprint },
    );
  }

  deliveries(fingerprint: string) {
    return queryRows<{
      at: string;
      channel: string;
      channel_type: string;
      kind: string;
      attempt: number;
      outcome: string;
      http_status: number;
      error: string;
      duration_ms: number;
    }>(
      this.clickhouse,
      `SELECT toString(at) AS at, channel, channel_type, kind, attempt, toString(outcome) AS outcome, http_status, error, duration_ms
       FROM alert_deliveries WHERE fingerprint = {fp:String} ORDER BY channel, at`,
      { fp: fingerprint },
    );
  }

  /** The entity's other alerts, newest first. */
  entityAlerts(entity: string, except = '') {
    return queryRows<QueueRow>(
      this.clickhouse,
      `SELECT alert_id, fingerprint, rule_id, toString(severity) AS severity, entity_type, entity, title, summary,
              detected_at, effective_status, assignee
       FROM alerts_current WHERE (entity = {e:String} OR has(related, {e:String})) AND alert_id != {x:String}
       ORDER BY detected_at DESC LIMIT 50`,
      { e: entity, x: except },
    );
  }

  runbook(ruleId: string): Promise<string> {
    return queryRows<{ r: string }>(
      this.clickhouse,
      'SELECT argMax(runbook, installed_at) AS r FROM alert_rules WHERE rule_id = {id:String}',
      { id: ruleId },
    ).then((rows) => rows[0]?.r ?? '');
  }

  /** Daily risk score and its components (user_risk_daily), oldest first. */
  accountRisk(account: string) {
    return queryRows<Record<string, number | string>>(
      this.clickhouse,
      `SELECT toString(day) AS t, risk_score, c_new_ip, c_failed_logins, c_withdrawal_ratio, c_large_withdrawal,
              c_self_trade, c_cancel_ratio, logins, failed_logins, withdrawals_usd, deposits_usd, self_trades
       FROM user_risk_daily FINAL WHERE account_id = {id:String} ORDER BY day LIMIT 400`,
      { id: account },
    );
  }

  tokenRisk(token: string) {
    return queryRows<Record<string, number | string>>(
      this.clickhouse,
      `SELECT toString(bucket) AS t, risk_score, c_buzz, c_negative, c_price_move, c_volatility, c_wash,
              mentions, sentiment_mean, price_move_bps
       FROM token_risk_5m FINAL WHERE token = {id:String} AND bucket >= now() - INTERVAL 2 DAY ORDER BY bucket`,
      { id: token },
    );
  }

  /** A market's minutes; the entity is "VENUE:SYMBOL" or a bare symbol (any venue). */
  marketHealth(market: string) {
    const [venue, symbol] = market.includes(':') ? market.split(':', 2) : ['', market];
    return queryRows<Record<string, number | string | null>>(
      this.clickhouse,
      `SELECT toString(minute) AS t, venue, close, vwap, trades, volume, spread_bps_mean, spread_bps_max,
              bid_depth_mean, ask_depth_mean, latency_ms_p95
       FROM market_1m FINAL
       WHERE symbol = {s:String} AND ({v:String} = '' OR venue = {v:String}) AND minute >= now() - INTERVAL 6 HOUR
       ORDER BY minute LIMIT 2000`,
      { s: symbol ?? '', v: venue ?? '' },
    );
  }
}

export type { AlertView };
