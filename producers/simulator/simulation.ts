import type { ScenarioName, SimLabel } from '../../lib/contracts/simulation.js';
import { Rng } from '../../lib/random.js';
import { type Account, createAccounts } from './accounts.js';
import { BackgroundFlow } from './background.js';
import { SimExchange } from './exchange.js';
import { SimIds } from './ids.js';
import { MARKETS } from './markets.js';
import { scenarios } from './scenarios/index.js';
import type { ScenarioHandle, ScenarioOutput } from './scenarios/scenario.js';
import { Scheduler } from './scheduler.js';

export interface SimulationOptions {
  seed: number;
  /** Simulated time of the first event (epoch ms). */
  startMs: number;
  /** Target background events per simulated second. */
  ratePerSecond: number;
  accounts?: number;
  makers?: number;
  /** News and social mentions per simulated minute, across tokens; the crowd's pace, not the exchange's. */
  mentionsPerMinute?: number;
}

/** A step's output: events for topics, raw messages, and labels of scenarios that finished. */
export type SimOutput = ScenarioOutput | { topic: 'simLabels'; event: SimLabel };

const HOUR_MS = 3_600_000;

/**
 * The whole simulated exchange on one seeded clock. Background flow and scenario steps
 * are timed steps in one scheduler; `next()` runs the earliest and returns its events.
 * Everything drawn comes from the seed (ids included), so a seed and a start time give
 * the same events and labels on every run.
 */
export class Simulation {
  readonly seed: number;
  readonly exchange: SimExchange;
  readonly accounts: Account[];
  #now: number;
  readonly #rng: Rng;
  readonly #scheduler = new Scheduler<SimOutput[]>();
  readonly #background: BackgroundFlow;
  readonly #intervalMs: number;
  readonly #mentionIntervalMs: number;
  /** Events per background action so far: turns an events/s target into an action rate. */
  #actions = 0;
  #actionEvents = 0;
  readonly #negatives = new Map<string, number[]>();
  readonly #running = new Set<string>();
  /** Symbol → the scenario trading it (ScenarioHandle.market). */
  readonly #claimed = new Map<string, string>();
  #scenarioCount = 0;

  constructor(options: SimulationOptions) {
    this.seed = options.seed;
    this.#rng = new Rng(options.seed);
    this.#now = options.startMs;
    this.exchange = new SimExchange(new SimIds(this.#rng.fork()), MARKETS);
    this.accounts = createAccounts(this.#rng.fork(), options.accounts ?? 500, options.makers ?? 8);
    this.#background = new BackgroundFlow(this.exchange, this.#rng.fork(), this.accounts, (time, run) =>
      this.#scheduler.at(time, run),
    );
    this.#intervalMs = 1000 / options.ratePerSecond;
    this.#mentionIntervalMs = 60_000 / (options.mentionsPerMinute ?? 12);
    this.#scheduler.at(options.startMs, (t) => this.#background.seedBooks(t));
    this.#scheduleTrading(options.startMs);
    this.#scheduleMention(options.startMs);
  }

  /** Simulated time of the step that ran last. */
  get now(): number {
    return this.#now;
  }

  /** Time of the next step (the simulation never runs dry: background steps reschedule themselves). */
  nextTime(): number {
    return this.#scheduler.peekTime() as number;
  }

  /** Scenarios started and not yet labelled. */
  get runningScenarios(): number {
    return this.#running.size;
  }

  next(): SimOutput[] {
    const step = this.#scheduler.pop();
    if (!step) return [];
    this.#now = Math.max(this.#now, step.time);
    const out = step.run(this.#now);
    for (const item of out) {
      if (item.topic === 'socialMentions' && item.event.sentiment < 0)
        this.#countNegative(item.event.token, item.event.occurred_at);
    }
    return out;
  }

  /** Runs until simulated `time` (exclusive), returning everything produced on the way. */
  until(time: number): SimOutput[] {
    const out: SimOutput[] = [];
    while (this.nextTime() < time) out.push(...this.next());
    return out;
  }

  /** Starts `name` at simulated `time` (now by default); its label is emitted once its last step ran. */
  inject(name: ScenarioName, time = this.#now): void {
    const scenario = scenarios[name];
    const id = `${name}#${++this.#scenarioCount}`;
    const rng = this.#rng.fork();
    const eventIds: string[] = [];
    let pending = 0;
    let first = Number.POSITIVE_INFINITY;
    let last = 0;
    let target:
      | { kind: SimLabel['entity_kind']; entity: string; details: Record<string, unknown> }
      | undefined;
    const finish = (at: number): SimOutput[] => {
      this.#release(id);
      if (!target || eventIds.length === 0) return [];
      const label: SimLabel = {
        ...this.exchange.envelope(at),
        type: 'sim.label',
        scenario: name,
        entity_kind: target.kind,
        entity: target.entity,
        start_at: first,
        end_at: last,
        event_ids: eventIds,
        seed: this.seed,
        details: JSON.stringify(target.details).slice(0, 2000),
      };
      return [{ topic: 'simLabels', event: label }];
    };
    const handle: ScenarioHandle = {
      exchange: this.exchange,
      rng,
      customers: this.accounts.filter((a) => !a.maker),
      at: (delayMs, step, from = time) => {
        pending += 1;
        this.#scheduler.at(from + delayMs, (at) => {
          const events = step(at);
          for (const e of events) {
            eventIds.push(e.event.event_id);
            first = Math.min(first, e.event.occurred_at);
            last = Math.max(last, e.event.occurred_at);
          }
          pending -= 1;
          return pending === 0 ? [...events, ...finish(at)] : events;
        });
      },
      market: (candidates = [...this.exchange.markets.values()], wholeRun = false) => {
        const free = candidates.filter((m) => !this.#claimed.has(m.symbol));
        const market = rng.pick(free.length > 0 ? free : candidates);
        // A whole-run claim has an owner no finishing scenario releases.
        this.#claimed.set(market.symbol, wholeRun ? `${id} (whole run)` : id);
        return market;
      },
      negativeMentions: (token, from, to) =>
        (this.#negatives.get(token) ?? []).filter((t) => t >= from && t < to).length,
      label: (kind, entity, details) => {
        target = { kind, entity, details };
      },
    };
    this.#running.add(id);
    scenario.start(handle, time);
    if (pending === 0) this.#release(id);
  }

  #release(id: string): void {
    this.#running.delete(id);
    for (const [symbol, owner] of this.#claimed) if (owner === id) this.#claimed.delete(symbol);
  }

  #scheduleTrading(time: number): void {
    // Poisson arrivals whose mean gap yields ~ratePerSecond events, learning events per action as it goes.
    const perAction = this.#actions === 0 ? 2 : this.#actionEvents / this.#actions;
    this.#scheduler.at(time + this.#rng.exponential(this.#intervalMs * perAction), (t) => {
      const events = this.#background.step(t);
      this.#actions += 1;
      this.#actionEvents += events.length;
      this.#scheduleTrading(t);
      return events;
    });
  }

  #scheduleMention(time: number): void {
    this.#scheduler.at(time + this.#rng.exponential(this.#mentionIntervalMs), (t) => {
      this.#scheduleMention(t);
      return [this.#background.mention(t)];
    });
  }

  #countNegative(token: string, time: number): void {
    const times = this.#negatives.get(token) ?? [];
    times.push(time);
    // Scenarios look back half an hour; an hour of history is plenty and keeps memory flat.
    while (times.length > 0 && (times[0] as number) < time - HOUR_MS) times.shift();
    this.#negatives.set(token, times);
  }
}
