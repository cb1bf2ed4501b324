import { type AlertRow, catches, RULE_OF, readAlerts } from '../../alerting/scenario-match.js';
import { chTimeMs } from '../../alerting/store.js';
import { type ClickHouseClient, queryNumber, queryRows } from '../../lib/clickhouse/client.js';
import type { EventProducer } from '../../lib/kafka/producer.js';
import type { DemoProducers } from './producers.js';
import type { PlannedScenario } from './schedule.js';

/** One reading of the demo's state, shown as a live block (TTY) or plain lines (status-view.ts). */
export interface StatusSnapshot {
  elapsedMs: number;
  /** Events per second acknowledged by Kafka, per topic, since the previous reading. */
  rates: Map<string, number>;
  /** Rows counted into the ClickHouse facts, per topic. */
  rows: Map<string, number>;
  deadLetters: number;
  alerts: Array<{ rule: string; count: number }>;
  outcomes: ScenarioOutcome[];
  /** How many scenarios the schedule plants in all. */
  planned: number;
}

/** A planted scenario and the alert that caught it, timed from the demo's start (ms). */
export interface ScenarioOutcome {
  scenario: PlannedScenario['scenario'];
  plantedAtMs: number;
  alert?: { rule: string; entity: string; atMs: number };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * What the demo shows while it runs and prints at the end, read from where the data really
 * is: events acknowledged by Kafka (the producer's counts), rows written to the facts
 * (pipeline_events_1m, per topic), alerts (the alerts table), and the ground truth of what
 * was planted (sim_labels, once a scenario has finished).
 */
export class DemoStatus {
  readonly #clickhouse: ClickHouseClient;
  readonly #producer: EventProducer;
  readonly #startedAt: number;
  readonly #producers: DemoProducers | undefined;
  /** The last outcomes read: the summary falls back on them when ClickHouse has stopped first. */
  #lastOutcomes: ScenarioOutcome[] = [];
  #lastAcked = new Map<string, number>();
  #lastAt = Date.now();

  constructor(options: {
    clickhouse: ClickHouseClient;
    producer: EventProducer;
    startedAt: number;
    /** Undefined when the demo was stopped before they started. */
    producers: DemoProducers | undefined;
  }) {
    this.#producers = options.producers;
    // Rates count from now: the producers may have started during the migrations.
    this.#lastAcked = new Map(Object.entries(options.producer.stats().accepted));
    this.#clickhouse = options.clickhouse;
    this.#producer = options.producer;
    this.#startedAt = options.startedAt;
  }

  /** Each planted scenario's first alert: its rule, on its labelled entity once the label has landed. */
  async outcomes(schedule: readonly PlannedScenario[]): Promise<ScenarioOutcome[]> {
    if (!this.#producers) return [];
    const { simStartedAt: simStart, simStoppedAt } = this.#producers;
    const [alerts, labels] = await Promise.all([
      readAlerts(this.#clickhouse),
      queryRows<{ scenario: string; entity: string }>(
        this.#clickhouse,
        'SELECT scenario, entity FROM sim_labels FINAL',
      ),
    ]);
    this.#lastOutcomes = schedule
      .filter((p) => simStart + p.afterMs <= (simStoppedAt ?? Date.now()))
      .map((p) => {
        const label = labels.find((l) => l.scenario === p.scenario);
        // Before its label lands (a scenario is labelled after its last step), any alert of
        // its rule counts: the scenario rules stay silent on background flow.
        const hit = alerts.find((a: AlertRow) =>
          label ? catches(a, label) : a.rule_id === RULE_OF[p.scenario],
        );
        const outcome: ScenarioOutcome = {
          scenario: p.scenario,
          plantedAtMs: simStart + p.afterMs - this.#startedAt,
        };
        if (hit)
          outcome.alert = {
            rule: hit.rule_id,
            entity: hit.entity,
            atMs: chTimeMs(hit.detected_at) - this.#startedAt,
          };
        return outcome;
      });
    return this.#lastOutcomes;
  }

  /** Fresh outcomes, or within `ms` the last ones read (a Ctrl-C in a terminal stops ClickHouse too). */
  async finalOutcomes(schedule: readonly PlannedScenario[], ms: number): Promise<ScenarioOutcome[]> {
    let timer: NodeJS.Timeout | undefined;
    const fallback = new Promise<ScenarioOutcome[]>((resolve) => {
      timer = setTimeout(() => resolve(this.#lastOutcomes), ms);
    });
    const fresh = this.outcomes(schedule).catch(() => this.#lastOutcomes);
    return Promise.race([fresh, fallback]).finally(() => clearTimeout(timer));
  }

  /** What the status shows now: events/s per topic since the last read, facts, dead letters, alerts, scenarios. */
  async read(schedule: readonly PlannedScenario[]): Promise<StatusSnapshot> {
    const now = Date.now();
    const acked = this.#producer.stats().accepted;
    const rates = new Map(
      Object.entries(acked).map(([topic, total]) => [
        topic,
        (total - (this.#lastAcked.get(topic) ?? 0)) / ((now - this.#lastAt) / 1000),
      ]),
    );
    this.#lastAcked = new Map(Object.entries(acked));
    this.#lastAt = now;
    const [facts, deadLetters, alerts, outcomes] = await Promise.all([
      queryRows<{ topic: string; rows: string }>(
        this.#clickhouse,
        'SELECT topic, sum(events) AS rows FROM pipeline_events_1m GROUP BY topic ORDER BY topic',
      ),
      queryNumber(this.#clickhouse, 'SELECT count() FROM dead_letters'),
      queryRows<{ rule_id: string; alerts: string }>(
        this.#clickhouse,
        'SELECT rule_id, count() AS alerts FROM alerts FINAL GROUP BY rule_id ORDER BY rule_id',
      ),
      this.outcomes(schedule),
    ]);
    return {
      elapsedMs: now - this.#startedAt,
      rates,
      rows: new Map(facts.map((f) => [f.topic, Number(f.rows)])),
      deadLetters,
      alerts: alerts.map((a) => ({ rule: a.rule_id, count: Number(a.alerts) })),
      outcomes,
      planned: schedule.length,
    };
  }
}

/** The closing table: each scenario, when it was planted and when its alert came, from the demo's start. */
export function summaryLines(
  outcomes: readonly ScenarioOutcome[],
  schedule: readonly PlannedScenario[],
): string[] {
  const lines = ['', 'Scenarios (seconds from the start of the demo):'];
  for (const p of schedule) {
    const o = outcomes.find((x) => x.scenario === p.scenario);
    const name = p.scenario.padEnd(18);
    if (!o) lines.push(`  ${name} not planted (the demo stopped first)`);
    else if (!o.alert) lines.push(`  ${name} planted at ${seconds(o.plantedAtMs)}, no alert yet`);
    else
      lines.push(
        `  ${name} planted at ${seconds(o.plantedAtMs)}, alerted at ${seconds(o.alert.atMs)} (${o.alert.rule} on ${o.alert.entity})`,
      );
  }
  const caught = outcomes.filter((o) => o.alert).length;
  lines.push(`${caught} of ${schedule.length} scenarios alerted.`);
  return lines;
}
