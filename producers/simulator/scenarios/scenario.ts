import type { ScenarioName, SimLabel } from '../../../lib/contracts/simulation.js';
import type { Rng } from '../../../lib/random.js';
import type { Account } from '../accounts.js';
import type { SimEvent, SimExchange } from '../exchange.js';
import type { Market } from '../markets.js';

/**
 * What a scenario may do: schedule steps on the simulation clock (each step's events
 * are counted as the scenario's), and say which entity its label is about.
 */
export interface ScenarioHandle {
  readonly exchange: SimExchange;
  /** The scenario's own stream: adding a scenario does not change the background's draws. */
  readonly rng: Rng;
  readonly customers: readonly Account[];
  /** Runs `step` `delayMs` after the scenario started (or after `from`, when given). */
  at(delayMs: number, step: (time: number) => SimEvent[], from?: number): void;
  /**
   * A market to trade on, drawn from `candidates` (every market by default) among those no
   * other running scenario trades, when one is free: each label then judges one behaviour,
   * not two scenarios' orders mixed on one book. `wholeRun`: kept from every later scenario
   * too, for labels about a token, which a rule judges over a long window.
   */
  market(candidates?: readonly Market[], wholeRun?: boolean): Market;
  /** Negative mentions of `token` the simulation produced with time in [from, to). */
  negativeMentions(token: string, from: number, to: number): number;
  /** The label's entity and the parameters worth knowing when a detection is judged. */
  label(entityKind: SimLabel['entity_kind'], entity: string, details: Record<string, unknown>): void;
}

export interface Scenario {
  name: ScenarioName;
  /** A sentence for docs and --help. */
  description: string;
  start(handle: ScenarioHandle, time: number): void;
}
