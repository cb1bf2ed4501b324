import type { ScenarioName, SimLabel } from '../../lib/contracts/simulation.js';
import { type TopicSpec, topics } from '../../lib/contracts/topics.js';
import type { EventProducer } from '../../lib/kafka/producer.js';
import type { Logger } from '../../lib/log.js';
import { sleep } from '../../lib/time.js';
import type { LabelsFile } from './labels.js';
import type { RawMessage } from './scenarios/scenario.js';
import type { SimOutput, Simulation } from './simulation.js';

export interface RunOptions {
  /** Simulated run length; the run goes on past it until every started scenario is labelled. */
  durationMs: number | undefined;
  scenarios: readonly ScenarioName[];
  /** Produce as fast as the broker acknowledges instead of at the simulated clock's pace. */
  fullSpeed: boolean;
  labels: LabelsFile | undefined;
  /** Paced mode: how often a slice of simulated time is generated and produced. */
  tickMs?: number;
  /** Full-speed mode: events per produce round. */
  chunkEvents?: number;
  /**
   * Sends scenarios' raw messages (bytes no contract would pass) to their topics; a stack
   * provides it (the detection stack's `sendRaw`). Absent, they are counted as `rawDropped`
   * and not sent: the scenario that wrote them does not happen, though it is labelled.
   */
  rawSink?: (messages: RawMessage[]) => Promise<void>;
}

export interface RunReport {
  events: number;
  byTopic: Record<string, number>;
  labels: SimLabel[];
  rejected: number;
  /** Raw messages not sent for want of a `rawSink`. */
  rawDropped: number;
  wallMs: number;
  simulatedMs: number;
}

/** Where scenarios go on the simulated clock: evenly through the run, the first after the books fill. */
export function scenarioTimes(startMs: number, durationMs: number | undefined, count: number): number[] {
  const gap = durationMs === undefined ? 90_000 : Math.min(90_000, durationMs / (count + 1));
  return Array.from({ length: count }, (_, i) => startMs + 5_000 + Math.round(i * gap));
}

/**
 * Drives a simulation into Kafka through EventProducer. Paced: every tick, generates the
 * simulated time that passed on the wall clock and produces it (waiting for the broker
 * before the next tick, so a slow broker slows the run instead of filling memory).
 * Full speed: generates and produces chunk after chunk, for measuring.
 * `produced_at` is stamped when the batch is handed to Kafka (or `heldMs` before, for an event
 * a producer held back); everything else is the
 * simulation's, so the same seed and start give the same events.
 */
export class SimulationRunner {
  readonly #sim: Simulation;
  readonly #producer: EventProducer;
  readonly #log: Logger;
  #stopping = false;

  constructor(sim: Simulation, producer: EventProducer, log: Logger) {
    this.#sim = sim;
    this.#producer = producer;
    this.#log = log;
  }

  stop(): void {
    this.#stopping = true;
  }

  async run(options: RunOptions): Promise<RunReport> {
    const startMs = this.#sim.now;
    scenarioTimes(startMs, options.durationMs, options.scenarios.length).forEach((at, i) => {
      this.#sim.inject(options.scenarios[i] as ScenarioName, at);
    });
    const report: RunReport = {
      events: 0,
      byTopic: {},
      labels: [],
      rejected: 0,
      rawDropped: 0,
      wallMs: 0,
      simulatedMs: 0,
    };
    const endMs = options.durationMs === undefined ? Number.POSITIVE_INFINITY : startMs + options.durationMs;
    const wallStart = Date.now();
    const done = () => this.#stopping || (this.#sim.nextTime() >= endMs && this.#sim.runningScenarios === 0);
    // Full speed: the next chunk is generated while the broker acknowledges the previous one;
    // a chunk is handed over only after the one before it was acknowledged, so order holds.
    let inFlight: Promise<void> | undefined;
    while (!done()) {
      if (!options.fullSpeed) {
        const tickStarted = Date.now();
        await this.#produce(this.#sim.until(startMs + (tickStarted - wallStart)), options, report);
        await sleep(Math.max(0, (options.tickMs ?? 100) - (Date.now() - tickStarted)));
        continue;
      }
      const batch: SimOutput[] = [];
      const chunk = options.chunkEvents ?? 5_000;
      while (batch.length < chunk && !done()) batch.push(...this.#sim.next());
      await inFlight;
      inFlight = this.#produce(batch, options, report);
    }
    await inFlight;
    report.wallMs = Date.now() - wallStart;
    report.simulatedMs = this.#sim.now - startMs;
    return report;
  }

  async #produce(batch: SimOutput[], options: RunOptions, report: RunReport): Promise<void> {
    if (batch.length === 0) return;
    const now = Date.now();
    const byTopic = new Map<SimOutput['topic'], object[]>();
    const raw: RawMessage[] = [];
    for (const item of batch) {
      if (item.topic === 'raw') {
        raw.push(item.event);
        continue;
      }
      const list = byTopic.get(item.topic) ?? [];
      const held = 'heldMs' in item ? (item.heldMs ?? 0) : 0;
      list.push({ ...item.event, produced_at: Math.max(item.event.occurred_at, now) - held });
      byTopic.set(item.topic, list);
    }
    const labels = batch.flatMap((item) => (item.topic === 'simLabels' ? [item.event] : []));
    // Grouping loses the pairing of topic and event type that SimOutput guarantees; the
    // producer validates every event against the spec anyway.
    const outcomes = await Promise.all(
      [...byTopic].map(([topic, events]) =>
        this.#producer.produce(
          topics[topic as Exclude<SimOutput['topic'], 'raw'>] as unknown as TopicSpec<object>,
          events,
        ),
      ),
    );
    await this.#sendRaw(raw, options, report);
    await options.labels?.append(labels);
    // Accepted events: what the contract refused went to the topic's dead-letter topic instead.
    [...byTopic].forEach(([topic, events], i) => {
      report.byTopic[topic] =
        (report.byTopic[topic] ?? 0) + events.length - (outcomes[i]?.rejected.length ?? 0);
    });
    report.events += batch.length;
    report.labels.push(...labels);
    for (const outcome of outcomes) {
      report.rejected += outcome.rejected.length;
      for (const r of outcome.rejected.slice(0, 3))
        this.#log.error({ reason: r.reason }, 'simulated event refused by its contract');
    }
    for (const label of labels) {
      this.#log.info(
        { scenario: label.scenario, entity: label.entity, events: label.event_ids.length },
        'scenario labelled',
      );
    }
  }

  async #sendRaw(raw: RawMessage[], options: RunOptions, report: RunReport): Promise<void> {
    if (raw.length === 0) return;
    if (options.rawSink) {
      await options.rawSink(raw);
      report.byTopic.raw = (report.byTopic.raw ?? 0) + raw.length;
      return;
    }
    report.rawDropped += raw.length;
    this.#log.warn(
      { topics: [...new Set(raw.map((m) => m.topic))], messages: raw.length },
      'raw messages of a scenario not sent: this run has no raw sink (the detection stack provides one)',
    );
  }
}
