import type { ScenarioName } from '../../lib/contracts/simulation.js';
import type { Simulation } from '../../producers/simulator/simulation.js';

/** One scenario of the demo: planted this long after the simulator starts. */
export interface PlannedScenario {
  scenario: ScenarioName;
  afterMs: number;
}

/**
 * The demo plants every scenario once within its first minute, the slow ones first, so
 * each has alerted about two minutes after `make demo` starts (the simulator's own
 * schedule spaces them up to 90 s apart, for long runs). Roughly how long each takes to
 * reach its rule's threshold: negative buzz 40–80 s (20 of its 30+ mentions spread over
 * 60–120 s), account takeover up to 75 s (failed guesses, login, then the withdrawal
 * 20–50 s later), pump-and-dump 30–45 s (20 positive mentions and a price rise), spoofing
 * about 10 s (two cycles of cancelled layers), wash trading a few seconds (three trades).
 * The first waits 5 s, for the background makers to fill the books.
 */
export const DEMO_SCHEDULE: readonly PlannedScenario[] = [
  { scenario: 'negative-buzz', afterMs: 5_000 },
  { scenario: 'account-takeover', afterMs: 8_000 },
  { scenario: 'pump-and-dump', afterMs: 12_000 },
  { scenario: 'spoofing', afterMs: 30_000 },
  { scenario: 'wash-trading', afterMs: 50_000 },
];

/** Injects the schedule into `sim`, relative to its start; the runner is then given no scenarios of its own. */
export function plantSchedule(sim: Simulation, startMs: number, schedule = DEMO_SCHEDULE): void {
  for (const planned of schedule) sim.inject(planned.scenario, startMs + planned.afterMs);
}
