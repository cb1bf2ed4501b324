import type { EventProducer } from '../../lib/kafka/producer.js';
import type { Logger } from '../../lib/log.js';
import { SimulationRunner } from '../../producers/simulator/runner.js';
import { Simulation } from '../../producers/simulator/simulation.js';
import { settleWithin } from '../detection-stack.js';
import { startMarketReplay } from './market-replay.js';
import { DEMO_SCHEDULE, plantSchedule } from './schedule.js';

const PRODUCERS_STOP_MS = 15_000;

export interface DemoProducers {
  /** Wall time of the simulator's first instant: the schedule counts from it. */
  readonly simStartedAt: number;
  /** Wall time the simulator was told to stop (undefined while it runs). */
  readonly simStoppedAt: number | undefined;
  /** Simulator and market replay; what they handed over still reaches Kafka. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Everything the demo feeds into Kafka: the recorded market sample in a loop, and the
 * simulator in real time with the demo schedule of scenarios over its background flow.
 * `onFailure` hears of a simulator that stopped by itself (a refused batch is logged, not fatal).
 */
export function startDemoProducers(options: {
  producer: EventProducer;
  log: Logger;
  seed: number;
  rate: number;
  onFailure: (reason: string) => void;
}): DemoProducers {
  const { producer, log } = options;
  const market = startMarketReplay({ producer, log });
  const simStartedAt = Date.now();
  const sim = new Simulation({ seed: options.seed, startMs: simStartedAt, ratePerSecond: options.rate });
  plantSchedule(sim, simStartedAt, DEMO_SCHEDULE);
  const runner = new SimulationRunner(sim, producer, log);
  const simulation = runner
    .run({ durationMs: undefined, scenarios: [], fullSpeed: false, labels: undefined })
    .catch((err: unknown) => {
      log.error({ err }, 'simulator failed');
      options.onFailure('the simulator failed');
    });
  let stopped: Promise<void> | undefined;
  let simStoppedAt: number | undefined;
  return {
    simStartedAt,
    get simStoppedAt() {
      return simStoppedAt;
    },
    stop() {
      stopped ??= (async () => {
        simStoppedAt = Date.now();
        runner.stop();
        // Bounded: after a terminal's Ctrl-C the broker may already be gone, and the market
        // sink retries a batch until Kafka takes it.
        await settleWithin(
          'stopping the producers',
          PRODUCERS_STOP_MS,
          Promise.all([simulation, market.stop()]),
          log,
        );
      })();
      return stopped;
    },
  };
}
