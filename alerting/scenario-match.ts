import { type ClickHouseClient, queryRows } from '../lib/clickhouse/client.js';
import type { ScenarioName } from '../lib/contracts/simulation.js';

/**
 * Which alert catches which simulator scenario: shared by the detection report and
 * `make demo`, so both judge detection the same way.
 */

/** The rule that must catch each scenario. */
export const RULE_OF: Readonly<Record<ScenarioName, string>> = {
  'account-takeover': 'account-takeover',
  'wash-trading': 'wash-trading',
  spoofing: 'spoofing',
  'pump-and-dump': 'pump-and-dump',
  'negative-buzz': 'negative-buzz',
};

/** An alert row with what matching and latency need. */
export interface AlertRow {
  fingerprint: string;
  rule_id: string;
  entity: string;
  related: string[];
  trigger_at: string;
  detected_at: string;
}

/** What a label says about a planted scenario (sim.labels). */
export interface PlantedScenario {
  scenario: string;
  entity: string;
}

/** The scenario's rule fired on its entity (or named it among the related ones: wash-trading's counterparty). */
export const catches = (alert: AlertRow, planted: PlantedScenario): boolean =>
  RULE_OF[planted.scenario as ScenarioName] === alert.rule_id &&
  (alert.entity === planted.entity || alert.related.includes(planted.entity));

/** Every alert so far, oldest detection first. */
export const readAlerts = (clickhouse: ClickHouseClient): Promise<AlertRow[]> =>
  queryRows<AlertRow>(
    clickhouse,
    'SELECT fingerprint, rule_id, entity, related, trigger_at, detected_at FROM alerts FINAL ORDER BY detected_at',
  );

/**
 * Records, per alert fingerprint, when a webhook peer first received it in a firing
 * notice; call it again as requests arrive (fingerprints already seen keep their time).
 */
export function recordFiringDeliveries(
  requests: ReadonlyArray<{ at: number; body: string; delivered: boolean }>,
  receivedAt: Map<string, number>,
): void {
  for (const r of requests) {
    if (!r.delivered) continue;
    const body = JSON.parse(r.body) as { kind: string; alerts: { fingerprint: string }[] };
    if (body.kind !== 'firing') continue;
    for (const a of body.alerts) if (!receivedAt.has(a.fingerprint)) receivedAt.set(a.fingerprint, r.at);
  }
}
