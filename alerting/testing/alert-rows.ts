import { randomBytes } from 'node:crypto';
import type { ClickHouseClient } from '../../lib/clickhouse/client.js';

/** Rows for the alerts table, as a rule would write them, with partial overrides. */
export function anAlertRow(o: Record<string, unknown> = {}): Record<string, unknown> {
  const fingerprint = randomBytes(32).toString('hex');
  const rule = (o.rule_id as string | undefined) ?? 'account-takeover';
  const now = new Date().toISOString().replace('T', ' ').replace('Z', '');
  return {
    fingerprint,
    alert_id: `${rule}-${fingerprint.slice(0, 12)}`,
    rule_id: rule,
    severity: 'critical',
    entity_type: 'account',
    entity: `acc-${fingerprint.slice(0, 6)}`,
    related: [],
    venue: '',
    title: 'Test alert',
    summary: 'something happened',
    evidence: '{"rows":[1,2,3]}',
    window_start: now,
    first_seen: now,
    last_seen: now,
    trigger_at: now,
    detected_at: now,
    status: 'firing',
    updated_at: now,
    ...o,
  };
}

export async function insertAlerts(
  clickhouse: ClickHouseClient,
  rows: Record<string, unknown>[],
): Promise<void> {
  await clickhouse.insert({ table: 'alerts', format: 'JSONEachRow', values: rows });
}

export async function insertRuleMeta(
  clickhouse: ClickHouseClient,
  ruleId: string,
  resolveAfterS: number,
): Promise<void> {
  await clickhouse.insert({
    table: 'alert_rules',
    format: 'JSONEachRow',
    values: [
      {
        rule_id: ruleId,
        title: ruleId,
        severity: 'high',
        entity_type: 'market',
        description: 'test',
        runbook: `Runbook for ${ruleId} <with> & "marks"`,
        thresholds: '{}',
        resolve_after_s: resolveAfterS,
        view_name: '',
        definition_hash: '0'.repeat(64),
      },
    ],
  });
}
