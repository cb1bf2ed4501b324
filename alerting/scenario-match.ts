import { type ClickHouseClient, queryRows } from '../lib/clickhouse/client.js';
import type { ScenarioName } from '../lib/contracts/simulation.js';
import { TAPE_CASES } from '../producers/market/derivatives-tape.js';

/**
 * Which alert catches which simulator scenario: shared by the detection report and
 * `make demo`, so both judge detection the same way.
 */

/**
 * The rule each scenario is about: the rule that must catch it, or, for a negative control
 * (CONTROLS), the rule that must stay silent on it.
 */
export const RULE_OF: Readonly<Record<ScenarioName, string>> = {
  'account-takeover': 'account-takeover',
  'wash-trading': 'wash-trading',
  spoofing: 'spoofing',
  'pump-and-dump': 'pump-and-dump',
  'negative-buzz': 'negative-buzz',
  'account-takeover-split': 'account-takeover',
  'carrier-nat-login': 'account-takeover',
  'marking-the-close': 'marking-the-close',
  'twap-buyer': 'marking-the-close',
  'self-cross-stale-order': 'wash-trading',
  'large-bid-requote': 'spoofing',
  'market-wide-gloom': 'negative-buzz',
  'wash-ring': 'circular-wash-trading',
  'unlinked-cycle-traders': 'circular-wash-trading',
  'insider-before-listing': 'insider-before-listing',
  'listing-news-trader': 'insider-before-listing',
  layering: 'layering',
  'ladder-market-maker': 'layering',
  'front-running': 'front-running',
  'linked-buy-and-hold': 'front-running',
  'organic-rally': 'pump-and-dump',
  'broken-producer': 'dead-letter-surge',
  'stray-bad-event': 'dead-letter-surge',
  'late-batch': 'ingestion-lag',
  'late-within-tolerance': 'ingestion-lag',
  'poison-message': 'consumer-exceptions',
  'dead-lettered-line': 'consumer-exceptions',
};

/** Rules whose entity is a Kafka topic name, prefix included. */
const PREFIXED_RULES: ReadonlySet<string> = new Set(['dead-letter-surge']);

/** Negative controls: the legitimate behaviour closest to a pattern; their rule must not fire. */
export const CONTROLS: ReadonlySet<ScenarioName> = new Set<ScenarioName>([
  'carrier-nat-login',
  'twap-buyer',
  'self-cross-stale-order',
  'large-bid-requote',
  'market-wide-gloom',
  'unlinked-cycle-traders',
  'listing-news-trader',
  'ladder-market-maker',
  'linked-buy-and-hold',
  'organic-rally',
  'stray-bad-event',
  'late-within-tolerance',
  'dead-lettered-line',
]);

/**
 * The derivatives tape's cases (replayed through the venue adapters beside the simulator),
 * labelled by their own names: each planted case and each negative control is told apart.
 */
const TAPE_RULE_OF: ReadonlyMap<string, string> = new Map(TAPE_CASES.map((c) => [c.name, c.rule]));
const TAPE_CONTROLS: ReadonlySet<string> = new Set(TAPE_CASES.filter((c) => !c.planted).map((c) => c.name));

/** The rule a label (simulator scenario or tape case) is about. */
export const ruleOf = (scenario: string): string | undefined =>
  RULE_OF[scenario as ScenarioName] ?? TAPE_RULE_OF.get(scenario);

/** Every rule some label is about: alerts of other rules are not about any scenario. */
export const scenarioRules = (): string[] => [
  ...new Set([...Object.values(RULE_OF), ...TAPE_RULE_OF.values()]),
];

export const isControl = (scenario: string): boolean =>
  CONTROLS.has(scenario as ScenarioName) || TAPE_CONTROLS.has(scenario);

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

const onEntity = (alert: AlertRow, label: PlantedScenario): boolean =>
  ruleOf(label.scenario) === alert.rule_id &&
  (alert.entity === label.entity ||
    alert.related.includes(label.entity) ||
    // A topic entity carries the deployment's topic prefix (KAFKA_TOPIC_PREFIX), the label not.
    (PREFIXED_RULES.has(alert.rule_id) && alert.entity.endsWith(`.${label.entity}`)));

/** A planted scenario's rule fired on its entity (or named it among the related ones: wash-trading's counterparty). */
export const catches = (alert: AlertRow, planted: PlantedScenario): boolean =>
  !isControl(planted.scenario) && onEntity(alert, planted);

/** A negative control's rule fired on its entity: a false alert of the worst kind. */
export const firesOn = (alert: AlertRow, control: PlantedScenario): boolean =>
  isControl(control.scenario) && onEntity(alert, control);

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
