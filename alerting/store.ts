import { type ClickHouseClient, queryRows } from '../lib/clickhouse/client.js';
import type { AlertView } from './channels/types.js';

/**
 * Everything the notifier and the CLI read from and write to ClickHouse. Tables:
 * `alerts`, `alert_actions` and the `alerts_current` view (clickhouse/baseline/baseline.sql).
 */
export interface Silence {
  silence_id: string;
  rule_id: string;
  entity: string;
  starts_at: string;
  ends_at: string;
  created_by: string;
  reason: string;
}

export interface RuleMeta {
  rule_id: string;
  runbook: string;
  resolve_after_s: number;
}

export interface DeliveryRow {
  delivery_id: string;
  fingerprint: string;
  alert_id: string;
  rule_id: string;
  channel: string;
  channel_type: string;
  kind: string;
  attempt: number;
  outcome: 'intent' | 'sent' | 'failed' | 'rejected' | 'dry_run';
  http_status: number;
  error: string;
  duration_ms: number;
  message_id: string;
}

export type AlertAction = 'acknowledge' | 'assign' | 'resolve' | 'auto_resolve' | 'reopen' | 'note';

/** How a resolved alert turned out (alert_actions.outcome, migration 0160). */
export const OUTCOMES = ['true_positive', 'false_positive', 'duplicate', 'benign'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** One row of the audit trail, as every writer (CLI, console, chat actions, notifier) records it. */
export interface ActionRecord {
  fingerprint: string;
  alert_id: string;
  action: AlertAction;
  actor: string;
  assignee?: string;
  note?: string;
  outcome?: Outcome;
  /** Where it was taken: cli, console, slack, telegram, notifier. */
  via?: string;
}

/** ClickHouse DateTime64 text ('2026-01-02 03:04:05.678', UTC) to epoch ms. */
export const chTimeMs = (s: string): number => Date.parse(`${s.replace(' ', 'T')}Z`);

/** Epoch ms to ClickHouse DateTime64(3) text, UTC. */
export const chTime = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

export class AlertStore {
  constructor(readonly clickhouse: ClickHouseClient) {}

  /** Alerts worth a look: detected recently, or still open. */
  async alerts(lookbackHours: number): Promise<AlertView[]> {
    return queryRows<AlertView>(
      this.clickhouse,
      `SELECT a.fingerprint AS fingerprint, alert_id, a.rule_id AS rule_id, toString(a.severity) AS severity,
              a.entity_type AS entity_type, entity, related, venue, a.title AS title, summary, evidence,
              first_seen, last_seen, trigger_at, detected_at, effective_status, assignee, r.runbook AS runbook,
              a.trace_parent AS trace_parent
       FROM alerts_current AS a
       LEFT JOIN (SELECT rule_id, argMax(runbook, installed_at) AS runbook FROM alert_rules GROUP BY rule_id) AS r
         ON r.rule_id = a.rule_id
       WHERE detected_at >= now64(3) - INTERVAL {h:UInt32} HOUR OR effective_status != 'resolved'
       ORDER BY detected_at, fingerprint`,
      { h: lookbackHours },
    );
  }

  async alert(idOrFingerprint: string): Promise<AlertView | undefined> {
    const rows = await queryRows<AlertView>(
      this.clickhouse,
      `SELECT fingerprint, alert_id, rule_id, toString(severity) AS severity, entity_type, entity, related, venue,
              title, summary, evidence, first_seen, last_seen, trigger_at, detected_at, effective_status, assignee,
              '' AS runbook, trace_parent
       FROM alerts_current WHERE alert_id = {id:String} OR fingerprint = {id:String} LIMIT 1`,
      { id: idOrFingerprint },
    );
    return rows[0];
  }

  async rules(): Promise<RuleMeta[]> {
    return queryRows<RuleMeta>(
      this.clickhouse,
      `SELECT rule_id, argMax(runbook, installed_at) AS runbook, argMax(resolve_after_s, installed_at) AS resolve_after_s
       FROM alert_rules GROUP BY rule_id`,
    );
  }

  async activeSilences(): Promise<Silence[]> {
    return queryRows<Silence>(
      this.clickhouse,
      `SELECT silence_id, rule_id, entity, starts_at, ends_at, created_by, reason
       FROM alert_silences FINAL WHERE starts_at <= now64(3) AND ends_at > now64(3) ORDER BY ends_at`,
    );
  }

  async addSilence(s: Silence): Promise<void> {
    await this.clickhouse.insert({ table: 'alert_silences', format: 'JSONEachRow', values: [s] });
  }

  /** Delivery ids that are finished (sent, dry-run, or refused for good) and attempts so far. */
  async deliveryState(): Promise<{ done: Set<string>; attempts: Map<string, number> }> {
    const rows = await queryRows<{ delivery_id: string; done: number; attempts: string | number }>(
      this.clickhouse,
      `SELECT delivery_id, max(outcome IN ('sent', 'dry_run', 'rejected')) AS done, max(attempt) AS attempts
       FROM alert_deliveries GROUP BY delivery_id`,
    );
    return {
      done: new Set(rows.filter((r) => Number(r.done) === 1).map((r) => r.delivery_id)),
      attempts: new Map(rows.map((r) => [r.delivery_id, Number(r.attempts)])),
    };
  }

  async logDeliveries(rows: DeliveryRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.clickhouse.insert({ table: 'alert_deliveries', format: 'JSONEachRow', values: rows });
  }

  async recordAction(a: ActionRecord): Promise<void> {
    await this.clickhouse.insert({
      table: 'alert_actions',
      format: 'JSONEachRow',
      values: [{ assignee: '', note: '', outcome: '', via: '', ...a }],
    });
  }

  /**
   * The alert's version for optimistic concurrency: how many actions it has. Every change
   * appends one, so a writer that read version n and finds n+1 knows someone else acted.
   */
  async actionVersion(fingerprint: string): Promise<number> {
    const rows = await queryRows<{ n: string }>(
      this.clickhouse,
      'SELECT count() AS n FROM alert_actions WHERE fingerprint = {fp:String}',
      { fp: fingerprint },
    );
    return Number(rows[0]?.n ?? 0);
  }
}
