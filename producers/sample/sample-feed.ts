import { topics } from '../../lib/contracts/topics.js';
import type { EventProducer } from '../../lib/kafka/producer.js';
import type { Logger } from '../../lib/log.js';
import { createTradeGenerator } from './trade-generator.js';

export interface SampleFeed {
  /** Trades the broker has acknowledged so far. */
  acknowledged(): number;
  stop(): Promise<void>;
}

/**
 * Pushes synthetic trades into `market.trades` at about `ratePerSecond`, one batch every
 * 100 ms. A batch is sent only after the previous one was acknowledged, so a slow broker
 * slows the feed instead of piling up memory.
 */
export function startSampleFeed(
  producer: EventProducer,
  options: { ratePerSecond: number; log: Logger },
): SampleFeed {
  const nextTrade = createTradeGenerator();
  const perTick = Math.max(1, Math.round(options.ratePerSecond / 10));
  let acknowledged = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const tickStarted = Date.now();
      const batch = Array.from({ length: perTick }, () => nextTrade());
      try {
        const outcome = await producer.produce(topics.marketTrades, batch);
        acknowledged += outcome.accepted;
      } catch (err) {
        options.log.error({ err }, 'sample batch not acknowledged; retrying with the next tick');
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 100 - (Date.now() - tickStarted))));
    }
  })();
  return {
    acknowledged: () => acknowledged,
    async stop() {
      running = false;
      await loop;
    },
  };
}
